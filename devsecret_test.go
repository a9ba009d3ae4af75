package astracaph_test

import (
	"bytes"
	"log/slog"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// TestNewWithoutSecretWarnsVisibly: New with no secret works (a random development secret)
// and says so where a program that configured no logger sees it — slog.Default() — or in the
// logger it was given. It was silent before: the default logger discards everything. An
// explicit short secret is still refused.
func TestNewWithoutSecretWarnsVisibly(t *testing.T) {
	var def bytes.Buffer
	prev := slog.Default()
	slog.SetDefault(slog.New(slog.NewTextHandler(&def, nil)))
	t.Cleanup(func() { slog.SetDefault(prev) })

	c, err := astracaph.New()
	require.NoError(t, err)
	ch, err := c.Challenge(t.Context(), astracaph.ChallengeRequest{})
	require.NoError(t, err, "the development secret signs challenges")
	require.NotEmpty(t, ch.Signature)
	require.Contains(t, def.String(), "no master secret configured")
	require.Contains(t, def.String(), "ASTRACAPH_TOKEN_SECRET")

	def.Reset()
	var own bytes.Buffer
	_, err = astracaph.New(astracaph.WithLogger(slog.New(slog.NewTextHandler(&own, nil))))
	require.NoError(t, err)
	require.Contains(t, own.String(), "no master secret configured")
	require.Empty(t, def.String(), "a configured logger gets the warning instead")

	_, err = astracaph.New(astracaph.WithSecret([]byte("0123456789abcdef0123456789abcdef")))
	require.NoError(t, err)
	require.Empty(t, def.String(), "no warning with a secret")
	_, err = astracaph.New(astracaph.WithSecret([]byte("short")))
	require.Error(t, err, "an explicit short secret is refused")
}
