package astracaph

import (
	"errors"
	"fmt"
	"time"
)

// Every sentinel error of the package, for callers (and the HTTP layer) to branch on with
// errors.Is. The package doc says when an error is returned rather than an error code or
// a result flag.
var (
	// The flow: Challenge, Redeem, AnswerVisual.
	ErrInvalidSolution  = errors.New("astracaph: invalid solution")
	ErrChallengeExpired = errors.New("astracaph: challenge expired")
	ErrChallengeUsed    = errors.New("astracaph: challenge already used")
	ErrSiteMismatch     = errors.New("astracaph: challenge was issued for another site")
	ErrOriginNotAllowed = errors.New("astracaph: origin not allowed for this site")
	ErrOriginRequired   = errors.New("astracaph: origin required")
	ErrOpenModeDisabled = errors.New("astracaph: a site key is required")
	ErrPoWV1Disabled    = errors.New("astracaph: legacy PoW v1 is not enabled on this server")
	ErrNoExpiry         = errors.New("astracaph: challenge has no expiry")
	// ErrLifetimeTooLong: a foreign challenge expires later than this server's challenges
	// live (WithExpiry) plus a minute; set a challenge lifetime at least as long as the
	// other server's.
	ErrLifetimeTooLong = errors.New("astracaph: challenge lives longer than this server's challenges")
	// ErrBadProofID reports a binding id the environment check is not served for.
	ErrBadProofID = errors.New("astracaph: bad environment-check id")

	// The protocol: payload decoding, challenge creation and verification.
	ErrMalformedPayload = errors.New("astracaph: malformed payload")
	// ErrTestPayload is returned for the official widget's test-mode payload, which
	// carries no proof of work and must never verify.
	ErrTestPayload      = errors.New("astracaph: test-mode payload rejected")
	ErrUnknownAlgorithm = errors.New("astracaph: unknown algorithm")
	ErrEmptyKey         = errors.New("astracaph: empty HMAC key")
	ErrUnsolvable       = errors.New("astracaph: parameters the official widget cannot solve")
	ErrInvalidOptions   = errors.New("astracaph: invalid challenge options")
	ErrNoSolution       = errors.New("astracaph: no solution found")

	// Sites and domain claims. A missing site is ErrNotFound and a domain registered
	// twice ErrExists, as the store reports them.
	ErrInvalidDomain = errors.New("astracaph: invalid domain")
	// ErrForbidden: the secret does not match the site (Verify, DeleteSite, RotateSecret;
	// stores return it from UpdateSite and DeleteSite).
	ErrForbidden       = errors.New("astracaph: secret does not match the site")
	ErrClaimNotFound   = errors.New("astracaph: domain claim not found or expired")
	ErrClaimNotProven  = errors.New("astracaph: domain control not proven (publish the claim token in DNS or at the well-known URL)")
	ErrClaimOtherSite  = errors.New("astracaph: the claim is for another domain")
	ErrFetchNotAllowed = errors.New("astracaph: refusing to fetch from a private or loopback address")

	// Stores (see Store).
	ErrNotFound  = errors.New("astracaph: not found")
	ErrExists    = errors.New("astracaph: already exists")
	ErrStoreFull = errors.New("astracaph: store is full")
	ErrStore     = errors.New("astracaph: store unavailable")
	// ErrBeforeEpoch: the item being consumed was issued before the store's epoch, the
	// moment from which the store remembers what was spent (its start for the memory store;
	// the last data loss detected in Redis). It may have been spent already, so it is
	// refused: the user solves a new challenge.
	ErrBeforeEpoch = errors.New("astracaph: issued before the store's epoch (its memory of spent items starts later)")

	// The visual step.
	ErrVisualNotFound = errors.New("astracaph: visual challenge not found or expired")
	ErrVisualUsed     = errors.New("astracaph: visual challenge resource already served")
	ErrWrongAnswer    = errors.New("astracaph: wrong answer")
	ErrNoAttemptsLeft = errors.New("astracaph: no attempts left")
	// ErrVisualRateLimited refuses a redemption that would open one visual step too
	// many for the client's network prefix (the server answers 429).
	ErrVisualRateLimited = errors.New("astracaph: too many visual challenges from this network; try again later")
)

// What the site operations return for a missing site and a taken domain: the store's
// sentinels, with messages that name the site.
var (
	errSiteNotFound error = &refinedError{ErrNotFound, "astracaph: site not found"}
	errSiteExists   error = &refinedError{ErrExists, "astracaph: a site for this domain already exists"}
)

// refinedError is a sentinel with a more specific message: errors.Is finds the sentinel.
type refinedError struct {
	kind error
	msg  string
}

func (e *refinedError) Error() string { return e.msg }
func (e *refinedError) Unwrap() error { return e.kind }

// VisualError is a visual step's refusal with what the client may do next: after a wrong
// answer (errors.Is ErrWrongAnswer) the attempts left; when the client's prefix opened too
// many steps (errors.Is ErrVisualRateLimited) the time until its window ends (the HTTP
// API's Retry-After).
type VisualError struct {
	AttemptsLeft int
	RetryAfter   time.Duration
	err          error
}

func (e *VisualError) Error() string {
	if e.err == ErrWrongAnswer {
		return fmt.Sprintf("astracaph: wrong answer (%d attempts left)", e.AttemptsLeft)
	}
	return e.err.Error()
}

// Unwrap returns ErrWrongAnswer or ErrVisualRateLimited.
func (e *VisualError) Unwrap() error { return e.err }

// Errors of the Private Access Token flow. The client is told none of them apart: every
// refusal means "no token: solve the proof of work".
var (
	// ErrPrivateTokenUnavailable: Privacy Pass is off, no issuer has a key yet, or the
	// challenge cannot be answered with a token (PoW v1, whose signature covers its salt
	// only once solved; a test site key; a host that is no server name).
	ErrPrivateTokenUnavailable = errors.New("astracaph: private access tokens are not available")
	// ErrPrivateTokenInvalid: the token was refused. It wraps the privacypass sentinel that
	// says why (ErrBadSignature, ErrChallengeMismatch, ErrUnknownIssuer, ErrReplayed, …), for
	// logs and metrics.
	ErrPrivateTokenInvalid = errors.New("astracaph: private token refused")
)
