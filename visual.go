package astracaph

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"net/netip"
	"strconv"
	"time"

	"github.com/astracat/astracaph/internal/clientip"
	"github.com/astracat/astracaph/internal/visual"
)

// The visual follow-up step. When risk is high but not conclusive, Redeem returns a
// VisualStep instead of a token: a distorted-text image, the same code as audio, and a
// "verify by waiting" alternative — a heavy proof of work that asks nothing cognitive
// (WCAG 3.3.8). The code and the rendering seed stay in the store; the client only ever
// receives the rendered image and audio, each served once.
//
// A passed step is weak evidence: machine attacks still pass a few per cent of steps
// (docs/visual.md), so the token it yields carries at most VisualSolvedScore, and each
// client prefix may open only so many steps per window (WithVisualLimit).

// The visual step's figures.
const (
	// VisualSolvedScore is the highest score of a token issued after a visual step, whether
	// the code was typed or the heavy proof of work waited out: below the 0.5 that sites
	// commonly require for sensitive actions, so they can tell such tokens apart.
	VisualSolvedScore = 0.3

	// DefaultVisualLimit steps per DefaultVisualLimitWindow is the default limit per client
	// prefix (internal/clientip). A person who fails a step and reloads a few times stays
	// far below it; a script that passes a few per cent of steps gets about one token per
	// window and address.
	DefaultVisualLimit       = 20
	DefaultVisualLimitWindow = 10 * time.Minute
)

// visualLimit is the WithVisualLimit setting; the zero value means the defaults.
type visualLimit struct {
	n      int
	window time.Duration
	set    bool
}

// WithVisualLimit caps the visual steps one client prefix can open per window
// (default DefaultVisualLimit per DefaultVisualLimitWindow; n <= 0 turns the cap off).
// Over the cap, Redeem returns ErrVisualRateLimited instead of a step. The count lives
// in the store, so it holds across servers sharing one. Redemptions without a client
// address and the Turnstile-style test site keys are not counted.
func WithVisualLimit(n int, window time.Duration) Option {
	return func(c *Captcha) error {
		if n > 0 && window <= 0 {
			return fmt.Errorf("astracaph: visual limit window must be positive")
		}
		c.visualLimit = visualLimit{n: n, window: window, set: true}
		return nil
	}
}

// allowVisual counts one visual step for the client's prefix in a fixed window and refuses
// it over the cap. A store failure refuses too (fail closed).
func (c *Captcha) allowVisual(ctx context.Context, site string, ip netip.Addr) error {
	n, window := DefaultVisualLimit, DefaultVisualLimitWindow
	if c.visualLimit.set {
		n, window = c.visualLimit.n, c.visualLimit.window
	}
	if n <= 0 || !ip.IsValid() || isTestSiteKey(site) {
		return nil
	}
	now := c.now().UnixNano()
	win := now / int64(window)
	count, err := c.store.Incr(ctx, "vrl:"+clientip.Prefix(ip)+":"+strconv.FormatInt(win, 10), window)
	if err != nil {
		return err
	}
	if count > int64(n) {
		return &VisualError{err: ErrVisualRateLimited, RetryAfter: time.Duration((win+1)*int64(window) - now)}
	}
	return nil
}

const (
	visualCodeLen  = 6
	visualAttempts = 3
	visualTTL      = 5 * time.Minute
	// defaultWaitFactor: the "verify by waiting" PoW is 4× the base work. docs/risk-notes.md ("Scoring model")
	// asks for ≈48× a 0.25 s base (≈12 s on a low-end phone); AstraCaph's default base is
	// already ≈2.4 s on a desktop, so 4× (≈10 s desktop, ≈1 min low-end phone) keeps the
	// alternative usable. WithVisualWait changes it.
	defaultWaitFactor = 4
	visualStatePrefix = "vs:"
)

// VisualStep is the follow-up challenge returned by Redeem.
type VisualStep struct {
	ID        string    `json:"id"`
	Length    int       `json:"length"`
	ExpiresAt time.Time `json:"expiresAt"`
	Attempts  int       `json:"attempts"`
	// Wait is the "verify by waiting" alternative: solving it passes the step without
	// reading anything.
	Wait Challenge `json:"wait"`
}

type visualState struct {
	Code    string     `json:"code"`
	Seed    []byte     `json:"seed"`
	Site    string     `json:"site,omitempty"`
	Origin  string     `json:"origin,omitempty"`
	Assess  Assessment `json:"assess"`
	Expires time.Time  `json:"expires"`
}

func (c *Captcha) newVisualStep(ctx context.Context, site, origin string, a Assessment, ip netip.Addr) (*VisualStep, error) {
	if err := c.allowVisual(ctx, site, ip); err != nil {
		return nil, err
	}
	code, err := visual.NewCode(c.rand, visualCodeLen)
	if err != nil {
		return nil, err
	}
	seed := make([]byte, 32)
	if _, err := rand.Read(seed); err != nil {
		return nil, err
	}
	id := randomToken("v_", 18)
	exp := c.now().Add(visualTTL)
	st, _ := json.Marshal(visualState{Code: code, Seed: seed, Site: site, Origin: origin, Assess: a, Expires: exp})
	if err := c.store.SetState(ctx, visualStatePrefix+id, st, visualTTL); err != nil {
		return nil, err
	}
	wait, err := c.heavyChallenge(c.waitFactor, id, site)
	if err != nil {
		return nil, err
	}
	return &VisualStep{ID: id, Length: visualCodeLen, ExpiresAt: exp, Attempts: visualAttempts, Wait: wait}, nil
}

func (c *Captcha) visualState(ctx context.Context, id string) (visualState, error) {
	b, err := c.store.GetState(ctx, visualStatePrefix+id)
	if errors.Is(err, ErrNotFound) {
		return visualState{}, ErrVisualNotFound
	}
	if err != nil {
		return visualState{}, err
	}
	var st visualState
	if err := json.Unmarshal(b, &st); err != nil {
		return visualState{}, fmt.Errorf("astracaph: visual state: %w", err)
	}
	if c.now().After(st.Expires) {
		return visualState{}, ErrVisualNotFound
	}
	return st, nil
}

// VisualImage renders the step's image once; a second request gets ErrVisualUsed.
func (c *Captcha) VisualImage(ctx context.Context, id string, dark bool) ([]byte, error) {
	st, err := c.visualState(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := c.serveOnce(ctx, "vi:"+id); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	opt := visual.ImageOptions{}
	if dark {
		opt.Theme = visual.ThemeDark
	}
	err = visual.RenderPNG(&buf, st.Code, st.Seed, opt)
	return buf.Bytes(), err
}

// VisualAudio renders the step's audio (WAV) once.
func (c *Captcha) VisualAudio(ctx context.Context, id string) ([]byte, error) {
	st, err := c.visualState(ctx, id)
	if err != nil {
		return nil, err
	}
	if err := c.serveOnce(ctx, "va:"+id); err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	err = visual.RenderWAV(&buf, st.Code, append([]byte("audio"), st.Seed...))
	return buf.Bytes(), err
}

func (c *Captcha) serveOnce(ctx context.Context, key string) error {
	first, _, err := c.store.ConsumeOnce(ctx, key, "", time.Time{}, visualTTL)
	if err != nil {
		return err
	}
	if !first {
		return ErrVisualUsed
	}
	return nil
}

// VisualAnswer answers a visual step with the code read or heard, or with the payload of
// its "verify by waiting" challenge.
type VisualAnswer struct {
	ID       string
	Code     string
	Payload  string
	ClientIP netip.Addr // counts wrong answers towards the prefix's recent failures
}

// takeAttempt claims the next of the step's attempts and returns its number (1-based;
// visualAttempts+1 when none is left). Attempts are single-use keys, not a counter: the
// store may evict counters under pressure, which would hand out fresh attempts, while
// spent keys are never dropped before their TTL. Concurrent answers get distinct numbers.
func (c *Captcha) takeAttempt(ctx context.Context, id string) (int, error) {
	for n := 1; n <= visualAttempts; n++ {
		first, _, err := c.store.ConsumeOnce(ctx, "vn:"+id+":"+strconv.Itoa(n), "", time.Time{}, visualTTL)
		if err != nil {
			return 0, err
		}
		if first {
			return n, nil
		}
	}
	return visualAttempts + 1, nil
}

// AnswerVisual checks an answer. A right code (case-insensitive, constant time) or a valid
// heavy-PoW payload consumes the step and returns a token decision; a wrong code returns
// a *VisualError (AttemptsLeft) until the attempts run out (ErrNoAttemptsLeft, the step is gone).
func (c *Captcha) AnswerVisual(ctx context.Context, ans VisualAnswer) (Decision, error) {
	st, err := c.visualState(ctx, ans.ID)
	if err != nil {
		return Decision{}, err
	}
	key := visualStatePrefix + ans.ID
	switch {
	case ans.Payload != "":
		sol, err := VerifySolution(ans.Payload, VerifyOptions{HMACKey: c.powKey, KeySignatureKey: c.keySigKey, Now: c.now()})
		if err != nil {
			return Decision{}, err
		}
		if sol.Expired {
			return Decision{}, ErrChallengeExpired
		}
		if !sol.Verified || sol.ChallengeID != "w_"+ans.ID {
			return Decision{}, ErrInvalidSolution
		}
	case ans.Code != "":
		n, err := c.takeAttempt(ctx, ans.ID)
		if err != nil {
			return Decision{}, err
		}
		if n > visualAttempts {
			_, _ = c.store.TakeState(ctx, key)
			return Decision{}, ErrNoAttemptsLeft
		}
		if !visual.Equal(st.Code, ans.Code) {
			c.recordFailure(ctx, ans.ClientIP)
			if n == visualAttempts {
				_, _ = c.store.TakeState(ctx, key)
				return Decision{}, ErrNoAttemptsLeft
			}
			return Decision{}, &VisualError{err: ErrWrongAnswer, AttemptsLeft: visualAttempts - int(n)}
		}
	default:
		return Decision{}, ErrWrongAnswer
	}
	// Exactly one right answer wins the step.
	if _, err := c.store.TakeState(ctx, key); err != nil {
		if errors.Is(err, ErrNotFound) {
			return Decision{}, ErrVisualNotFound
		}
		return Decision{}, err
	}
	a := st.Assess
	a.Action = ActionPass
	a.Reasons = append(a.Reasons, "human.VISUAL_SOLVED")
	a.Score = min(a.Score, VisualSolvedScore) // weak evidence: see VisualSolvedScore
	d := Decision{Action: ActionPass, Score: a.Score, Reasons: a.Reasons, Classification: a.Classification}
	d.Token, d.ExpiresAt, err = c.issueToken(ctx, binding{site: st.Site, origin: st.Origin}, a)
	return d, err
}
