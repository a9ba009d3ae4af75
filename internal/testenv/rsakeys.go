package testenv

import (
	"crypto/rand"
	"crypto/rsa"
	"sync"
)

// rsaKeys are generated once per test binary: 2048-bit generation is slow on a loaded
// machine, and tests need only a few distinct keys.
var rsaKeys = sync.OnceValue(func() []*rsa.PrivateKey {
	keys := make([]*rsa.PrivateKey, 4)
	for i := range keys {
		k, err := rsa.GenerateKey(rand.Reader, 2048)
		if err != nil {
			panic(err)
		}
		keys[i] = k
	}
	return keys
})

// RSAKey returns test key i (0–3), a 2048-bit key shared by the whole test binary.
func RSAKey(i int) *rsa.PrivateKey { return rsaKeys()[i] }
