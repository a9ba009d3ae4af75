package risk

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
)

func benchInput() Input {
	return Input{
		Telemetry:     fullTelemetry(newRNG(77)),
		IPClass:       IPResidential,
		IPCountry:     "DE",
		Header:        chromeHeaders(),
		VelocityLevel: 1,
		SolveMillis:   2412,
		ServerElapsed: 3100 * time.Millisecond,
		PoWWork:       7500,
	}
}

func BenchmarkRiskScore(b *testing.B) {
	var s Scorer
	in := benchInput()
	b.ReportAllocs()
	for b.Loop() {
		_ = s.Score(in)
	}
}

func BenchmarkRiskParseAndScore(b *testing.B) {
	var s Scorer
	in := benchInput()
	doc, err := json.Marshal(in.Telemetry)
	require.NoError(b, err)
	b.SetBytes(int64(len(doc)))
	b.ReportAllocs()
	for b.Loop() {
		tel, err := ParseTelemetry(doc)
		if err != nil { // guarded: an unguarded require costs a t.Helper call (~250 ns) per iteration
			require.NoError(b, err)
		}
		in.Telemetry = tel
		_ = s.Score(in)
	}
}
