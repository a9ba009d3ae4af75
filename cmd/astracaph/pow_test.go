package main

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func runCLI(t *testing.T, stdin string, args ...string) (int, string, string) {
	t.Helper()
	var out, errb bytes.Buffer
	code := run(context.Background(), args, strings.NewReader(stdin), &out, &errb)
	return code, out.String(), errb.String()
}

func TestCLIChallengeSolveVerify(t *testing.T) {
	t.Setenv("ASTRACAPH_ALTCHA_HMAC_KEY", "cli-key")
	for _, extra := range [][]string{
		{"-cost", "2", "-counter-min", "1", "-counter-max", "30"},
		{"-algorithm", "SHA-256", "-cost", "1", "-mode", "probabilistic", "-prefix", "0"},
		{"-v1", "-max-number", "500"},
	} {
		code, ch, stderr := runCLI(t, "", append([]string{"challenge"}, extra...)...)
		require.Equal(t, 0, code, stderr)
		code, payload, stderr := runCLI(t, ch, "solve")
		require.Equal(t, 0, code, stderr)
		code, verdict, _ := runCLI(t, "", "verify", strings.TrimSpace(payload))
		require.Equal(t, 0, code, verdict)
		require.Contains(t, verdict, `"verified":true`)
		code, verdict, _ = runCLI(t, "", "verify", "-key", "wrong", strings.TrimSpace(payload))
		require.Equal(t, 1, code)
		require.Contains(t, verdict, `"invalidSignature":true`)
	}
}

func TestCLIErrors(t *testing.T) {
	t.Setenv("ASTRACAPH_ALTCHA_HMAC_KEY", "")
	code, _, stderr := runCLI(t, "", "challenge")
	require.Equal(t, 2, code)
	require.Contains(t, stderr, "ASTRACAPH_ALTCHA_HMAC_KEY")
	code, _, _ = runCLI(t, "{", "solve")
	require.Equal(t, 2, code)
	code, _, _ = runCLI(t, "", "verify", "-key", "k", "not-base64!")
	require.Equal(t, 1, code)
	code, _, _ = runCLI(t, "", "challenge", "-key", "k", "-algorithm", "PBKDF2/SHA-256", "-key-length", "24")
	require.Equal(t, 1, code)
}
