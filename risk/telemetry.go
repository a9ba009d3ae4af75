package risk

// Telemetry: the versioned browser payload sent by the AstraCaph widget with the PoW solution
// (schema in docs/risk.md, background in docs/risk-notes.md, "Telemetry payload"), and its parser.
//
// Every field is optional and, to the scorer, ABSENCE IS NEUTRAL: keyboard and screen-reader users
// produce no pointer data, privacy browsers block probes. (What the engine requires of our widget's
// flow, the binding, activation and probes, is judged in integrity.go.) So a
// field whose zero value would itself be a signal (plugins: 0, langs: 0, chromeObj: false, mtp: 0,
// click dx/dy: 0, ...) is a pointer, and nil means "not reported". Booleans whose true value is the
// signal (wd, hlUA, ...) are plain bools: false and absent mean the same.
//
// Data minimisation: no character keys, no field contents, coordinates relative to the
// widget, at most 60 samples per stream. The parser enforces the caps so a hostile client cannot make
// the scorer do unbounded work.

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strconv"
)

// TelemetryVersion is the only telemetry schema version ParseTelemetry accepts.
const TelemetryVersion = 1

// TelemetryMaxBytes is the size limit of a telemetry document.
const TelemetryMaxBytes = 4096

// Array caps enforced by ParseTelemetry.
const (
	TelemetryMaxPointer = 60 // beh.ptr samples (ALTCHA HIS ring buffer size)
	TelemetryMaxClicks  = 16 // beh.clicks
	TelemetryMaxMarks   = 16 // env.autoMarks, env.stackMarks, env.workerMismatch
	TelemetryMaxSpecial = 16 // beh.keys.special buckets
	TelemetryMaxString  = 128
)

// Telemetry is a version-1 telemetry document (its schema is documented in docs/risk.md).
type Telemetry struct {
	V   int        `json:"v"`
	Env *Env       `json:"env,omitempty"`
	Beh *Behaviour `json:"beh,omitempty"`
	PoW *PoWReport `json:"pow,omitempty"`
	// Ch binds the document to the challenge it was collected for.
	Ch *Binding `json:"ch,omitempty"`
	// Proof is the answer of the challenge's environment check (the generated script served
	// at /api/v1/challenge/proof.js), as the widget received it.
	Proof string `json:"proof,omitempty"`
}

// Binding binds a telemetry document to one challenge: its identity and the
// widget's own clock, measured from the moment the challenge arrived. The server checks
// them against the challenge's issue time, the redemption time and the solve time the proof
// of work implies.
type Binding struct {
	ID  string   `json:"id"`            // v2 parameters.data.challengeId, or the v1 salt
	Rcv *float64 `json:"rcv,omitempty"` // ms since ready when the challenge arrived (beh times are on the same clock)
	Sol *float64 `json:"sol,omitempty"` // ms from arrival to the solution
	Snd *float64 `json:"snd,omitempty"` // ms from arrival to sending the redemption
}

// Env holds the environment probes (signals E1–E4, E6, S1–S13).
type Env struct {
	WebDriver         bool      `json:"wd,omitempty"`         // E1 navigator.webdriver === true
	HeadlessUA        bool      `json:"hlUA,omitempty"`       // E3 HeadlessChrome/PhantomJS in UA or appVersion
	HeadlessWorkerUA  bool      `json:"hlWorkerUA,omitempty"` // E3 ... in a Web Worker's UA
	AutomationMarks   []string  `json:"autoMarks,omitempty"`  // E2 marker codes (not names)
	RuntimeLeak       bool      `json:"runtimeLeak,omitempty"`
	StackMarks        []string  `json:"stackMarks,omitempty"`     // E6
	Lies              int       `json:"lies,omitempty"`           // S1 count of API lies
	WorkerMismatch    []string  `json:"workerMismatch,omitempty"` // S2 "ua","platform","hc","langs","gl"
	NotifInconsistent bool      `json:"notifIncons,omitempty"`    // S3
	ChromeObject      *bool     `json:"chromeObj,omitempty"`      // S4 window.chrome exists
	Plugins           *int      `json:"plugins,omitempty"`        // S5 navigator.plugins.length
	PDFViewer         *bool     `json:"pdf,omitempty"`            // S5 exclusion: pdfViewerEnabled
	Languages         *int      `json:"langs,omitempty"`          // S6 navigator.languages.length
	Language          string    `json:"lang,omitempty"`
	GL                *GL       `json:"gl,omitempty"`          // S7, S8
	UAData            *UAData   `json:"uaData,omitempty"`      // S9
	PlatformEstimate  string    `json:"platformEst,omitempty"` // S9 feature-estimated OS
	MaxTouchPoints    *int      `json:"mtp,omitempty"`         // S10
	TouchEvent        *bool     `json:"touchEv,omitempty"`     // S10
	Window            []float64 `json:"win,omitempty"`         // S11 [innerW, innerH, outerW, outerH]
	Screen            []float64 `json:"scr,omitempty"`         // S11 [w, h, availW, availH]
	DPR               float64   `json:"dpr,omitempty"`
	Focused           *bool     `json:"focused,omitempty"` // S11 document.hasFocus()
	TimeZone          string    `json:"tz,omitempty"`      // S12 Intl time zone
	TZOffset          *int      `json:"tzOff,omitempty"`   // minutes, Date.getTimezoneOffset
	Hardware          *int      `json:"hc,omitempty"`      // S13 hardwareConcurrency (no weight alone)
	DeviceMemory      *float64  `json:"dm,omitempty"`      // S13
	Privacy           string    `json:"privacy,omitempty"` // "tor" | "rfp" | "brave" | "" (null)
}

// GL is the WebGL renderer probe, classified client-side, optionally with raw strings.
type GL struct {
	Class       string `json:"class,omitempty"`       // "hw" | "sw" | ""
	VendorClass string `json:"vendorClass,omitempty"` // "intel","nvidia","amd","apple","qualcomm","arm","swiftshader","llvmpipe","mesa",...
	Blocked     bool   `json:"blocked,omitempty"`     // WEBGL_debug_renderer_info unavailable (RFP, Tor): neutral
	Renderer    string `json:"r,omitempty"`           // raw UNMASKED_RENDERER_WEBGL, if policy allows
}

// UAData is navigator.userAgentData (Chromium only).
type UAData struct {
	Platform string `json:"platform,omitempty"`
	Mobile   *bool  `json:"mobile,omitempty"`
}

// Behaviour holds the interaction streams and aggregates (signals B1–B9, E7, G1, G2).
type Behaviour struct {
	Pointer   Points      `json:"ptr,omitempty"`    // ≤60 [x, y, t] mouse/pen, widget-relative, t ms since ready
	Clicks    []Click     `json:"clicks,omitempty"` // ≤16
	Keys      *Keys       `json:"keys,omitempty"`
	Focus     *Focus      `json:"focus,omitempty"`
	Touch     *Touch      `json:"touch,omitempty"`
	Vis       *Visibility `json:"vis,omitempty"`
	Times     *Times      `json:"t,omitempty"`
	Untrusted int         `json:"untrusted,omitempty"` // E7 events with isTrusted === false
	Fields    *int        `json:"fields,omitempty"`    // non-empty form fields at submit (B6, B7)
	Act       *Activation `json:"act,omitempty"`       // trusted activations since the last redemption
}

// Activation counts trusted activations (pointerdown, keydown, touchstart) since the
// widget's previous redemption. The widget never redeems without one, so a document without
// any activation did not come from it.
type Activation struct {
	N int      `json:"n"`
	T *float64 `json:"t,omitempty"` // ms since ready of the last one
}

// Point is one pointer sample [x, y, t]. It decodes strictly from a 3-number JSON array.
type Point [3]float64

// Points is a pointer stream. It decodes [[x, y, t], …] in one pass into a slice of
// the right size, the costliest part of a telemetry document for encoding/json.
type Points []Point

// UnmarshalJSON decodes an array of samples; more than TelemetryMaxPointer is an error before
// anything is allocated. encoding/json has already checked the syntax of the whole document.
func (ps *Points) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if string(b) == "null" {
		*ps = nil
		return nil
	}
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return fmt.Errorf("%w: ptr is not an array", ErrTelemetryInvalid)
	}
	body := b[1 : len(b)-1]
	n := bytes.Count(body, []byte{'['})
	if n > TelemetryMaxPointer {
		return fmt.Errorf("%w: beh ptr: too many samples", ErrTelemetryInvalid)
	}
	out := make(Points, 0, n)
	depth, start := 0, -1
	for i, c := range body {
		switch c {
		case '[':
			if depth == 0 {
				start = i
			}
			depth++
		case ']':
			depth--
			if depth == 0 {
				var p Point
				if err := p.UnmarshalJSON(body[start : i+1]); err != nil {
					return err
				}
				out = append(out, p)
			}
		case ' ', '\t', '\r', '\n', ',':
		default:
			if depth == 0 { // a sample that is not an array
				return fmt.Errorf("%w: pointer sample is not an array", ErrTelemetryInvalid)
			}
		}
	}
	if len(out) == 0 {
		out = nil
	}
	*ps = out
	return nil
}

// Click describes one activation of the widget.
type Click struct {
	DX      *float64 `json:"dx,omitempty"`      // offset from the element centre, px
	DY      *float64 `json:"dy,omitempty"`      //
	Dwell   *float64 `json:"dwell,omitempty"`   // ms from the last pointer move to mousedown
	MDU     *float64 `json:"mdu,omitempty"`     // ms mousedown→mouseup
	Detail  *int     `json:"detail,omitempty"`  // MouseEvent.detail; 0 = keyboard/AT activation
	Trusted *bool    `json:"trusted,omitempty"` // isTrusted
	Type    string   `json:"type,omitempty"`    // pointerType: "mouse" | "pen" | "touch" | ""
	T       *float64 `json:"t,omitempty"`       // ms since ready
}

// Keys are keyboard aggregates. Character keys are never recorded.
type Keys struct {
	N       int       `json:"n"`                 // trusted keydown count
	IKI     []float64 `json:"iki,omitempty"`     // inter-key interval online metric [n, mean, M2, min, max]
	Paste   int       `json:"paste,omitempty"`   // paste events
	Ins     int       `json:"ins,omitempty"`     // non-typing inputType events: autofill, drop, dictation, IME
	Special []int     `json:"special,omitempty"` // counts of special-key families
}

// Focus counts focus events and how they were reached.
type Focus struct {
	N      int `json:"n"`
	ViaKey int `json:"viaKey,omitempty"`
	ViaPtr int `json:"viaPtr,omitempty"`
}

// Touch aggregates touch input.
type Touch struct {
	N              int `json:"n"`
	RadiusDistinct int `json:"radiusDistinct,omitempty"`
}

// Visibility counts visibility changes and blurs.
type Visibility struct {
	Hidden int `json:"hidden,omitempty"`
	Blur   int `json:"blur,omitempty"`
}

// Times are milestones in ms since the widget became ready.
type Times struct {
	Ready  *float64 `json:"ready,omitempty"`
	First  *float64 `json:"first,omitempty"`
	Submit *float64 `json:"submit,omitempty"`
}

// PoWReport is the client's own report of the solve.
type PoWReport struct {
	Alg     string  `json:"alg,omitempty"`
	Ms      float64 `json:"ms,omitempty"`
	Workers int     `json:"workers,omitempty"`
	WASM    *bool   `json:"wasm,omitempty"`
}

// UnmarshalJSON decodes exactly three finite numbers. encoding/json has already checked the syntax
// of the whole document, so a plain split on commas is sound for the accepted inputs.
func (p *Point) UnmarshalJSON(b []byte) error {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '[' || b[len(b)-1] != ']' {
		return fmt.Errorf("%w: pointer sample is not an array", ErrTelemetryInvalid)
	}
	body := b[1 : len(b)-1]
	for i := 0; i < 3; i++ {
		var tok []byte
		if i < 2 {
			j := bytes.IndexByte(body, ',')
			if j < 0 {
				return fmt.Errorf("%w: pointer sample needs 3 numbers", ErrTelemetryInvalid)
			}
			tok, body = body[:j], body[j+1:]
		} else {
			tok = body
			if bytes.IndexByte(tok, ',') >= 0 {
				return fmt.Errorf("%w: pointer sample needs 3 numbers", ErrTelemetryInvalid)
			}
		}
		f, err := strconv.ParseFloat(string(bytes.TrimSpace(tok)), 64)
		if err != nil || math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w: pointer sample element %d", ErrTelemetryInvalid, i)
		}
		p[i] = f
	}
	return nil
}

// MarshalJSON keeps the compact [x, y, t] form.
func (p Point) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 32)
	b = append(b, '[')
	for i, f := range p {
		if i > 0 {
			b = append(b, ',')
		}
		b = strconv.AppendFloat(b, f, 'g', -1, 64)
	}
	return append(b, ']'), nil
}

// ParseTelemetry decodes and validates a telemetry document. It rejects documents over
// TelemetryMaxBytes (ErrTelemetryTooLarge), versions other than TelemetryVersion
// (ErrTelemetryVersion), and malformed, out-of-range or over-long content (ErrTelemetryInvalid).
// A returned document is safe to score: all numbers are finite and all arrays capped.
//
// What to do on error is the caller's policy; the scorer's suggestion is to score without telemetry
// and set Input.TelemetryInvalid, which adds a small soft penalty.
func ParseTelemetry(b []byte) (*Telemetry, error) {
	if len(b) > TelemetryMaxBytes {
		return nil, ErrTelemetryTooLarge
	}
	var t Telemetry
	if err := json.Unmarshal(b, &t); err != nil {
		if errors.Is(err, ErrTelemetryInvalid) {
			return nil, err
		}
		return nil, fmt.Errorf("%w: %v", ErrTelemetryInvalid, err)
	}
	if t.V != TelemetryVersion {
		return nil, fmt.Errorf("%w: %d", ErrTelemetryVersion, t.V)
	}
	if err := t.validate(); err != nil {
		return nil, fmt.Errorf("%w: %s", ErrTelemetryInvalid, err.Error())
	}
	return &t, nil
}

// Bounds used by validation. Generous: they exist to keep arithmetic sane, not to judge plausibility.
const (
	teleMaxCount = 1_000_000
	teleMaxCoord = 100_000    // px
	teleMaxTime  = 86_400_000 // ms (a day)
)

type teleErr string

func (e teleErr) Error() string { return string(e) }

func teleFinite(f float64, lo, hi float64) bool {
	return !math.IsNaN(f) && f >= lo && f <= hi
}

func teleCount(n int) bool { return n >= 0 && n <= teleMaxCount }

func teleOptCount(p *int) bool { return p == nil || teleCount(*p) }

func teleOptNum(p *float64, lo, hi float64) bool { return p == nil || teleFinite(*p, lo, hi) }

func teleStrings(ss []string) bool {
	if len(ss) > TelemetryMaxMarks {
		return false
	}
	for _, s := range ss {
		if len(s) > TelemetryMaxString {
			return false
		}
	}
	return true
}

func (t *Telemetry) validate() error {
	if e := t.Env; e != nil {
		switch {
		case !teleStrings(e.AutomationMarks), !teleStrings(e.StackMarks), !teleStrings(e.WorkerMismatch):
			return teleErr("env marks")
		case !teleCount(e.Lies), !teleOptCount(e.Plugins), !teleOptCount(e.Languages),
			!teleOptCount(e.MaxTouchPoints), !teleOptCount(e.Hardware):
			return teleErr("env counts")
		case len(e.Language) > TelemetryMaxString, len(e.PlatformEstimate) > TelemetryMaxString,
			len(e.TimeZone) > TelemetryMaxString, len(e.Privacy) > TelemetryMaxString:
			return teleErr("env strings")
		case e.Window != nil && len(e.Window) != 4, e.Screen != nil && len(e.Screen) != 4:
			return teleErr("env win/scr need 4 numbers")
		case !teleFinite(e.DPR, 0, 100), !teleOptNum(e.DeviceMemory, 0, 1e6):
			return teleErr("env dpr/dm")
		case e.TZOffset != nil && (*e.TZOffset < -1440 || *e.TZOffset > 1440):
			return teleErr("env tzOff")
		}
		for _, v := range e.Window {
			if !teleFinite(v, 0, teleMaxCoord) {
				return teleErr("env win")
			}
		}
		for _, v := range e.Screen {
			if !teleFinite(v, 0, teleMaxCoord) {
				return teleErr("env scr")
			}
		}
		if g := e.GL; g != nil && (len(g.Class) > TelemetryMaxString || len(g.VendorClass) > TelemetryMaxString ||
			len(g.Renderer) > TelemetryMaxString) {
			return teleErr("env gl")
		}
		if u := e.UAData; u != nil && len(u.Platform) > TelemetryMaxString {
			return teleErr("env uaData")
		}
	}
	if b := t.Beh; b != nil {
		if len(b.Pointer) > TelemetryMaxPointer {
			return teleErr("beh ptr: too many samples")
		}
		for i, p := range b.Pointer {
			if !teleFinite(p[0], -teleMaxCoord, teleMaxCoord) || !teleFinite(p[1], -teleMaxCoord, teleMaxCoord) ||
				!teleFinite(p[2], 0, teleMaxTime) {
				return teleErr("beh ptr: sample out of range")
			}
			if i > 0 && p[2] < b.Pointer[i-1][2] {
				return teleErr("beh ptr: time goes backwards")
			}
		}
		if len(b.Clicks) > TelemetryMaxClicks {
			return teleErr("beh clicks: too many")
		}
		for _, c := range b.Clicks {
			if !teleOptNum(c.DX, -teleMaxCoord, teleMaxCoord) || !teleOptNum(c.DY, -teleMaxCoord, teleMaxCoord) ||
				!teleOptNum(c.Dwell, 0, teleMaxTime) || !teleOptNum(c.MDU, 0, teleMaxTime) ||
				!teleOptNum(c.T, 0, teleMaxTime) || !teleOptCount(c.Detail) || len(c.Type) > TelemetryMaxString {
				return teleErr("beh clicks: out of range")
			}
		}
		if k := b.Keys; k != nil {
			if !teleCount(k.N) || !teleCount(k.Paste) || !teleCount(k.Ins) || len(k.Special) > TelemetryMaxSpecial {
				return teleErr("beh keys")
			}
			if k.IKI != nil && len(k.IKI) != 5 {
				return teleErr("beh keys.iki needs [n, mean, M2, min, max]")
			}
			for _, v := range k.IKI {
				if !teleFinite(v, 0, 1e12) {
					return teleErr("beh keys.iki out of range")
				}
			}
			for _, v := range k.Special {
				if !teleCount(v) {
					return teleErr("beh keys.special")
				}
			}
		}
		if f := b.Focus; f != nil && (!teleCount(f.N) || !teleCount(f.ViaKey) || !teleCount(f.ViaPtr)) {
			return teleErr("beh focus")
		}
		if tc := b.Touch; tc != nil && (!teleCount(tc.N) || !teleCount(tc.RadiusDistinct)) {
			return teleErr("beh touch")
		}
		if v := b.Vis; v != nil && (!teleCount(v.Hidden) || !teleCount(v.Blur)) {
			return teleErr("beh vis")
		}
		if tt := b.Times; tt != nil && (!teleOptNum(tt.Ready, 0, teleMaxTime) || !teleOptNum(tt.First, 0, teleMaxTime) ||
			!teleOptNum(tt.Submit, 0, teleMaxTime)) {
			return teleErr("beh t")
		}
		if !teleCount(b.Untrusted) || !teleOptCount(b.Fields) {
			return teleErr("beh counts")
		}
		if a := b.Act; a != nil && (!teleCount(a.N) || !teleOptNum(a.T, 0, teleMaxTime)) {
			return teleErr("beh act")
		}
	}
	if c := t.Ch; c != nil {
		if len(c.ID) > TelemetryMaxString || !teleOptNum(c.Rcv, 0, teleMaxTime) || !teleOptNum(c.Sol, 0, teleMaxTime) ||
			!teleOptNum(c.Snd, 0, teleMaxTime) {
			return teleErr("ch")
		}
	}
	if len(t.Proof) > TelemetryMaxString {
		return teleErr("proof")
	}
	if p := t.PoW; p != nil {
		if len(p.Alg) > TelemetryMaxString || !teleFinite(p.Ms, 0, teleMaxTime) || p.Workers < 0 || p.Workers > 1024 {
			return teleErr("pow")
		}
	}
	return nil
}
