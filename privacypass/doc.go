// Package privacypass lets devices that can prove, privately, that they are genuine and
// operated by a person skip the CAPTCHA: Private Access Tokens, as Safari on Apple
// devices sends them, and any other client of the Privacy Pass HTTP authentication scheme
// (RFC 9577) with publicly verifiable tokens (token type 0x0002, blind RSA; RFC 9578 and
// RFC 9474). The blind RSA cryptography is circl's (blindsign/blindrsa); this package
// does the protocol around it.
//
// # Lifecycle
//
//  1. Issuers: NewIssuers names the trusted issuers (ParseIssuerList reads the
//     ASTRACAPH_PAT_ISSUERS syntax). Run fetches each issuer's directory,
//     https://<issuer>/.well-known/private-token-issuer-directory, at start and again when
//     its Cache-Control max-age says (clamped by WithRefresh). Keys are published as an
//     immutable snapshot behind an atomic pointer, so verification takes no lock. A failed
//     refresh keeps the last good keys and logs; a static file in the same JSON format can
//     replace the fetch for air-gapped deployments.
//  2. Challenge: for a request that may be answered with a token, Challenges builds one
//     TokenChallenge per issuer with a current key: token type 2, the issuer's name, a
//     fresh 32-byte redemption context and the origin's host name as origin_info. The
//     server answers 401 with HeaderValue(challenges) in WWW-Authenticate. Safari handles
//     that 401 itself: it asks Apple's attester, which checks the device and relays a
//     blinded request to the issuer, and retries the request with
//     Authorization: PrivateToken token="…". Clients that cannot do this just see the 401
//     and fall back to the proof of work.
//  3. Redemption: TokenFromRequest (or ParseAuthorization) decodes the token; Redeem
//     checks it against the challenge(s) this server issued for the request — the token's
//     challenge digest must be SHA-256 of one of them, its key one its issuer publishes,
//     and its authenticator a valid RSA-PSS signature — and then consumes it once in the
//     caller's replay store. Every refusal has its own sentinel error.
//
// The server keeps the challenge either in state of its own or not at all:
// DeriveRedemptionContext turns data the client hands back (for example the signature of
// a challenge the server already signed) into the redemption context, and
// TokenChallenges rebuilds the expected challenges from it.
//
// # Privacy
//
// The issuer signs blindly: it never sees the token, so it cannot link a redemption to
// the issuance (nor to the device the attester vouched for). The origin learns one bit —
// a trusted issuer vouched for this client — and nothing that identifies the device. The
// redemption context is fresh for every challenge, so a token cannot be fetched ahead of
// time, replayed, or matched with another challenge, and two redemptions by one device
// cannot be linked through it. origin_info binds the token to this origin, so a token
// obtained for another site does not verify here (and a token from here is worthless
// elsewhere).
//
// See docs/privacypass.md for the flow, the public issuers and how the engine
// (astracaph.WithPrivacyPass), the server and the widget use this package.
package privacypass
