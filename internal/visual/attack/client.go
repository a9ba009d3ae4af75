package attack

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/astracat/astracaph"
)

// Medium is what an attack reads from a visual step.
type Medium int

// Media.
const (
	Image Medium = iota // the light-theme PNG
	Audio               // the WAV
)

// Solver reads one medium and returns ranked guesses, best first; only the first
// Attempts of them are submitted.
type Solver interface {
	Name() string
	Medium() Medium
	Solve(ctx context.Context, media []byte) ([]string, error)
}

// Client drives the widget's HTTP flow against a server's API.
type Client struct {
	Base    string // e.g. an httptest.Server URL
	HTTP    *http.Client
	SiteKey string // astracaph.TestSiteKeyStepUp for the measurements
	Origin  string // sent as the Origin header
}

// Step is a visual step as the API returns it.
type Step struct {
	ID       string `json:"id"`
	Image    string `json:"image"`
	Audio    string `json:"audio"`
	Length   int    `json:"length"`
	Attempts int    `json:"attempts"`
}

func (c *Client) do(ctx context.Context, method, path string, body any) (int, []byte, error) {
	var rd io.Reader
	if body != nil {
		js, err := json.Marshal(body)
		if err != nil {
			return 0, nil, err
		}
		rd = bytes.NewReader(js)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.Base+path, rd)
	if err != nil {
		return 0, nil, err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if c.Origin != "" {
		req.Header.Set("Origin", c.Origin)
	}
	hc := c.HTTP
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, 8<<20))
	return resp.StatusCode, b, err
}

// NewStep fetches and solves a challenge and redeems it; the answer must be a visual step.
func (c *Client) NewStep(ctx context.Context) (Step, error) {
	status, b, err := c.do(ctx, http.MethodGet, "/api/v1/challenge?siteKey="+url.QueryEscape(c.SiteKey), nil)
	if err != nil {
		return Step{}, err
	}
	if status != http.StatusOK {
		return Step{}, fmt.Errorf("attack: challenge: %d %s", status, b)
	}
	var ch astracaph.Challenge
	if err := json.Unmarshal(b, &ch); err != nil {
		return Step{}, fmt.Errorf("attack: challenge: %w", err)
	}
	sol, err := astracaph.SolveChallenge(ctx, ch, astracaph.SolveOptions{Workers: 1})
	if err != nil {
		return Step{}, err
	}
	status, b, err = c.do(ctx, http.MethodPost, "/api/v1/challenge", map[string]any{
		"payload": astracaph.EncodePayload(ch, sol), "siteKey": c.SiteKey,
	})
	if err != nil {
		return Step{}, err
	}
	var out struct {
		Step   string `json:"step"`
		Visual Step   `json:"visual"`
	}
	if status != http.StatusOK || json.Unmarshal(b, &out) != nil || out.Step != "visual" {
		return Step{}, fmt.Errorf("%w: %d %s", ErrNoStep, status, b)
	}
	return out.Visual, nil
}

// Fetch downloads a medium of the step (each is served once).
func (c *Client) Fetch(ctx context.Context, s Step, m Medium) ([]byte, error) {
	path := s.Image
	if m == Audio {
		path = s.Audio
	}
	status, b, err := c.do(ctx, http.MethodGet, path, nil)
	if err != nil {
		return nil, err
	}
	if status != http.StatusOK {
		return nil, fmt.Errorf("attack: fetch %s: %d %s", path, status, b)
	}
	return b, nil
}

// Answer submits one code. It returns whether a token was issued, and whether the step
// still takes answers.
func (c *Client) Answer(ctx context.Context, s Step, code string) (passed, more bool, err error) {
	status, b, err := c.do(ctx, http.MethodPost, "/api/v1/challenge/visual", map[string]string{"id": s.ID, "code": code})
	if err != nil {
		return false, false, err
	}
	var out struct {
		Success      bool   `json:"success"`
		Token        string `json:"token"`
		Error        string `json:"error"`
		AttemptsLeft int    `json:"attemptsLeft"`
	}
	if err := json.Unmarshal(b, &out); err != nil {
		return false, false, fmt.Errorf("attack: answer: %d %s", status, b)
	}
	switch {
	case status == http.StatusOK && out.Success && out.Token != "":
		return true, false, nil
	case out.Error == "wrong-answer":
		return false, out.AttemptsLeft > 0, nil
	case out.Error == "no-attempts-left":
		return false, false, nil
	}
	return false, false, fmt.Errorf("attack: answer: %d %s", status, b)
}

// Outcome is one measured step: PassedAt is the 1-based attempt that got a token, 0 when
// none did; Guesses are what was submitted.
type Outcome struct {
	PassedAt int
	Guesses  []string
}

// Run measures one step end to end: a new step, the solver's medium, its guesses.
func (c *Client) Run(ctx context.Context, s Solver) (Outcome, error) {
	st, err := c.NewStep(ctx)
	if err != nil {
		return Outcome{}, err
	}
	media, err := c.Fetch(ctx, st, s.Medium())
	if err != nil {
		return Outcome{}, err
	}
	guesses, err := s.Solve(ctx, media)
	if err != nil {
		return Outcome{}, err
	}
	var o Outcome
	for i, g := range guesses {
		if i >= st.Attempts {
			break
		}
		o.Guesses = append(o.Guesses, g)
		passed, more, err := c.Answer(ctx, st, g)
		if err != nil {
			return o, err
		}
		if passed {
			o.PassedAt = i + 1
			return o, nil
		}
		if !more {
			break
		}
	}
	return o, nil
}
