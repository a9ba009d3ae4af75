package server_test

import (
	"net/http"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
)

// Visual steps are rate-limited per client prefix: one step too many is a clear 429.
func TestAttackManyVisualStepsFromOneNetworkOverHTTP(t *testing.T) {
	e := newEnv(t, astracaph.WithRisk(stepUpRisk), astracaph.WithVisualLimit(2, time.Minute), withNoLimits())
	for i := 0; i < 2; i++ {
		r, m := e.redeem("", "https://v.example")
		require.Equal(t, http.StatusOK, r.Code, r.String())
		require.Equal(t, "visual", m["step"])
	}
	r, _ := e.redeem("", "https://v.example")
	m := requireError(t, r, http.StatusTooManyRequests, "rate-limited")
	require.Contains(t, m["message"], "too many visual challenges")
	// Another client is not affected.
	body := map[string]any{"payload": e.solve("")}
	other := e.do(http.MethodPost, "/api/v1/challenge", body, withOrigin("https://v.example"), withRemote("198.51.100.20:4000"))
	require.Equal(t, http.StatusOK, other.Code, other.String())
	require.Equal(t, "visual", other.JSON(t)["step"])
}
