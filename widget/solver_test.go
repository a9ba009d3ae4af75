package widget

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/require"
)

// solverHarness loads worker.js in Node's window mode (__astracaphPow) and solves each case.
const solverHarness = `
globalThis.self = globalThis;
require(process.argv[2]);
const cases = JSON.parse(require('fs').readFileSync(process.argv[3], 'utf8'));
(async () => {
  const out = [];
  for (const ch of cases) {
    out.push(await new Promise((res) => self.__astracaphPow(ch, 4, (m) => {
      if (m.type === 'solution' || m.type === 'error') res(m);
    })));
  }
  console.log(JSON.stringify(out));
})();
`

func TestSolverVectors(t *testing.T) {
	node := testenv.LookPath(t, "node")
	w := newWidget(t)
	v1salt := "0123456789abcdef&expires=4102444800&"
	v1sum := sha256.Sum256([]byte(v1salt + strconv.Itoa(2718)))
	type want struct {
		counter int
		key     string
	}
	cases := []struct {
		ch   map[string]any
		want want
	}{
		{ // docs/protocol-notes.md, "Test vectors": deterministic, counter 7
			map[string]any{"parameters": map[string]any{"algorithm": "PBKDF2/SHA-256", "cost": 5000, "keyLength": 32,
				"keyPrefix": "6638880b259a63416066d7d075b63178", "nonce": "39baf91a19d671f8231217f9e28342a6", "salt": "5e00d5d152e1a5db7d44fb6404a40a5e"}},
			want{7, "6638880b259a63416066d7d075b63178c7e648eb1f2580f0939834006193568b"},
		},
		{ // §7.5: odd-length prefix
			map[string]any{"parameters": map[string]any{"algorithm": "SHA-256", "cost": 1, "keyLength": 32, "keyPrefix": "000",
				"nonce": "39baf91a19d671f8231217f9e28342a6", "salt": "5e00d5d152e1a5db7d44fb6404a40a5e"}},
			want{4359, "00093ff4a8d52f854ae812080d69c49c553c550525530416549bd615e6893885"},
		},
		{ // §7.6: iterated SHA truncated once
			map[string]any{"parameters": map[string]any{"algorithm": "SHA-256", "cost": 10, "keyLength": 32, "keyPrefix": "1e069a0242d5ebf33ebf68b4de5340e2",
				"nonce": "4b5f073ade660e75f8c7b79e12ecd5e0", "salt": "6755dff916f3d3fa73ed5c4ac79508d2"}},
			want{10, "1e069a0242d5ebf33ebf68b4de5340e287092ceee8e7be2981850223813d4af8"},
		},
		{ // §7.6 PBKDF2
			map[string]any{"parameters": map[string]any{"algorithm": "PBKDF2/SHA-256", "cost": 10, "keyLength": 32, "keyPrefix": "c94ebe900464a1482b268f2a333ff35f",
				"nonce": "48451910200329cef2613e7386e002e9", "salt": "69233ec009c4027efcc30bdc0644a8c2"}},
			want{10, "c94ebe900464a1482b268f2a333ff35f296a3633b995820ad54620e56564c70a"},
		},
		{ // legacy v1: number whose hash is the challenge
			map[string]any{"algorithm": "SHA-256", "challenge": hex.EncodeToString(v1sum[:]), "salt": v1salt, "signature": "x", "maxnumber": 10000},
			want{2718, hex.EncodeToString(v1sum[:])},
		},
	}
	chs := make([]map[string]any, len(cases))
	for i, c := range cases {
		chs[i] = c.ch
	}
	dir := t.TempDir()
	js, _ := json.Marshal(chs)
	write := func(name string, b []byte) string {
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, b, 0o600))
		return p
	}
	out, err := exec.Command(node, write("h.js", []byte(solverHarness)), write("worker.js", w.assets["worker.js"].body), write("c.json", js)).CombinedOutput()
	require.NoError(t, err, "%s", out)
	var got []struct {
		Type       string `json:"type"`
		Counter    int    `json:"counter"`
		DerivedKey string `json:"derivedKey"`
		Message    string `json:"message"`
	}
	require.NoError(t, json.Unmarshal(out, &got), "%s", out)
	require.Len(t, got, len(cases))
	for i, c := range cases {
		require.Equal(t, "solution", got[i].Type, "case %d: %s", i, got[i].Message)
		require.Equal(t, c.want.counter, got[i].Counter, "case %d", i)
		require.Equal(t, c.want.key, got[i].DerivedKey, "case %d", i)
	}
}
