package attack

import (
	"context"
	"crypto/rand"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/visual"
	"github.com/astracat/astracaph/server"
)

// The measurement runs only when asked: ASTRACAPH_VISUAL_ATTACK=1 (over HTTP, the figure
// the issue asks for) or =offline (renders directly with known codes and also reports
// per-character accuracy, for tuning). ASTRACAPH_VISUAL_ATTACK_N sets the steps per attack
// (default 200), ASTRACAPH_VISUAL_ATTACK_ONLY a comma-separated subset of attack names,
// ASTRACAPH_VISUAL_ATTACK_WORKERS the concurrency (default 2).
const (
	envMode    = "ASTRACAPH_VISUAL_ATTACK"
	envN       = "ASTRACAPH_VISUAL_ATTACK_N"
	envOnly    = "ASTRACAPH_VISUAL_ATTACK_ONLY"
	envWorkers = "ASTRACAPH_VISUAL_ATTACK_WORKERS"
	codeLen    = 6
	voiceDir   = "../voice"
	// maxPassRate is the bar of the issue: at most 5 % of steps passed within 3 attempts.
	maxPassRate = 0.05
)

func envInt(name string, def int) int {
	if v, err := strconv.Atoi(os.Getenv(name)); err == nil && v > 0 {
		return v
	}
	return def
}

// solvers returns the attacks whose tools are installed, skipping the test when none is.
func solvers(t *testing.T) []Solver {
	t.Helper()
	only := os.Getenv(envOnly)
	want := func(name string) bool {
		return only == "" || slices.Contains(strings.Split(only, ","), name)
	}
	var out []Solver
	if err := HaveOCR(); err != nil {
		t.Logf("skipping the OCR attack: %v", err)
	} else if want("ocr") {
		out = append(out, OCR{Length: codeLen, Dir: t.TempDir()})
	}
	if err := HaveSpeech(); err != nil {
		t.Logf("skipping the speech attack: %v", err)
	} else if want("speech") {
		out = append(out, Speech{Length: codeLen, Dir: t.TempDir()})
	}
	tpl, err := LoadTemplates(voiceDir)
	require.NoError(t, err)
	for _, mode := range []TemplateMode{Segment, Wave, Spot} {
		if s := (Template{Length: codeLen, Templates: tpl, Mode: mode}); want(s.Name()) {
			out = append(out, s)
		}
	}
	return out
}

// TestAttackMachineReadsVisualStep drives each attack through the real HTTP flow with
// the always-step-up test key and requires that at most 5 % of steps are passed within
// the 3 attempts the server allows.
func TestAttackMachineReadsVisualStep(t *testing.T) {
	mode := os.Getenv(envMode)
	if mode == "" {
		t.Skipf("set %s=1 (HTTP) or =offline to run the visual attack suite (minutes; needs tesseract, ImageMagick, sox, PocketSphinx)", envMode)
	}
	if HaveOCR() != nil && HaveSpeech() != nil {
		t.Skip("tesseract/ImageMagick and PocketSphinx/sox are not installed")
	}
	n := envInt(envN, 200)
	workers := envInt(envWorkers, 2)
	var srv *httptest.Server
	if mode != "offline" {
		c, err := astracaph.New(astracaph.WithSecret([]byte("attack-suite-master-secret-0123456789")),
			astracaph.WithPoW(astracaph.PoWConfig{Algorithm: astracaph.PBKDF2SHA256, Cost: 2, CounterMin: 1, CounterMax: 30, V1MaxNumber: 500}))
		require.NoError(t, err)
		srv = httptest.NewServer(server.New(c, server.WithLimits(server.Limits{})))
		t.Cleanup(srv.Close)
	}
	for _, s := range solvers(t) {
		t.Run(s.Name(), func(t *testing.T) {
			var r result
			if srv != nil {
				cl := &Client{Base: srv.URL, HTTP: srv.Client(), SiteKey: astracaph.TestSiteKeyStepUp, Origin: "https://attack.example"}
				r = measureHTTP(t, cl, s, n, workers)
			} else {
				r = measureOffline(t, s, n, workers)
			}
			t.Logf("%s over %d steps: first attempt %d (%.1f %%), within 3 attempts %d (%.1f %%)%s",
				s.Name(), r.steps, r.first, pct(r.first, r.steps), r.within, pct(r.within, r.steps), r.extra)
			assert.LessOrEqual(t, float64(r.within)/float64(r.steps), maxPassRate,
				"%s passes more than %.0f %% of visual steps within 3 attempts", s.Name(), 100*maxPassRate)
		})
	}
}

type result struct {
	steps, first, within int
	extra                string
}

func pct(a, b int) float64 { return 100 * float64(a) / float64(max(1, b)) }

func measureHTTP(t *testing.T, cl *Client, s Solver, n, workers int) result {
	var r result
	var mu sync.Mutex
	parallel(n, workers, func(int) {
		o, err := cl.Run(context.Background(), s)
		mu.Lock()
		defer mu.Unlock()
		if !assert.NoError(t, err) {
			return
		}
		r.steps++
		if o.PassedAt == 1 {
			r.first++
		}
		if o.PassedAt > 0 {
			r.within++
		}
	})
	return r
}

// measureOffline renders exactly as the engine does (visual.go: the image from the seed,
// the audio from "audio" + seed) with known codes, so per-character accuracy of the first
// guess can be reported too.
func measureOffline(t *testing.T, s Solver, n, workers int) result {
	var r result
	var chars, charsRight, guessed atomic.Int64
	var mu sync.Mutex
	parallel(n, workers, func(int) {
		code, err := visual.NewCode(nil, codeLen)
		if !assert.NoError(t, err) {
			return
		}
		seed := make([]byte, 32)
		_, _ = rand.Read(seed)
		var media strings.Builder
		if s.Medium() == Image {
			err = visual.RenderPNG(&media, code, seed, visual.ImageOptions{})
		} else {
			err = visual.RenderWAV(&media, code, append([]byte("audio"), seed...))
		}
		if !assert.NoError(t, err) {
			return
		}
		g, err := s.Solve(context.Background(), []byte(media.String()))
		if !assert.NoError(t, err) {
			return
		}
		chars.Add(codeLen)
		if len(g) > 0 {
			guessed.Add(1)
			for i := 0; i < codeLen && i < len(g[0]); i++ {
				if g[0][i] == code[i] {
					charsRight.Add(1)
				}
			}
		}
		at := slices.Index(g, code)
		mu.Lock()
		defer mu.Unlock()
		r.steps++
		if at == 0 {
			r.first++
		}
		if at >= 0 && at < 3 {
			r.within++
		}
	})
	r.extra = fmt.Sprintf("; a guess for %d steps, characters right in the first guess %.1f %%",
		guessed.Load(), 100*float64(charsRight.Load())/float64(max(1, chars.Load())))
	return r
}

func parallel(n, workers int, f func(i int)) {
	var next atomic.Int64
	var wg sync.WaitGroup
	for w := 0; w < workers; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1)) - 1; i < n; i = int(next.Add(1)) - 1 {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// TestAttacksReadUnclutteredMedia is the control of the suite: the same attacks on the
// code without its defences must read most characters, or a low pass rate above would
// only show a broken attack. Undefended means the code typeset plainly by ImageMagick, and
// the public samples of one voice played back to back with pauses. The speech attack is
// also run on the code track of a real clip alone (visual.RenderWAVParts): an ASR with
// the code grammar should find it no harder than the untouched samples, a proxy for the
// per-character variations leaving the words intelligible; the template attacks' figures
// on it are reported only, since those variations exist to defeat them.
func TestAttacksReadUnclutteredMedia(t *testing.T) {
	if os.Getenv(envMode) == "" {
		t.Skipf("set %s=1 to run the visual attack suite", envMode)
	}
	const n = 30
	voiceFiles, err := filepath.Glob(filepath.Join(voiceDir, "*.wav"))
	require.NoError(t, err)
	for _, s := range solvers(t) {
		t.Run(s.Name(), func(t *testing.T) {
			read := func(media func(code string, i int) ([]byte, error)) float64 {
				var right, total atomic.Int64
				parallel(n, envInt(envWorkers, 2), func(i int) {
					code, _ := visual.NewCode(nil, codeLen)
					m, err := media(code, i)
					if !assert.NoError(t, err) {
						return
					}
					g, err := s.Solve(context.Background(), m)
					if !assert.NoError(t, err) {
						return
					}
					total.Add(codeLen)
					for k := 0; len(g) > 0 && k < codeLen && k < len(g[0]); k++ {
						if g[0][k] == code[k] {
							right.Add(1)
						}
					}
				})
				return float64(right.Load()) / float64(max(1, total.Load()))
			}
			if s.Medium() == Image {
				plain := read(func(code string, _ int) ([]byte, error) { return plainImage(t.TempDir(), code) })
				t.Logf("%s on plainly typeset codes: %.1f %% of characters", s.Name(), 100*plain)
				assert.GreaterOrEqual(t, plain, 0.8, "%s cannot even read plain text", s.Name())
				return
			}
			plain := read(func(code string, i int) ([]byte, error) {
				return plainSpeech(voiceFiles, code, []string{"m1", "m2", "f1", "f2"}[i%4])
			})
			track := read(func(code string, i int) ([]byte, error) {
				var b strings.Builder
				err := visual.RenderWAVParts(&b, code, []byte(fmt.Sprint("control-", i)), visual.PartCode)
				return []byte(b.String()), err
			})
			t.Logf("%s: %.1f %% of characters on the untouched samples back to back, %.1f %% on the code track of a clip alone",
				s.Name(), 100*plain, 100*track)
			if s.Name() == "speech" {
				// PocketSphinx's model is weak on synthetic voices: a third of the
				// characters (chance is 1/11) shows it works.
				assert.GreaterOrEqual(t, plain, 0.33, "the recogniser cannot read the samples")
				assert.GreaterOrEqual(t, track, plain-0.15, "the code track is much harder to recognise than the samples")
			} else {
				assert.GreaterOrEqual(t, plain, 0.8, "%s cannot even read the samples", s.Name())
			}
		})
	}
}

// plainSpeech plays the public samples of voice for code back to back with 0.4 s pauses.
func plainSpeech(files []string, code, voice string) ([]byte, error) {
	gap := make([]float64, rate*4/10)
	x := append([]float64(nil), gap...)
	for i := 0; i < len(code); i++ {
		want := code[i:i+1] + "_" + voice + ".wav"
		var found bool
		for _, f := range files {
			if filepath.Base(f) == want {
				b, err := os.ReadFile(f)
				if err != nil {
					return nil, err
				}
				s, _, err := decodeWAV(b)
				if err != nil {
					return nil, err
				}
				x = append(append(x, s...), gap...)
				found = true
			}
		}
		if !found {
			return nil, fmt.Errorf("no sample %s", want)
		}
	}
	return encodeWAV(x), nil
}

// plainImage typesets code in black on white with ImageMagick's default font.
func plainImage(dir, code string) ([]byte, error) {
	out := dir + "/plain.png"
	b, err := exec.Command("convert", "-size", "240x80", "-gravity", "center", "-pointsize", "44",
		"label:"+code, out).CombinedOutput()
	if err != nil {
		return nil, fmt.Errorf("convert: %v: %s", err, b)
	}
	return os.ReadFile(out)
}
