// Package astracaph is a self-hosted CAPTCHA that speaks ALTCHA's wire formats.
//
// # Lifecycle
//
// One *Captcha, built by New, runs the whole flow in-process:
//
//  1. Challenge: the widget (ours, or the official ALTCHA widget) fetches a proof-of-work
//     challenge. It is an ALTCHA PoW v2 challenge (PBKDF2/SHA-256 by default, or a legacy
//     PoW v1 challenge for widgets 0.x–2.x) signed with a key derived from the master
//     secret, carrying a random challengeId and the site key in its signed data. How much
//     work it asks for is chosen per client (IP class and request rate) by a DifficultyFunc.
//  2. Redeem: the browser solves it in Web Workers and posts the payload with telemetry.
//     The server verifies the proof (VerifySolution), consumes the challengeId atomically
//     so a solution is used once, scores the risk (RiskFunc) and answers with a decision:
//     a token, a visual follow-up step (AnswerVisual), or a denial with reason codes.
//  3. Token: a token is an ALTCHA server-signature payload whose signed verificationData
//     carries id, time, expire, origin, site, score, classification and reasons. It is
//     signed with the site's secret for registered sites — so the site's backend can verify
//     it offline with any ALTCHA library — and with the open-mode secret otherwise.
//  4. Verify: the site's backend (or middleware.Protect in-process, or POST /api/v1/verify)
//     checks the signature, expiry and binding (the origin, a domain equal to the origin's
//     host, or the site secret) and consumes the token id atomically: a token verifies
//     exactly once, on any number of servers sharing a Store (memory or Redis). A second
//     verify fails with "timeout-or-duplicate".
//
// Verification fails closed: when the store cannot record a consumption, Verify returns
// an error and the token is not accepted; it can be verified once the store is back.
//
// Sites (RegisterSite, SeedSites, RotateSecret, ClaimDomain) give tokens a secret of their
// own; without one the engine runs in open mode, binding tokens to the page's origin.
//
// # Protocol building blocks
//
// The package also exposes the ALTCHA formats directly, byte-for-byte interoperable with
// altcha-lib: CreateChallenge, SolveChallenge and VerifySolution (PoW v2; CreateChallengeV1
// and SolveChallengeV1 for legacy PoW v1, which VerifySolution also reads), SignServerPayload
// and VerifyServerSignature for server-signature payloads, VerifyFieldsHash for the form
// fields a token signs.
//
// # Three ways to fail
//
// A failure reaches its caller in one of three forms, chosen by who the caller is and
// whether "no" is a refusal or an answer:
//
//   - Sentinel errors, for Go callers that branch, with errors.Is. An operation that
//     refuses or cannot serve a request returns one: Challenge, Redeem, AnswerVisual, the
//     site operations and the Store (ErrChallengeUsed, ErrOriginNotAllowed, ErrNotFound,
//     ErrStore…), and the protocol functions for input they cannot use
//     (CreateChallenge: ErrInvalidOptions; DecodeServerPayload: ErrMalformedPayload;
//     SolveChallenge: ErrNoSolution). Each package keeps its own in its errors.go
//     (middleware, redisstore, privacypass, risk, spam, ipintel, widget), each documented
//     with when it is returned. A visual step's refusal that carries a detail for the
//     client is a *VisualError, which unwraps to its sentinel (ErrWrongAnswer: attempts
//     left; ErrVisualRateLimited: when to retry). An error that matches no sentinel is an
//     outage (the store, the randomness source) and fails closed.
//   - Error codes, for callers across a process boundary: stable kebab-case strings that
//     do not change with the Go messages. The HTTP API answers every refusal as JSON
//     {"success":false,"error":"<code>","message":…} with its status, mapping each
//     sentinel to one code (ErrChallengeUsed is "already-used", 403; an outage is
//     "unavailable", 503); the verify endpoints and Result.ErrorCodes use Turnstile's
//     vocabulary (the Code* constants: CodeTimeoutDuplicate for a spent or expired token);
//     middleware.Failure carries codes for the site's error handler beside its sentinel.
//   - Result flags, for checks whose job is to say yes or no: a token or payload that does
//     not verify is an answer, not a failure of the call, so the error is nil and the
//     result says why. Verify sets Result.Success (with Expired and ErrorCodes) and
//     returns an error only when the store could not record the token's use;
//     VerifySolution and VerifyServerSignature answer like altcha-lib with Verified,
//     Expired, InvalidSignature and InvalidSolution, and return an error only for input
//     that is not a payload at all (ErrMalformedPayload).
package astracaph
