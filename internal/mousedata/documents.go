package mousedata

import (
	"encoding/json"
	"hash/fnv"
	"math"
	"math/rand/v2"

	"github.com/astracat/astracaph/risk"
)

// Document wraps b into a full telemetry document as the widget sends it from a desktop
// Chrome: environment probes, a challenge binding (arrival 80 ms after the click, a solve of
// 0.9–2.9 s) and the proof-of-work report. The times are derived from b, so the same
// approach always gives the same document.
func Document(b *risk.Behaviour, label string) risk.EvalCase {
	h := fnv.New64a()
	bb, _ := json.Marshal(b)
	h.Write(bb)
	r := rand.New(rand.NewPCG(h.Sum64(), 1))
	click := 1000.0
	if len(b.Clicks) > 0 && b.Clicks[0].T != nil {
		click = *b.Clicks[0].T
	}
	rcv := math.Round(click + 60 + r.Float64()*60)
	sol := math.Round(900 + r.Float64()*2000)
	snd := sol + 3
	first := click
	if len(b.Pointer) > 0 {
		first = b.Pointer[0][2]
	}
	beh := *b
	beh.Focus = &risk.Focus{N: 1, ViaPtr: 1}
	beh.Keys = &risk.Keys{N: 0}
	beh.Times = &risk.Times{Ready: ptrTo(0.0), First: ptrTo(first), Submit: ptrTo(rcv + snd)}
	t := risk.Telemetry{
		V:   1,
		Env: ChromeEnv(),
		Beh: &beh,
		PoW: &risk.PoWReport{Alg: "pbkdf2sha256", Ms: sol, Workers: 8},
		Ch:  &risk.Binding{ID: "eval", Rcv: &rcv, Sol: &sol, Snd: &snd},
	}
	raw, _ := json.Marshal(t)
	return risk.EvalCase{Label: label, Telemetry: raw}
}

// ChromeEnv is the environment probe of an ordinary desktop Chrome on Windows.
func ChromeEnv() *risk.Env {
	return &risk.Env{
		AutomationMarks: []string{}, StackMarks: []string{}, WorkerMismatch: []string{},
		ChromeObject: ptrTo(true), Plugins: ptrTo(5), PDFViewer: ptrTo(true), Languages: ptrTo(2), Language: "en-GB",
		GL:     &risk.GL{Class: "hw", VendorClass: "intel", Renderer: "ANGLE (Intel, Intel(R) UHD Graphics 620 Direct3D11 vs_5_0 ps_5_0, D3D11)"},
		UAData: &risk.UAData{Platform: "Windows", Mobile: ptrTo(false)}, PlatformEstimate: "windows",
		MaxTouchPoints: ptrTo(0), TouchEvent: ptrTo(false),
		Window: []float64{1280, 720, 1296, 800}, Screen: []float64{1920, 1080, 1920, 1040}, DPR: 1,
		Focused: ptrTo(true), TimeZone: "Europe/Berlin", TZOffset: ptrTo(-60), Hardware: ptrTo(8), DeviceMemory: ptrTo(8.0),
	}
}

// ScriptedClients are the scripted redemptions of the README's evaluation: the ones a bot
// author tries first. human is a real approach whose document a replaying bot reuses.
func ScriptedClients(human Approach) []risk.EvalCase {
	r := rand.New(rand.NewPCG(99, 1))
	goUA := map[string]string{"User-Agent": "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/140.0.0.0 Safari/537.36"}
	out := []risk.EvalCase{
		{Label: "scripted/no-telemetry"},
		{Label: "scripted/empty-v1", Telemetry: json.RawMessage(`{"v":1}`)},
		{Label: "scripted/go-chrome-ua-only", Header: goUA},
	}
	line := Bot(r, BotLineConst)
	c := Document(line.Behaviour(WidgetFloorMs), "scripted/straight-line-constant-speed")
	out = append(out, c)
	replay := Document(human.Behaviour(WidgetFloorMs), "scripted/replayed-human-document")
	for range 4 {
		out = append(out, replay)
	}
	tp := Document(Bot(r, BotTeleport).Behaviour(WidgetFloorMs), "scripted/teleport-centre-click")
	out = append(out, tp)
	var t risk.Telemetry
	_ = json.Unmarshal(Document(human.Behaviour(WidgetFloorMs), "").Telemetry, &t)
	t.Ch.Sol, t.Ch.Snd = ptrTo(4.0), ptrTo(6.0)
	t.Beh.Clicks = nil
	t.Beh.Pointer = nil
	raw, _ := json.Marshal(t)
	out = append(out, risk.EvalCase{Label: "scripted/impossible-timing", Telemetry: raw, PoWWork: 7500})
	return out
}
