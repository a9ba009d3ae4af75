package risk

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

const sampleTelemetry = `{
  "v": 1,
  "env": {
    "wd": false, "hlUA": false, "hlWorkerUA": false, "autoMarks": [],
    "runtimeLeak": false, "stackMarks": [], "lies": 0,
    "workerMismatch": [], "notifIncons": false, "chromeObj": true,
    "plugins": 5, "langs": 2, "lang": "en-GB",
    "gl": {"class": "hw", "vendorClass": "intel", "blocked": false},
    "uaData": {"platform": "Windows", "mobile": false}, "platformEst": "windows",
    "mtp": 0, "touchEv": false,
    "win": [1280, 720, 1296, 800], "scr": [1920, 1080, 1920, 1040], "dpr": 1, "focused": true,
    "tz": "Europe/Berlin", "tzOff": -60,
    "hc": 8, "dm": 8,
    "privacy": null
  },
  "beh": {
    "ptr": [[12,40,0],[18,44,51]],
    "clicks": [{"dx": 3.5, "dy": -2, "dwell": 140, "mdu": 92, "detail": 1, "trusted": true, "type": "mouse"}],
    "keys": {"n": 23, "iki": [23, 180.2, 5210.0, 3, 612], "paste": 0, "special": [0,2,3,0,0,1,0,0]},
    "focus": {"n": 4, "viaKey": 3, "viaPtr": 1},
    "touch": {"n": 0, "radiusDistinct": 0},
    "vis": {"hidden": 0, "blur": 0},
    "t": {"ready": 0, "first": 2310, "submit": 9875},
    "untrusted": 0,
    "act": {"n": 3, "t": 2310}
  },
  "pow": {"alg": "sha256", "ms": 412, "workers": 4, "wasm": true},
  "ch": {"id": "rB0q2cFz1Oa5Yt3n8Q2xkA", "rcv": 2395, "sol": 412, "snd": 417},
  "proof": "1838475629"
}`

func TestParseTelemetrySample(t *testing.T) {
	tel, err := ParseTelemetry([]byte(sampleTelemetry))
	require.NoError(t, err)
	e, b := tel.Env, tel.Beh
	require.Equal(t, 5, *e.Plugins)
	require.Equal(t, 2, *e.Languages)
	require.True(t, *e.ChromeObject)
	require.Equal(t, 0, *e.MaxTouchPoints)
	require.Empty(t, e.Privacy)
	require.Equal(t, "intel", e.GL.VendorClass)
	require.Equal(t, 800.0, e.Window[3])
	require.Equal(t, -60, *e.TZOffset)

	require.Len(t, b.Pointer, 2)
	require.Equal(t, Point{18, 44, 51}, b.Pointer[1])
	require.Equal(t, 3.5, *b.Clicks[0].DX)
	require.Equal(t, 1, *b.Clicks[0].Detail)
	require.Equal(t, 23, b.Keys.N)
	require.Equal(t, 3, b.Focus.ViaKey)
	require.Equal(t, 9875.0, *b.Times.Submit)

	require.Equal(t, 412.0, tel.PoW.Ms)
	require.True(t, *tel.PoW.WASM)

	c := tel.Ch
	require.NotNil(t, c)
	require.Equal(t, "rB0q2cFz1Oa5Yt3n8Q2xkA", c.ID)
	require.Equal(t, 2395.0, *c.Rcv)
	require.Equal(t, 412.0, *c.Sol)
	require.Equal(t, 417.0, *c.Snd)
	require.Equal(t, "1838475629", tel.Proof)
	require.Equal(t, 3, b.Act.N)
	require.Equal(t, 2310.0, *b.Act.T)
}

func TestParseTelemetryMinimalAndAbsence(t *testing.T) {
	tel, err := ParseTelemetry([]byte(`{"v":1}`))
	require.NoError(t, err)
	require.Nil(t, tel.Env, "absent sections must stay nil")
	require.Nil(t, tel.Beh, "absent sections must stay nil")
	require.Nil(t, tel.PoW, "absent sections must stay nil")
	// Absent fields stay nil (neutral), explicit zeros do not.
	tel, err = ParseTelemetry([]byte(`{"v":1,"env":{"plugins":0},"beh":{"clicks":[{"detail":0}]}}`))
	require.NoError(t, err)
	require.NotNil(t, tel.Env.Plugins, "pointer semantics broken")
	require.Equal(t, 0, *tel.Env.Plugins)
	require.Nil(t, tel.Env.Languages, "pointer semantics broken")
	require.Nil(t, tel.Env.ChromeObject, "pointer semantics broken")
	c := tel.Beh.Clicks[0]
	require.Nil(t, c.DX, "click pointer semantics broken")
	require.NotNil(t, c.Detail, "click pointer semantics broken")
	require.Equal(t, 0, *c.Detail)
}

func TestParseTelemetryErrors(t *testing.T) {
	big := `{"v":1,"env":{"lang":"` + strings.Repeat("a", TelemetryMaxBytes) + `"}}`
	many := func(n int, item string) string {
		return strings.TrimSuffix(strings.Repeat(item+",", n), ",")
	}
	cases := []struct {
		name string
		doc  string
		want error
	}{
		{"too large", big, ErrTelemetryTooLarge},
		{"no version", `{}`, ErrTelemetryVersion},
		{"version 2", `{"v":2}`, ErrTelemetryVersion},
		{"null", `null`, ErrTelemetryVersion},
		{"not json", `{"v":1`, ErrTelemetryInvalid},
		{"trailing", `{"v":1} x`, ErrTelemetryInvalid},
		{"array", `[1]`, ErrTelemetryInvalid},
		{"overflow to Inf", `{"v":1,"env":{"dpr":1e999}}`, ErrTelemetryInvalid},
		{"point Inf", `{"v":1,"beh":{"ptr":[[1e999,0,0]]}}`, ErrTelemetryInvalid},
		{"point short", `{"v":1,"beh":{"ptr":[[1,2]]}}`, ErrTelemetryInvalid},
		{"point long", `{"v":1,"beh":{"ptr":[[1,2,3,4]]}}`, ErrTelemetryInvalid},
		{"point string", `{"v":1,"beh":{"ptr":[["1",2,3]]}}`, ErrTelemetryInvalid},
		{"point nested", `{"v":1,"beh":{"ptr":[[[1,2],3]]}}`, ErrTelemetryInvalid},
		{"point object", `{"v":1,"beh":{"ptr":[{"x":1}]}}`, ErrTelemetryInvalid},
		{"time backwards", `{"v":1,"beh":{"ptr":[[1,2,30],[1,2,10]]}}`, ErrTelemetryInvalid},
		{"negative time", `{"v":1,"beh":{"ptr":[[1,2,-1]]}}`, ErrTelemetryInvalid},
		{"too many samples", `{"v":1,"beh":{"ptr":[` + many(61, "[1,1,1]") + `]}}`, ErrTelemetryInvalid},
		{"too many clicks", `{"v":1,"beh":{"clicks":[` + many(17, "{}") + `]}}`, ErrTelemetryInvalid},
		{"too many marks", `{"v":1,"env":{"autoMarks":[` + many(17, `"a"`) + `]}}`, ErrTelemetryInvalid},
		{"negative count", `{"v":1,"beh":{"untrusted":-1}}`, ErrTelemetryInvalid},
		{"negative plugins", `{"v":1,"env":{"plugins":-1}}`, ErrTelemetryInvalid},
		{"win of 3", `{"v":1,"env":{"win":[1,2,3]}}`, ErrTelemetryInvalid},
		{"iki of 4", `{"v":1,"beh":{"keys":{"n":1,"iki":[1,2,3,4]}}}`, ErrTelemetryInvalid},
		{"wrong type", `{"v":1,"env":{"wd":"yes"}}`, ErrTelemetryInvalid},
		{"tzOff", `{"v":1,"env":{"tzOff":99999}}`, ErrTelemetryInvalid},
		{"ch negative time", `{"v":1,"ch":{"id":"a","rcv":-1}}`, ErrTelemetryInvalid},
		{"ch id too long", `{"v":1,"ch":{"id":"` + strings.Repeat("a", TelemetryMaxString+1) + `"}}`, ErrTelemetryInvalid},
		{"proof too long", `{"v":1,"proof":"` + strings.Repeat("1", TelemetryMaxString+1) + `"}`, ErrTelemetryInvalid},
		{"proof not a string", `{"v":1,"proof":12}`, ErrTelemetryInvalid},
		{"negative activations", `{"v":1,"beh":{"act":{"n":-1}}}`, ErrTelemetryInvalid},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			tel, err := ParseTelemetry([]byte(tc.doc))
			require.ErrorIs(t, err, tc.want)
			require.Nil(t, tel)
			require.True(t, strings.HasPrefix(err.Error(), "astracaph:"), "error not prefixed: %v", err)
		})
	}
	// The caps themselves are accepted.
	ok := `{"v":1,"beh":{"ptr":[` + many(60, "[1,1,1]") + `]}}`
	require.LessOrEqual(t, len(ok), TelemetryMaxBytes, "fixture too big")
	_, err := ParseTelemetry([]byte(ok))
	require.NoError(t, err)
}

func TestTelemetryFullDocumentFitsBudget(t *testing.T) {
	b, err := json.Marshal(fullTelemetry(newRNG(7)))
	require.NoError(t, err)
	require.LessOrEqual(t, len(b), TelemetryMaxBytes, "realistic document's size")
	_, err = ParseTelemetry(b)
	require.NoError(t, err)
	// 60 samples with realistic coordinates still fit.
	tel := fullTelemetry(newRNG(8))
	tel.Beh.Pointer = tel.Beh.Pointer[:0]
	for i := range TelemetryMaxPointer {
		tel.Beh.Pointer = append(tel.Beh.Pointer, Point{123.4, 56.7, 10000.5 + float64(i)*55.3})
	}
	b, _ = json.Marshal(tel)
	require.LessOrEqual(t, len(b), TelemetryMaxBytes, "full ring buffer document's size")
}

func FuzzParseTelemetry(f *testing.F) {
	f.Add([]byte(sampleTelemetry))
	f.Add([]byte(`{"v":1}`))
	f.Add([]byte(`{"v":1,"beh":{"ptr":[[0,0,0],[1,1,1e7]]}}`))
	f.Add([]byte(`{"v":1,"env":{"privacy":"tor","tz":"UTC","hc":2,"gl":{"blocked":true}}}`))
	f.Add([]byte(`{"v":1,"beh":{"clicks":[{"dx":0,"dy":0,"dwell":0,"mdu":0,"detail":1}],"keys":{"n":0,"iki":[10,1,0,1,1]}}}`))
	f.Add([]byte(`{"v":2}`))
	f.Add([]byte(`{"v":1,"beh":{"ptr":[[1e999,0,0]]}}`))
	f.Add([]byte(`{"v":1,"ch":{"id":"x","rcv":0,"sol":1e9,"snd":-1},"proof":"","beh":{"act":{"n":-1}}}`))
	f.Add([]byte(`{"v":1,"ch":{"id":"a","rcv":100,"sol":5,"snd":4},"beh":{"act":{"n":1,"t":99999999}}}`))
	full, _ := json.Marshal(fullTelemetry(newRNG(9)))
	f.Add(full)
	var s Scorer
	f.Fuzz(func(t *testing.T, b []byte) {
		tel, err := ParseTelemetry(b)
		if err != nil {
			require.Nil(t, tel, "document returned with an error")
			return
		}
		a := s.Score(Input{Telemetry: tel, Header: chromeHeaders(), IPClass: IPTor, IPCountry: "US",
			WidgetRequired: len(b)%2 == 0, ChallengeID: "a", PoWWork: 7500, ServerElapsed: 2 * time.Second})
		require.False(t, math.IsNaN(a.Points) || math.IsInf(a.Points, 0), "bad assessment %+v", a)
		require.True(t, a.Risk >= 0 && a.Risk <= 1, "bad assessment %+v", a)
		require.True(t, a.Band >= 1 && a.Band <= 5, "bad assessment %+v", a)
		if a.Action == ActionDeny {
			require.True(t, a.Hard, "deny without a hard signal")
		}
		// Re-encoding an accepted document yields an accepted document.
		out, err := json.Marshal(tel)
		require.NoError(t, err)
		if _, err := ParseTelemetry(out); !errors.Is(err, ErrTelemetryTooLarge) {
			require.NoError(t, err, "round trip: %s", out)
		}
	})
}

func ExampleParseTelemetry() {
	tel, err := ParseTelemetry([]byte(`{"v":1,"env":{"wd":true},"beh":{"clicks":[{"detail":0}]}}`))
	if err != nil {
		panic(err)
	}
	a := (&Scorer{}).Score(Input{Telemetry: tel, IPClass: IPResidential})
	fmt.Println(a.Action, a.Band, a.Reasons)
	// Output: deny 5 [env.WEBDRIVER]
}
