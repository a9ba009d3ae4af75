package risk

import (
	"encoding/csv"
	"math"
	"os"
	"strconv"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

// The derived SapiMouse sample (testdata/kinematics/sapimouse-features.csv: feature vectors of
// five approaches per person at three sampling floors) against the shipped model: few people
// are called scripted, and the committed model is the one the sample supports.
func TestKinematicsDerivedSample(t *testing.T) {
	f, err := os.Open("testdata/kinematics/sapimouse-features.csv")
	require.NoError(t, err)
	defer f.Close()
	recs, err := csv.NewReader(f).ReadAll()
	require.NoError(t, err)
	w := defaultWeightVector()
	n, hit := map[string]int{}, map[string]int{}
	people := map[string]bool{}
	for _, r := range recs[1:] {
		var x [numKin]float64
		for i := range x {
			x[i], err = strconv.ParseFloat(r[2+i], 64)
			require.NoError(t, err)
		}
		people[r[0]] = true
		n[r[1]]++
		if kinZ(x, &w) >= kinThreshold {
			hit[r[1]]++
		}
	}
	require.GreaterOrEqual(t, len(people), 120, "people the sample covers")
	for floor, max := range map[string]float64{"0": 0.01, "20": 0.01, "50": 0.03} {
		share := float64(hit[floor]) / float64(n[floor])
		t.Logf("samples ≥%s ms apart: %d of %d approaches called scripted", floor, hit[floor], n[floor])
		assert.LessOrEqual(t, share, max, "floor %s: share of people called scripted", floor)
	}
}

func TestKinematicsAbsentAndNeutral(t *testing.T) {
	for _, b := range []*Behaviour{nil, {}, {Clicks: []Click{{Detail: new(0)}}},
		{Pointer: []Point{{1, 1, 10}, {2, 2, 40}}}} {
		k := KinematicFeatures(b)
		assert.False(t, k.Judged, "%+v judged: %+v", b, k)
		assert.Equal(t, [numKin]float64{}, k.vector(), "%+v judged: %+v", b, k)
	}
}

func FuzzKinematics(f *testing.F) {
	f.Add(`{"v":1,"beh":{"ptr":[[0,0,0],[10,0,20],[20,0,40],[30,0,60],[40,0,80]],"clicks":[{"dx":0,"dy":0,"dwell":0,"mdu":0,"detail":1,"type":"mouse"}]}}`)
	f.Add(`{"v":1,"beh":{"ptr":[[0,0,0],[0,0,0],[0,0,0],[0,0,0],[0,0,0],[0,0,0]]}}`)
	f.Add(`{"v":1,"beh":{"ptr":[[0,0,0],[99999,-99999,1],[-99999,99999,1],[1,1,2],[5,5,86400000]]}}`)
	f.Fuzz(func(t *testing.T, doc string) {
		tel, err := ParseTelemetry([]byte(doc))
		if err != nil {
			return
		}
		k := KinematicFeatures(tel.Beh)
		for i, v := range k.vector() {
			require.True(t, v >= 0 && v <= 1, "feature %d = %v", i, v)
		}
		require.False(t, math.IsNaN(k.Z), "NaN verdict")
	})
}
