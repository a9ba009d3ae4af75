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

// TestCLIHelpListsCommands: astracaph -h and astracaph help list every command with a line
// each; "help <command>" shows that command's flags and exits 0.
func TestCLIHelpListsCommands(t *testing.T) {
	for _, args := range [][]string{{"-h"}, {"--help"}, {"help"}} {
		code, out, _ := runCLI(t, "", args...)
		require.Equal(t, 0, code, args)
		for _, c := range []string{"serve", "sites", "spam", "data", "loadtest", "challenge", "solve", "verify"} {
			require.Regexp(t, `(?m)^  `+c+` +\S.*$`, out, "%v lists %s", args, c)
		}
		require.NotContains(t, out, "Usage of serve", "the command list, not serve's flags")
	}
	for _, c := range []string{"sites", "data", "challenge", "solve", "verify"} {
		code, out, errOut := runCLI(t, "", "help", c)
		require.Equal(t, 0, code, "help %s: %s", c, errOut)
		require.Contains(t, out+errOut, "-", "help %s prints flags", c)
	}
	code, _, errOut := runCLI(t, "", "frobnicate")
	require.Equal(t, 2, code)
	require.Contains(t, errOut, "unknown command")
	require.Contains(t, errOut, "loadtest", "an unknown command shows the list")
}

// TestSolvePassesServerErrorThrough: piping an error answer of the API into solve says what
// the server said. It failed before: "challenge has no parameters".
func TestSolvePassesServerErrorThrough(t *testing.T) {
	code, out, errOut := runCLI(t, `{"success":false,"error":"site-key-required","message":"open mode is disabled; pass a site key"}`, "solve")
	require.Equal(t, 1, code)
	require.Empty(t, out)
	require.Contains(t, errOut, "site-key-required: open mode is disabled; pass a site key")
	code, _, errOut = runCLI(t, `{"success":false,"error":"rate-limited"}`, "solve")
	require.Equal(t, 1, code)
	require.Contains(t, errOut, "rate-limited")
}
