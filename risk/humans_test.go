package risk_test

// The kinematic model against data: real people's pointer approaches (SapiMouse, found via
// $ASTRACAPH_SAPIMOUSE or a shared/data/sapimouse directory above the repository; skipped
// when absent) must keep their tokens, and the seeded bot families of internal/mousedata must
// not get them.

import (
	"math/rand/v2"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/mousedata"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/risk"
)

func sapiMouse(t *testing.T) []mousedata.Approach {
	t.Helper()
	dir := mousedata.FindSapiMouse(testenv.RepoRoot())
	if dir == "" {
		t.Skipf("SapiMouse not present: set $%s to its directory (user1/, user2/, …) or place it at shared/data/sapimouse; see testdata/kinematics/README.md", mousedata.SapiMouseEnv)
	}
	apps, err := mousedata.LoadSapiMouse(dir)
	require.NoError(t, err)
	require.GreaterOrEqual(t, len(apps), 150)
	return apps
}

// spread picks n approaches, one person after another, so every person is represented.
func spread(apps []mousedata.Approach, n int) []mousedata.Approach {
	byUser := map[string][]mousedata.Approach{}
	var users []string
	for _, a := range apps {
		if _, ok := byUser[a.Source]; !ok {
			users = append(users, a.Source)
		}
		byUser[a.Source] = append(byUser[a.Source], a)
	}
	var out []mousedata.Approach
	for round := 0; len(out) < n; round++ {
		for _, u := range users {
			if l := byUser[u]; round < len(l) && len(out) < n {
				out = append(out, l[(round*37)%len(l)])
			}
		}
	}
	return out
}

func TestKinematicsRealPeopleKeepTheirTokens(t *testing.T) {
	apps := sapiMouse(t)
	for _, floor := range []float64{mousedata.WidgetFloorMs, 0, 50} {
		for _, set := range []struct {
			name string
			apps []mousedata.Approach
		}{{"150 approaches, every person", spread(apps, 150)}, {"all approaches", apps}} {
			ev := &risk.Evaluator{}
			var out risk.EvalOutcome
			for _, a := range set.apps {
				out.Count(ev.Eval(mousedata.Document(a.Behaviour(floor), a.Source)))
			}
			share := float64(out.Token) / float64(out.Total())
			t.Logf("samples ≥%2.0f ms apart, %s: %d of %d got a token (%.2f%%), %d visual, %d denied",
				floor, set.name, out.Token, out.Total(), 100*share, out.Visual, out.Deny)
			require.Zero(t, out.Deny, "a person was denied")
			require.GreaterOrEqual(t, share, 0.97, "people must keep their tokens")
		}
	}
}

func TestKinematicsBotFamilies(t *testing.T) {
	r := rand.New(rand.NewPCG(2027, 1))
	for _, tc := range []struct {
		kind     mousedata.BotKind
		min, max float64 // share called scripted
	}{
		{mousedata.BotLineConst, 0.95, 1}, {mousedata.BotLineVarying, 0.9, 1}, {mousedata.BotCurveConst, 0.75, 1},
		{mousedata.BotBezier, 0.6, 1}, {mousedata.BotTeleport, 1, 1},
		{mousedata.BotHumanLike, 0, 0.01}, // the e2e stealth persona's driver must keep passing
	} {
		hit, n := 0, 2000
		for range n {
			k := risk.KinematicFeatures(mousedata.Bot(r, tc.kind).Behaviour(mousedata.WidgetFloorMs))
			if k.Judged && k.Z >= risk.KinematicsThreshold {
				hit++
			}
		}
		share := float64(hit) / float64(n)
		t.Logf("%-12s called scripted: %.1f%%", tc.kind, 100*share)
		require.GreaterOrEqual(t, share, tc.min, tc.kind)
		require.LessOrEqual(t, share, tc.max, tc.kind)
	}
}
