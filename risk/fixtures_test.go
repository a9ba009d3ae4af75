package risk

// Shared fixtures for the risk tests: browser header sets, trajectory generators, and a realistic
// full telemetry document.

import (
	"math"
	"math/rand/v2"
	"net/http"
	"slices"
	"testing"

	"github.com/stretchr/testify/require"
)

const (
	uaChromeWin   = "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36"
	uaChromeMac   = "Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Safari/537.36"
	uaHeadless    = "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) HeadlessChrome/138.0.0.0 Safari/537.36"
	uaFirefoxWin  = "Mozilla/5.0 (Windows NT 10.0; Win64; x64; rv:140.0) Gecko/20100101 Firefox/140.0"
	uaTorBrowser  = "Mozilla/5.0 (Windows NT 10.0; rv:128.0) Gecko/20100101 Firefox/128.0"
	uaAndroid     = "Mozilla/5.0 (Linux; Android 10; K) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/138.0.0.0 Mobile Safari/537.36"
	uaIPhone      = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.5 Mobile/15E148 Safari/604.1"
	uaCriOS       = "Mozilla/5.0 (iPhone; CPU iPhone OS 18_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) CriOS/138.0.7204.119 Mobile/15E148 Safari/604.1"
	chUAChrome    = `"Not)A;Brand";v="8", "Chromium";v="138", "Google Chrome";v="138"`
	chUABrave     = `"Not)A;Brand";v="8", "Chromium";v="138", "Brave";v="138"`
	chUAPlatWin   = `"Windows"`
	chUAPlatDroid = `"Android"`
)

// browserHeaders is what a real browser's fetch() to the widget endpoint sends.
func browserHeaders(ua string) http.Header {
	h := http.Header{}
	h.Set("User-Agent", ua)
	h.Set("Accept", "*/*")
	h.Set("Accept-Language", "en-GB,en;q=0.9")
	h.Set("Accept-Encoding", "gzip, deflate, br, zstd")
	h.Set("Sec-Fetch-Dest", "empty")
	h.Set("Sec-Fetch-Mode", "cors")
	h.Set("Sec-Fetch-Site", "same-origin")
	return h
}

func chromeHeaders() http.Header {
	h := browserHeaders(uaChromeWin)
	h.Set("Sec-Ch-Ua", chUAChrome)
	h.Set("Sec-Ch-Ua-Mobile", "?0")
	h.Set("Sec-Ch-Ua-Platform", chUAPlatWin)
	return h
}

func hasReason(a Assessment, code string) bool { return slices.Contains(a.Reasons, code) }

// pathStraight is a constant-speed straight line: n samples, speed px/ms, sampled every dt ms with
// uniform timing jitter ±tj and spatial jitter ±sj.
func pathStraight(r *rand.Rand, n int, x0, y0, angle, speed, dt, tj, sj float64) []Point {
	p := make([]Point, n)
	t0 := 200 + r.Float64()*1000
	t := t0
	for i := range p {
		if i > 0 {
			t += dt + (r.Float64()*2-1)*tj
		}
		d := speed * (t - t0)
		p[i] = Point{
			round1(x0 + d*math.Cos(angle) + (r.Float64()*2-1)*sj),
			round1(y0 + d*math.Sin(angle) + (r.Float64()*2-1)*sj),
			round1(t),
		}
	}
	return p
}

// pathHuman is a curved, minimum-jerk (accelerate/decelerate) movement along a quadratic Bézier
// with hand tremor, sampled the way the widget keeps real pointer events: two animation frames
// apart (≈33 ms) with irregular timing. Real recordings (SapiMouse) are tested in
// humans_test.go; this keeps the unit tests self-contained.
func pathHuman(r *rand.Rand) []Point {
	x0, y0 := r.Float64()*200, r.Float64()*200
	dist := 150 + r.Float64()*400
	ang := r.Float64() * 2 * math.Pi
	x2, y2 := x0+dist*math.Cos(ang), y0+dist*math.Sin(ang)
	bend := (0.15 + r.Float64()*0.25) * dist
	if r.IntN(2) == 0 {
		bend = -bend
	}
	cx := (x0+x2)/2 - bend*math.Sin(ang)
	cy := (y0+y2)/2 + bend*math.Cos(ang)
	dur := 600 + r.Float64()*900
	t0 := 300 + r.Float64()*2000
	var p []Point
	for t := 0.0; t <= dur && len(p) < TelemetryMaxPointer; t += 28 + r.Float64()*14 {
		tau := t / dur
		s := 10*math.Pow(tau, 3) - 15*math.Pow(tau, 4) + 6*math.Pow(tau, 5)
		bx := (1-s)*(1-s)*x0 + 2*(1-s)*s*cx + s*s*x2
		by := (1-s)*(1-s)*y0 + 2*(1-s)*s*cy + s*s*y2
		p = append(p, Point{
			math.Round(bx + r.NormFloat64()*1.3),
			math.Round(by + r.NormFloat64()*1.3),
			math.Round(t0 + t),
		})
	}
	return p
}

func round1(f float64) float64 { return math.Round(f*10) / 10 }

// fullTelemetry is a realistic desktop Chrome document, as the widget would send it.
func fullTelemetry(r *rand.Rand) *Telemetry {
	ptr := pathHuman(r)
	last := ptr[len(ptr)-1][2]
	return &Telemetry{
		V: 1,
		Env: &Env{
			AutomationMarks: []string{}, StackMarks: []string{}, WorkerMismatch: []string{},
			ChromeObject: new(true), Plugins: new(5), PDFViewer: new(true), Languages: new(2), Language: "en-GB",
			GL:     &GL{Class: "hw", VendorClass: "intel", Renderer: "ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11 vs_5_0 ps_5_0, D3D11)"},
			UAData: &UAData{Platform: "Windows", Mobile: new(false)}, PlatformEstimate: "windows",
			MaxTouchPoints: new(0), TouchEvent: new(false),
			Window: []float64{1280, 720, 1296, 800}, Screen: []float64{1920, 1080, 1920, 1040}, DPR: 1,
			Focused: new(true), TimeZone: "Europe/Berlin", TZOffset: new(-60), Hardware: new(8), DeviceMemory: new(8.0),
		},
		Beh: &Behaviour{
			Pointer: ptr,
			Clicks: []Click{{DX: new(3.5), DY: new(-2.0), Dwell: new(140.0), MDU: new(92.0), Detail: new(1),
				Trusted: new(true), Type: "mouse", T: new(last + 150)}},
			Keys:   &Keys{N: 23, IKI: []float64{22, 180.2, 5210.0 * 40, 60, 612}, Special: []int{0, 2, 3, 0, 0, 1, 0, 0}},
			Focus:  &Focus{N: 4, ViaKey: 3, ViaPtr: 1},
			Touch:  &Touch{N: 0},
			Vis:    &Visibility{},
			Times:  &Times{Ready: new(0.0), First: new(2310.0), Submit: new(9875.0)},
			Fields: new(3),
		},
		PoW: &PoWReport{Alg: "PBKDF2/SHA-256", Ms: 2412, Workers: 8, WASM: new(true)},
	}
}

func newRNG(seed uint64) *rand.Rand { return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15)) }

func mustScorer(t testing.TB, opts ...Option) *Scorer {
	t.Helper()
	s, err := NewScorer(opts...)
	require.NoError(t, err)
	return s
}
