package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
)

// TestServeAttackBattery runs the attacks of docs/security.md against the built binary as an
// operator configures it, and checks that genuine flows still pass exactly once.
func TestServeAttackBattery(t *testing.T) {
	bin := buildServeBinary(t)
	// The genuine flows here are Go clients without the widget's telemetry: allowed as the
	// official ALTCHA widget would be (a default server gives them the visual step).
	base := []string{"ASTRACAPH_TOKEN_SECRET=" + serveSecret, "ASTRACAPH_SITE_CONFIG=" + serveSiteJSON, "ASTRACAPH_ALLOW_ALTCHA_WIDGET=1"}

	t.Run("defaults", func(t *testing.T) {
		p := startServe(t, bin, base, fastPoW...)
		// Self-registered site, token forged offline with its secret.
		status, site := postJSON(t, p.base+"/api/v1/sites", "", map[string]any{"domain": "attacker.example"})
		require.Equal(t, http.StatusCreated, status, site)
		now := time.Now()
		for _, origin := range []string{openOrigin, "https://attacker.example"} {
			forged, err := astracaph.SignServerPayload(astracaph.VerificationData{ID: "forged", Time: now, Expire: now.Add(time.Minute), Origin: origin,
				Site: site["siteKey"].(string), Score: 1, HasScore: true, Classification: "GOOD", Verified: true}, []byte(site["secret"].(string)), astracaph.SHA256)
			require.NoError(t, err)
			for _, path := range []string{"/api/v1/verify", "/public/api/v1/verify"} {
				_, out := postJSON(t, p.base+path, "", map[string]any{"token": forged, "origin": origin})
				require.Equal(t, false, out["success"], out)
				_, out = postJSON(t, p.base+path, "", map[string]any{"token": forged, "domain": strings.TrimPrefix(origin, "https://")})
				require.Equal(t, false, out["success"], out)
			}
		}
		// Downgrade to v1 refused.
		res, err := http.Get(p.base + "/api/v1/challenge?v=1")
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusBadRequest, res.StatusCode)
		// A site token verified with the secret but for another origin is refused.
		tok := redeemAt(t, p.base, solvedPayload(t, p.base, siteKey, siteOrigin), siteKey, siteOrigin)
		_, out := postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": tok, "secret": siteSecret, "origin": "https://elsewhere.example"})
		require.Equal(t, false, out["success"], out)
		// Genuine flows pass once: open mode by origin, site mode by siteverify with the secret.
		open := redeemAt(t, p.base, solvedPayload(t, p.base, "", openOrigin), "", openOrigin)
		_, out = postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": open, "origin": openOrigin})
		require.Equal(t, true, out["success"], out)
		_, out = postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": open, "origin": openOrigin})
		require.Equal(t, false, out["success"], out)
		_, out = postJSON(t, p.base+"/api/v1/siteverify", "", map[string]any{"secret": siteSecret, "response": tok})
		require.Equal(t, true, out["success"], out)
		_, out = postJSON(t, p.base+"/api/v1/siteverify", "", map[string]any{"secret": siteSecret, "response": tok})
		require.Equal(t, false, out["success"], out)
		require.Contains(t, p.stderr.String(), "site registry API is open", "operators are warned")
	})

	t.Run("ASTRACAPH_POW_V1", func(t *testing.T) {
		p := startServe(t, bin, append(base, "ASTRACAPH_POW_V1=1"), fastPoW...)
		res, err := http.Get(p.base + "/api/v1/challenge?v=1")
		require.NoError(t, err)
		body, _ := io.ReadAll(res.Body)
		res.Body.Close()
		require.Equal(t, http.StatusOK, res.StatusCode, string(body))
		var ch astracaph.ChallengeV1
		require.NoError(t, json.Unmarshal(body, &ch))
		sol, err := astracaph.SolveChallengeV1(context.Background(), ch)
		require.NoError(t, err)
		tok := redeemAt(t, p.base, astracaph.EncodePayloadV1(ch, sol), "", openOrigin)
		stripped := ch
		stripped.Salt = strings.TrimSuffix(ch.Salt, "&")
		status, out := postJSON(t, p.base+"/api/v1/challenge", openOrigin, map[string]any{"payload": astracaph.EncodePayloadV1(stripped, sol), "origin": openOrigin})
		require.Equal(t, http.StatusForbidden, status)
		require.Equal(t, "already-used", out["error"], out)
		_, out = postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": tok, "origin": openOrigin})
		require.Equal(t, true, out["success"], out)
	})

	t.Run("ASTRACAPH_ADMIN_TOKEN", func(t *testing.T) {
		p := startServe(t, bin, append(base, "ASTRACAPH_ADMIN_TOKEN=admin-token-for-the-battery"), fastPoW...)
		status, out := postJSON(t, p.base+"/api/v1/sites", "", map[string]any{"domain": "new.example"})
		require.Equal(t, http.StatusUnauthorized, status, out)
		req, _ := http.NewRequest(http.MethodPost, p.base+"/api/v1/sites", strings.NewReader(`{"domain":"new.example"}`))
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer admin-token-for-the-battery")
		res, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		res.Body.Close()
		require.Equal(t, http.StatusCreated, res.StatusCode)
		require.NotContains(t, p.stderr.String(), "admin-token-for-the-battery", "secrets are never logged")
	})

	t.Run("memory store restarted", func(t *testing.T) {
		p := startServe(t, bin, base, fastPoW...)
		tok := redeemAt(t, p.base, solvedPayload(t, p.base, "", openOrigin), "", openOrigin)
		_, out := postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": tok, "origin": openOrigin})
		require.Equal(t, true, out["success"], out)
		payload := solvedPayload(t, p.base, "", openOrigin)
		redeemAt(t, p.base, payload, "", openOrigin)
		require.NoError(t, p.cmd.Process.Kill())
		<-p.done

		q := startServe(t, bin, base, fastPoW...)
		_, out = postJSON(t, q.base+"/api/v1/verify", "", map[string]any{"token": tok, "origin": openOrigin})
		require.Equal(t, false, out["success"], "a token spent before the restart: %v", out)
		status, out := postJSON(t, q.base+"/api/v1/challenge", openOrigin, map[string]any{"payload": payload, "origin": openOrigin})
		require.Equal(t, http.StatusForbidden, status, out)
		fresh := redeemAt(t, q.base, solvedPayload(t, q.base, "", openOrigin), "", openOrigin)
		_, out = postJSON(t, q.base+"/api/v1/verify", "", map[string]any{"token": fresh, "origin": openOrigin})
		require.Equal(t, true, out["success"], out)
	})

	t.Run("redis flushed", func(t *testing.T) {
		addr, _ := testenv.StartRedis(t)
		env := append(base, "REDIS_URL=redis://"+addr+"/0")
		a := startServe(t, bin, env, fastPoW...)
		b := startServe(t, bin, env, fastPoW...)
		tok := redeemAt(t, a.base, solvedPayload(t, a.base, siteKey, siteOrigin), siteKey, siteOrigin)
		_, out := postJSON(t, b.base+"/api/v1/siteverify", "", map[string]any{"secret": siteSecret, "response": tok})
		require.Equal(t, true, out["success"], out)
		payload := solvedPayload(t, b.base, "", openOrigin)
		redeemAt(t, b.base, payload, "", openOrigin)
		time.Sleep(5 * time.Millisecond)
		rc := redis.NewClient(&redis.Options{Addr: addr})
		defer rc.Close()
		require.NoError(t, rc.FlushAll(context.Background()).Err())

		for _, p := range []*serveProc{a, b} {
			_, out = postJSON(t, p.base+"/api/v1/verify", "", map[string]any{"token": tok, "origin": siteOrigin})
			require.Equal(t, false, out["success"], "a token spent before the flush: %v", out)
			status, out := postJSON(t, p.base+"/api/v1/challenge", openOrigin, map[string]any{"payload": payload, "origin": openOrigin})
			require.Equal(t, http.StatusForbidden, status, out)
		}
		// The flush also lost the seeded site of the running servers: open mode still works.
		fresh := redeemAt(t, a.base, solvedPayload(t, a.base, "", openOrigin), "", openOrigin)
		_, out = postJSON(t, b.base+"/api/v1/verify", "", map[string]any{"token": fresh, "origin": openOrigin})
		require.Equal(t, true, out["success"], out)
		_, out = postJSON(t, a.base+"/api/v1/verify", "", map[string]any{"token": fresh, "origin": openOrigin})
		require.Equal(t, false, out["success"], out)
	})
}
