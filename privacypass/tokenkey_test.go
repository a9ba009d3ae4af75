package privacypass

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"encoding/hex"
	"encoding/json"
	"os"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// rfcVector is issuance protocol 2 test vector 1 of RFC 9578 Appendix A.2.
type rfcVector struct {
	PKS, Challenge, Token []byte
}

func loadRFCVector(t testing.TB) rfcVector {
	t.Helper()
	b, err := os.ReadFile("testdata/rfc9578-type2-vector.json")
	require.NoError(t, err)
	var raw struct {
		PKS       string `json:"pkS"`
		Challenge string `json:"token_challenge"`
		Token     string `json:"token"`
	}
	require.NoError(t, json.Unmarshal(b, &raw))
	return rfcVector{mustHex(t, raw.PKS), mustHex(t, raw.Challenge), mustHex(t, raw.Token)}
}

func TestTokenKeyRFC9578Vector(t *testing.T) {
	v := loadRFCVector(t)
	pub, err := ParseTokenKey(v.PKS)
	require.NoError(t, err)
	assert.Equal(t, 2048, pub.N.BitLen())
	assert.Equal(t, 65537, pub.E)

	// Our encoding of the same key is byte-for-byte the RFC's, so a self-run issuer's
	// static file produces the key IDs clients compute.
	again, err := MarshalTokenKey(pub)
	require.NoError(t, err)
	assert.Equal(t, v.PKS, again)

	id := TokenKeyID(v.PKS)
	assert.Equal(t, "ca572f8982a9ca248a3056186322d93ca147266121ddeb5632c07f1f71cd2708", hex.EncodeToString(id[:]))
}

func TestParseTokenKeyAcceptsLegacyRSAEncryption(t *testing.T) {
	sk := testenv.RSAKey(0)
	der, err := x509.MarshalPKIXPublicKey(&sk.PublicKey)
	require.NoError(t, err)
	pub, err := ParseTokenKey(der)
	require.NoError(t, err)
	assert.True(t, pub.Equal(&sk.PublicKey))
}

func TestParseTokenKeyRejects(t *testing.T) {
	v := loadRFCVector(t)
	small, err := rsa.GenerateKey(rand.Reader, 1024)
	require.NoError(t, err)
	smallDER, err := x509.MarshalPKIXPublicKey(&small.PublicKey)
	require.NoError(t, err)
	ec, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	require.NoError(t, err)
	ecDER, err := x509.MarshalPKIXPublicKey(&ec.PublicKey)
	require.NoError(t, err)

	pss1024, err := marshalTokenKey(&small.PublicKey)
	require.NoError(t, err)

	patch := func(at int, b byte) []byte {
		out := append([]byte{}, v.PKS...)
		out[at] = b
		return out
	}
	// Offsets in the RFC key: salt INTEGER value at 0x42, the hash OID's last byte at 0x21.
	require.Equal(t, byte(0x30), v.PKS[0x42])
	require.Equal(t, byte(0x02), v.PKS[0x21])
	require.Equal(t, byte(0x02), v.PKS[0x3d])
	cases := map[string][]byte{
		"1024-bit key":     smallDER,
		"ECDSA key":        ecDER,
		"salt 32":          patch(0x42, 0x20),
		"SHA-256 hash":     patch(0x21, 0x01),
		"trailing data":    append(append([]byte{}, v.PKS...), 0),
		"truncated":        v.PKS[:len(v.PKS)-1],
		"empty":            nil,
		"not DER":          []byte("MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEA"),
		"PKCS#1 not SPKI":  x509.MarshalPKCS1PublicKey(&testenv.RSAKey(0).PublicKey),
		"RSA-PSS 1024-bit": pss1024,
	}
	for name, der := range cases {
		t.Run(name, func(t *testing.T) {
			_, err := ParseTokenKey(der)
			assert.ErrorIs(t, err, ErrTokenKey)
		})
	}
}

// The RSASSA-PSS OID without parameters leaves them open; the token type fixes them.
func TestParseTokenKeyAcceptsPSSWithoutParameters(t *testing.T) {
	sk := testenv.RSAKey(0)
	var b cryptobyte.Builder
	b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oidRSAPSS)) })
		})
		b.AddASN1BitString(x509.MarshalPKCS1PublicKey(&sk.PublicKey))
	})
	der, err := b.Bytes()
	require.NoError(t, err)
	pub, err := ParseTokenKey(der)
	require.NoError(t, err)
	assert.True(t, pub.Equal(&sk.PublicKey))
}
