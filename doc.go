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
// A caller meets failures in three forms, each where its kind of caller needs it:
//
//   - Sentinel errors (errors.go), matched with errors.Is, for a request the engine
//     refuses or cannot serve: Challenge, Redeem, AnswerVisual and the site operations
//     return them (ErrChallengeUsed, ErrOriginNotAllowed, ErrNotFound, ErrStore…). Two
//     carry a detail the client is told, in a typed error that unwraps to its sentinel:
//     *VisualError (attempts left, or when to retry). Any other error
//     is an outage (the store, the randomness source) and fails closed.
//   - Error codes, in Result.ErrorCodes, for Verify: a token that does not verify is an
//     answer for the site's backend, not a failure of the call, so Verify reports it in
//     Turnstile's vocabulary (CodeInvalidResponse, CodeTimeoutDuplicate…) with a nil error,
//     and returns an error only when the store could not record the token's use.
//   - Result flags, for the protocol functions: VerifySolution and VerifyServerSignature
//     answer like altcha-lib, with Verified, Expired, InvalidSignature and InvalidSolution
//     set on the result and a nil error; only input that is not a payload at all is an
//     error (ErrMalformedPayload).
package astracaph
