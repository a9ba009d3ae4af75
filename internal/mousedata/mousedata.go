// Package mousedata turns pointer approaches (a path towards a target ending in a click)
// into the behaviour telemetry the AstraCaph widget records, for fitting and evaluating the
// kinematic model of the risk scorer.
//
// Approaches come from two places: real people, read from the SapiMouse data set (Antal,
// Fejér, Buza 2021: 120 people, raw browser mouse events; see risk/testdata/kinematics/README.md
// for where it is found and under which terms it is used, never copied into the repository),
// and synthetic bots (bots.go): the scripted trajectories the model must catch.
//
// Behaviour samples an approach the way widget/assets/src/telemetry.js does: pointermove events kept
// at least 20 ms apart, coordinates rounded, times in ms since the widget became ready, the
// last 60 samples, and the click's dwell (last sample → press) and press duration.
package mousedata

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/astracat/astracaph/risk"
)

// Approach is a pointer path towards a target that ends in a click.
type Approach struct {
	Source  string       // "sapimouse/user12", "bot/line-const", …
	Moves   [][3]float64 // x, y, t (ms): raw pointer events before the press, oldest first
	Press   float64      // ms
	Release float64      // ms
	// DX, DY are the click's offset from the target's centre, when known (bots); nil for
	// recordings that do not say where the target was.
	DX, DY *float64
}

// WidgetFloorMs is the widget's minimum interval between kept pointer samples.
const WidgetFloorMs = 20

// SapiMouseEnv names the environment variable that points at the SapiMouse directory (the
// one holding user1/, user2/, …).
const SapiMouseEnv = "ASTRACAPH_SAPIMOUSE"

// FindSapiMouse returns the SapiMouse directory: $ASTRACAPH_SAPIMOUSE, or a shared/data/sapimouse
// directory found by walking up from start. It returns "" when there is none.
func FindSapiMouse(start string) string {
	if d := os.Getenv(SapiMouseEnv); d != "" {
		return d
	}
	dir, _ := filepath.Abs(start)
	for {
		p := filepath.Join(dir, "shared", "data", "sapimouse")
		if st, err := os.Stat(p); err == nil && st.IsDir() {
			return p
		}
		parent := filepath.Dir(dir)
		if parent == dir {
			return ""
		}
		dir = parent
	}
}

// LoadSapiMouse reads every session under dir (user*/session_*.csv), users in numeric order.
func LoadSapiMouse(dir string) ([]Approach, error) {
	files, err := filepath.Glob(filepath.Join(dir, "user*", "*.csv"))
	if err != nil {
		return nil, err
	}
	if len(files) == 0 {
		return nil, fmt.Errorf("%w in %s", ErrNoData, dir)
	}
	sort.Slice(files, func(i, j int) bool {
		ui, uj := userNumber(files[i]), userNumber(files[j])
		if ui != uj {
			return ui < uj
		}
		return files[i] < files[j]
	})
	var out []Approach
	for _, f := range files {
		fh, err := os.Open(f)
		if err != nil {
			return nil, err
		}
		a, err := ParseSapiMouse(fh, "sapimouse/"+filepath.Base(filepath.Dir(f)))
		fh.Close()
		if err != nil {
			return nil, fmt.Errorf("%s: %w", f, err)
		}
		out = append(out, a...)
	}
	return out, nil
}

func userNumber(path string) int {
	n, _ := strconv.Atoi(strings.TrimPrefix(filepath.Base(filepath.Dir(path)), "user"))
	return n
}

type event struct {
	t, x, y     float64
	button, act string
}

// ParseSapiMouse reads one session (CSV "client timestamp,button,state,x,y") and returns its
// approaches: the moves since the previous button event up to each left press that is a
// click (released within 5 px of where it was pressed).
func ParseSapiMouse(r io.Reader, source string) ([]Approach, error) {
	var evs []event
	sc := bufio.NewScanner(r)
	line := 0
	for sc.Scan() {
		line++
		f := strings.Split(strings.TrimSpace(sc.Text()), ",")
		if line == 1 && len(f) > 0 && !isNumber(f[0]) {
			continue // header
		}
		if len(f) != 5 {
			return nil, fmt.Errorf("line %d: %d fields, want 5", line, len(f))
		}
		t, e1 := strconv.ParseFloat(f[0], 64)
		x, e2 := strconv.ParseFloat(f[3], 64)
		y, e3 := strconv.ParseFloat(f[4], 64)
		if e1 != nil || e2 != nil || e3 != nil || math.IsNaN(t+x+y) || math.IsInf(t+x+y, 0) {
			return nil, fmt.Errorf("line %d: not numbers", line)
		}
		evs = append(evs, event{t: t, x: x, y: y, button: f[1], act: f[2]})
	}
	if err := sc.Err(); err != nil {
		return nil, err
	}
	var out []Approach
	var moves [][3]float64
	for i, e := range evs {
		switch e.act {
		case "Move":
			moves = append(moves, [3]float64{e.x, e.y, e.t})
			continue
		case "Pressed":
			if e.button == "Left" && len(moves) > 0 {
				if rel, ok := clickRelease(evs[i+1:], e); ok {
					out = append(out, Approach{Source: source, Moves: moves, Press: e.t, Release: rel})
				}
			}
		}
		moves = nil
	}
	return out, nil
}

// clickRelease finds the release of press among the following events; ok is false for a
// drag (the pointer left 5 px around the press point) or when no release follows.
func clickRelease(next []event, press event) (float64, bool) {
	for i, e := range next {
		if i > 400 {
			break
		}
		if math.Hypot(e.x-press.x, e.y-press.y) > 5 {
			return 0, false
		}
		if e.act == "Released" {
			return e.t, true
		}
	}
	return 0, false
}

func isNumber(s string) bool {
	_, err := strconv.ParseFloat(strings.TrimSpace(s), 64)
	return err == nil
}

// Behaviour samples a as the widget records it with pointer samples kept at least floorMs
// apart (WidgetFloorMs for the widget itself; 0 keeps every event). The widget became ready
// 1 to 9 s before the first move (derived from the recording's own clock, so it is stable);
// the checkbox's centre is at (24, 24) in the widget and the press lands on it, so
// coordinates are relative to the widget.
func (a Approach) Behaviour(floorMs float64) *risk.Behaviour {
	lead := 1000 + math.Mod(math.Abs(a.Press)*7.31, 8000)
	t0 := a.Press - lead
	ox, oy := 0.0, 0.0
	if len(a.Moves) > 0 {
		t0 = a.Moves[0][2] - lead
		last := a.Moves[len(a.Moves)-1]
		ox, oy = 24-last[0], 24-last[1]
	}
	var ptr []risk.Point
	lastT := math.Inf(-1)
	for _, m := range a.Moves {
		if m[2]-lastT < floorMs {
			continue
		}
		lastT = m[2]
		ptr = append(ptr, risk.Point{math.Round(m[0] + ox), math.Round(m[1] + oy), math.Round(m[2] - t0)})
	}
	if len(ptr) > risk.TelemetryMaxPointer {
		ptr = ptr[len(ptr)-risk.TelemetryMaxPointer:]
	}
	press := math.Round(a.Press - t0)
	mdu := math.Max(0, math.Round(a.Release-a.Press))
	c := risk.Click{MDU: &mdu, Detail: ptrTo(1), Trusted: ptrTo(true), Type: "mouse", T: ptrTo(math.Round(a.Release - t0))}
	if len(ptr) > 0 { // the widget reports no dwell without a pointer sample
		c.Dwell = ptrTo(math.Max(0, press-ptr[len(ptr)-1][2]))
	}
	if a.DX != nil && a.DY != nil {
		c.DX, c.DY = ptrTo(math.Round(*a.DX*10)/10), ptrTo(math.Round(*a.DY*10)/10)
	}
	return &risk.Behaviour{
		Pointer: ptr,
		Clicks:  []risk.Click{c},
		Act:     &risk.Activation{N: 1, T: ptrTo(press)},
	}
}

func ptrTo[T any](v T) *T { return &v }
