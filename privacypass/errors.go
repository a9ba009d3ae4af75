package privacypass

import "errors"

// Errors callers branch on with errors.Is. Each refusal has its own sentinel so logs and
// metrics can tell them apart; none of them is meant for the client, which only learns
// that it must fall back to the proof of work.
var (
	// ErrNoToken: the request carries no PrivateToken credential.
	ErrNoToken = errors.New("astracaph: no PrivateToken credential")
	// ErrMalformedHeader: an Authorization or WWW-Authenticate value that is not valid
	// auth-scheme syntax, repeats a parameter, or is too long.
	ErrMalformedHeader = errors.New("astracaph: malformed authentication header")
	// ErrMalformedToken: the token is not valid base64url or not a well-formed Token.
	ErrMalformedToken = errors.New("astracaph: malformed privacy pass token")
	// ErrMalformedChallenge: a TokenChallenge that does not decode, or one this package
	// refuses to build (empty issuer, bad redemption context, bad origin name).
	ErrMalformedChallenge = errors.New("astracaph: malformed token challenge")
	// ErrTokenType: a token type other than 0x0002 (publicly verifiable, blind RSA).
	ErrTokenType = errors.New("astracaph: unsupported privacy pass token type")
	// ErrChallengeMismatch: the token answers another challenge (another origin, another
	// redemption context, another issuer): its challenge digest is not the expected one.
	ErrChallengeMismatch = errors.New("astracaph: token was issued for another challenge")
	// ErrUnknownIssuer: the issuer is not configured, or the token's key is not one it
	// publishes.
	ErrUnknownIssuer = errors.New("astracaph: token key of an unknown issuer")
	// ErrKeyExpired: the token's key was withdrawn by its issuer longer ago than the grace
	// period.
	ErrKeyExpired = errors.New("astracaph: token key expired")
	// ErrKeyNotYetValid: the token's key has a not-before time in the future.
	ErrKeyNotYetValid = errors.New("astracaph: token key not yet valid")
	// ErrBadSignature: the token's authenticator is not a valid RSA-PSS signature by the key.
	ErrBadSignature = errors.New("astracaph: invalid token signature")
	// ErrReplayed: the challenge was already redeemed (the same token, or another token for
	// the same challenge).
	ErrReplayed = errors.New("astracaph: privacy pass token already redeemed")
	// ErrReplayStore: the replay store could not record the redemption; the token is not
	// accepted (fail closed) and can be redeemed once the store is back.
	ErrReplayStore = errors.New("astracaph: replay store unavailable")
	// ErrNoIssuerKey: no current key is known for the issuer (its directory was never
	// fetched successfully), so no challenge can be issued for it.
	ErrNoIssuerKey = errors.New("astracaph: no current key for issuer")
	// ErrDirectory: an issuer directory could not be fetched or parsed.
	ErrDirectory = errors.New("astracaph: issuer directory unusable")
	// ErrTokenKey: a token key that is not a 2048-bit RSASSA-PSS SubjectPublicKeyInfo.
	ErrTokenKey = errors.New("astracaph: invalid token key")
	// ErrConfig: an invalid issuer list or option.
	ErrConfig = errors.New("astracaph: invalid privacy pass configuration")
)
