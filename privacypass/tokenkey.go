package privacypass

import (
	"crypto/rsa"
	"crypto/sha256"
	"encoding/asn1"
	"fmt"
	"math/big"

	"golang.org/x/crypto/cryptobyte"
	cbasn1 "golang.org/x/crypto/cryptobyte/asn1"
)

// Object identifiers, as the DER contents of an OBJECT IDENTIFIER (constants, so nothing
// package-level can be changed).
const (
	oidRSAPSS        = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x0a" // 1.2.840.113549.1.1.10 id-RSASSA-PSS
	oidRSAEncryption = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x01" // 1.2.840.113549.1.1.1, pre-RFC issuers
	oidMGF1          = "\x2a\x86\x48\x86\xf7\x0d\x01\x01\x08" // 1.2.840.113549.1.1.8 id-mgf1
	oidSHA384        = "\x60\x86\x48\x01\x65\x03\x04\x02\x02" // 2.16.840.1.101.3.4.2.2
	saltLength       = 48                                     // = SHA-384 output, RFC 9578 §6.5
	rsaModulusBits   = AuthenticatorSize * 8                  // 2048
)

// TokenKeyID is token_key_id: SHA-256 of the key exactly as the issuer publishes it. It is
// computed over the published bytes, never a re-encoding, so the ID matches the one the
// client put in its token.
func TokenKeyID(encodedKey []byte) [KeyIDSize]byte { return sha256.Sum256(encodedKey) }

// ParseTokenKey decodes an issuer's token key: a DER SubjectPublicKeyInfo with the
// RSASSA-PSS OID (RFC 9578 §6.5) whose parameters, when present, must say SHA-384, MGF1
// with SHA-384 and a 48-byte salt. The plain rsaEncryption OID that issuers published
// before the RFC is accepted too: verification always uses the parameters the token type
// fixes. The modulus must be 2048 bits.
func ParseTokenKey(der []byte) (*rsa.PublicKey, error) {
	bad := func(what string) (*rsa.PublicKey, error) {
		return nil, fmt.Errorf("%w: %s", ErrTokenKey, what)
	}
	in := cryptobyte.String(der)
	var spki, algo, oid cryptobyte.String
	if !in.ReadASN1(&spki, cbasn1.SEQUENCE) || !in.Empty() ||
		!spki.ReadASN1(&algo, cbasn1.SEQUENCE) ||
		!algo.ReadASN1(&oid, cbasn1.OBJECT_IDENTIFIER) {
		return bad("not a SubjectPublicKeyInfo")
	}
	switch string(oid) {
	case oidRSAPSS:
		if !algo.Empty() && !readPSSParams(&algo) {
			return bad("RSASSA-PSS parameters are not SHA-384/MGF1-SHA-384/48")
		}
	case oidRSAEncryption:
		var null cryptobyte.String
		if !algo.Empty() && !algo.ReadASN1(&null, cbasn1.NULL) {
			return bad("rsaEncryption parameters")
		}
	default:
		return bad("not an RSA key")
	}
	var bits asn1.BitString
	if !algo.Empty() || !spki.ReadASN1BitString(&bits) || !spki.Empty() || bits.BitLength%8 != 0 {
		return bad("subjectPublicKey")
	}
	pk := cryptobyte.String(bits.Bytes)
	var seq cryptobyte.String
	n, e := new(big.Int), 0
	if !pk.ReadASN1(&seq, cbasn1.SEQUENCE) || !pk.Empty() ||
		!seq.ReadASN1Integer(n) || !seq.ReadASN1Integer(&e) || !seq.Empty() {
		return bad("RSAPublicKey")
	}
	if n.BitLen() != rsaModulusBits {
		return bad(fmt.Sprintf("%d-bit modulus, want %d", n.BitLen(), rsaModulusBits))
	}
	if e < 3 || e&1 == 0 || e > 1<<31-1 {
		return bad("public exponent")
	}
	return &rsa.PublicKey{N: n, E: e}, nil
}

// readPSSParams consumes RSASSA-PSS-params and reports whether they are exactly the
// ones of token type 0x0002. Defaults (SHA-1, salt 20) are wrong for it, so the hash,
// mask generation function and salt must all be explicit.
func readPSSParams(algo *cryptobyte.String) bool {
	var params, hash, mgf, salt, trailer cryptobyte.String
	var hasHash, hasMGF, hasSalt, hasTrailer bool
	if !algo.ReadASN1(&params, cbasn1.SEQUENCE) ||
		!params.ReadOptionalASN1(&hash, &hasHash, cbasn1.Tag(0).ContextSpecific().Constructed()) ||
		!params.ReadOptionalASN1(&mgf, &hasMGF, cbasn1.Tag(1).ContextSpecific().Constructed()) ||
		!params.ReadOptionalASN1(&salt, &hasSalt, cbasn1.Tag(2).ContextSpecific().Constructed()) ||
		!params.ReadOptionalASN1(&trailer, &hasTrailer, cbasn1.Tag(3).ContextSpecific().Constructed()) ||
		!params.Empty() || !hasHash || !hasMGF || !hasSalt {
		return false
	}
	if !readAlgorithm(&hash, oidSHA384, nil) || !hash.Empty() {
		return false
	}
	mgfOK := readAlgorithm(&mgf, oidMGF1, func(p *cryptobyte.String) bool {
		return readAlgorithm(p, oidSHA384, nil)
	})
	if !mgfOK || !mgf.Empty() {
		return false
	}
	var s int64
	if !salt.ReadASN1Int64WithTag(&s, cbasn1.INTEGER) || !salt.Empty() || s != saltLength {
		return false
	}
	if hasTrailer {
		var t int64
		if !trailer.ReadASN1Int64WithTag(&t, cbasn1.INTEGER) || !trailer.Empty() || t != 1 {
			return false
		}
	}
	return true
}

// readAlgorithm consumes an AlgorithmIdentifier with the given OID. Its parameters are
// read by params, or must be absent or NULL when params is nil.
func readAlgorithm(s *cryptobyte.String, oid string, params func(*cryptobyte.String) bool) bool {
	var seq, got cryptobyte.String
	if !s.ReadASN1(&seq, cbasn1.SEQUENCE) || !seq.ReadASN1(&got, cbasn1.OBJECT_IDENTIFIER) || string(got) != oid {
		return false
	}
	if params != nil {
		return params(&seq) && seq.Empty()
	}
	var null cryptobyte.String
	return seq.Empty() || (seq.ReadASN1(&null, cbasn1.NULL) && null.Empty() && seq.Empty())
}

// MarshalTokenKey encodes pub as RFC 9578 publishes token keys: a SubjectPublicKeyInfo
// with the RSASSA-PSS OID and explicit SHA-384/MGF1-SHA-384/48 parameters. Use it to
// write a static directory file for a self-run issuer.
func MarshalTokenKey(pub *rsa.PublicKey) ([]byte, error) {
	if pub == nil || pub.N == nil || pub.N.BitLen() != rsaModulusBits {
		return nil, fmt.Errorf("%w: want a %d-bit RSA key", ErrTokenKey, rsaModulusBits)
	}
	return marshalTokenKey(pub)
}

// marshalTokenKey is MarshalTokenKey without the size check (tests build bad keys).
func marshalTokenKey(pub *rsa.PublicKey) ([]byte, error) {
	var rsaKey cryptobyte.Builder
	rsaKey.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1BigInt(pub.N)
		b.AddASN1Int64(int64(pub.E))
	})
	rsaDER, err := rsaKey.Bytes()
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrTokenKey, err)
	}
	sha384 := func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oidSHA384)) })
		})
	}
	var spki cryptobyte.Builder
	spki.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
		b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
			b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oidRSAPSS)) })
			b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
				b.AddASN1(cbasn1.Tag(0).ContextSpecific().Constructed(), sha384)
				b.AddASN1(cbasn1.Tag(1).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1(cbasn1.SEQUENCE, func(b *cryptobyte.Builder) {
						b.AddASN1(cbasn1.OBJECT_IDENTIFIER, func(b *cryptobyte.Builder) { b.AddBytes([]byte(oidMGF1)) })
						sha384(b)
					})
				})
				b.AddASN1(cbasn1.Tag(2).ContextSpecific().Constructed(), func(b *cryptobyte.Builder) {
					b.AddASN1Int64(saltLength)
				})
			})
		})
		b.AddASN1BitString(rsaDER)
	})
	return spki.Bytes()
}
