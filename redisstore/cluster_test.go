package redisstore_test

import (
	"fmt"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
	"github.com/astracat/astracaph/storetest"
)

// openStore is redisstore.Open for a test; the store is closed at the end of it.
func openStore(t testing.TB, u string, opts ...redisstore.Option) *redisstore.Store {
	t.Helper()
	s, err := redisstore.Open(t.Context(), u, opts...)
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Close() })
	// What the engine does before its first challenge: items issued from now on are
	// accepted by every bucket.
	_, err = s.InitEpoch(t.Context())
	require.NoError(t, err)
	return s
}

// A 3-master Cluster with one replica each, reached through each URL form, passes the
// conformance suite (with and without replica acknowledgement) and the engine's race.
func TestCluster(t *testing.T) {
	c := testenv.StartCluster(t, 3, true, 2*time.Second)
	seeds := c.Seeds()
	var n atomic.Int64
	prefix := func() redisstore.Option { return redisstore.WithPrefix(fmt.Sprintf("t%d:", n.Add(1))) }

	for name, u := range map[string]string{
		"comma list": c.URL(),
		"addr form":  "redis://" + seeds[0] + "?addr=" + seeds[1] + "&addr=" + seeds[2],
		// Regression: one seed was opened as a single server, started healthy, then failed
		// with MOVED on every key owned by another master.
		"one seed of the Cluster": "redis://" + seeds[1] + "/0",
	} {
		t.Run(name, func(t *testing.T) {
			s := openStore(t, u, prefix())
			_, ok := s.Client().(*redis.ClusterClient)
			require.True(t, ok, "a Cluster client")
			for i := range 64 { // keys on every master
				first, _, err := s.ConsumeOnce(t.Context(), fmt.Sprint("k", i), "v", time.Time{}, time.Minute)
				require.NoError(t, err)
				require.True(t, first)
			}
			require.NoError(t, s.Ping(t.Context()))
		})
	}
	t.Run("a database other than 0 on a Cluster node is refused", func(t *testing.T) {
		_, err := redisstore.Open(t.Context(), "redis://"+seeds[0]+"/1")
		require.ErrorIs(t, err, redisstore.ErrInvalidURL)
		require.Contains(t, err.Error(), "database 0")
	})
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) astracaph.Store { return openStore(t, c.URL(), prefix()) })
	})
	t.Run("conformance with replica acknowledgement", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) astracaph.Store {
			return openStore(t, c.URL(), prefix(), redisstore.WithReplicaAck(1, time.Second))
		})
	})
	t.Run("engine race", func(t *testing.T) {
		p := prefix()
		a := engineWith(t, openStore(t, c.URL(), p))
		b := engineWith(t, openStore(t, "redis://"+seeds[2], p, redisstore.WithReplicaAck(1, time.Second)))
		engineRace(t, a, b, 200)
	})
}

// A Cluster with a slot range nobody serves is reported unhealthy by Open and Ping.
func TestClusterMissingSlotsIsUnhealthy(t *testing.T) {
	r := testenv.NewRedis(t, "--cluster-enabled", "yes", "--cluster-require-full-coverage", "no")
	_, err := testenv.RedisDo(r.Addr, "CLUSTER", "ADDSLOTSRANGE", "0", "9999")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return testenv.InfoField(r.Addr, "cluster-info", "cluster_slots_assigned") == "10000" },
		10*time.Second, 20*time.Millisecond)
	_, err = redisstore.Open(t.Context(), "redis://"+r.Addr)
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.ErrorIs(t, err, redisstore.ErrClusterDegraded)
	require.Contains(t, err.Error(), "10000 of 16384")

	s, err := redisstore.NewFromURL("redis://" + r.Addr + "," + r.Addr)
	require.NoError(t, err)
	defer s.Close()
	require.ErrorIs(t, s.Ping(t.Context()), redisstore.ErrClusterDegraded)
	_, err = testenv.RedisDo(r.Addr, "CLUSTER", "ADDSLOTSRANGE", "10000", "16383")
	require.NoError(t, err)
	require.Eventually(t, func() bool { return s.Ping(t.Context()) == nil }, 10*time.Second, 20*time.Millisecond)
}

// Sentinel with two Sentinels, one master and one replica, from a redis+sentinel:// URL.
func TestSentinel(t *testing.T) {
	sn := testenv.StartSentinel(t, 2, time.Second)
	var n atomic.Int64
	prefix := func() redisstore.Option { return redisstore.WithPrefix(fmt.Sprintf("t%d:", n.Add(1))) }
	t.Run("conformance", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) astracaph.Store { return openStore(t, sn.URL(1), prefix()) })
	})
	t.Run("conformance with replica acknowledgement", func(t *testing.T) {
		storetest.Run(t, func(t *testing.T) astracaph.Store {
			return openStore(t, sn.URL(1), prefix(), redisstore.WithReplicaAck(1, time.Second))
		})
	})
	t.Run("engine race", func(t *testing.T) {
		p := prefix()
		a := engineWith(t, openStore(t, sn.URL(1), p))
		b := engineWith(t, openStore(t, sn.URL(1), p, redisstore.WithReplicaAck(1, time.Second)))
		engineRace(t, a, b, 200)
	})
	t.Run("the URL's database is used on the master", func(t *testing.T) {
		s := openStore(t, sn.URL(3), redisstore.WithPrefix("db3:"))
		_, _, err := s.ConsumeOnce(t.Context(), "k", "v", time.Time{}, time.Minute)
		require.NoError(t, err)
		keys, err := testenv.RedisDo(sn.Master.Addr, "INFO", "keyspace")
		require.NoError(t, err)
		require.Contains(t, keys, "db3:keys=")
	})
	t.Run("a wrong master name fails at start", func(t *testing.T) {
		_, err := redisstore.Open(t.Context(), strings.Replace(sn.URL(0), sn.Name, "nope", 1))
		require.ErrorIs(t, err, astracaph.ErrStore)
	})
}

// WAIT on a server without replicas never reaches 1: every consumption fails closed and
// the token is not accepted.
func TestReplicaAckWithoutReplicasFailsClosed(t *testing.T) {
	addr, _ := testenv.StartRedis(t)
	s := mustStore(t, redis.NewClient(&redis.Options{Addr: addr}), redisstore.WithPrefix("noack:"),
		redisstore.WithReplicaAck(1, 20*time.Millisecond))
	first, stored, err := s.ConsumeOnce(t.Context(), "tok", "v", time.Time{}, time.Minute)
	require.ErrorIs(t, err, astracaph.ErrStore)
	require.ErrorIs(t, err, redisstore.ErrReplicaAck)
	require.Contains(t, err.Error(), "0 of 1")
	require.False(t, first)
	require.Empty(t, stored)
}

// With a live replica the acknowledgement arrives, the replica holds the write when
// ConsumeOnce returns, a replay is still refused, and the epoch check still applies.
func TestReplicaAckWithReplica(t *testing.T) {
	m := testenv.NewRedis(t, "--repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(m.Addr, ":")
	r := testenv.NewRedis(t, "--replicaof", host, port, "--repl-diskless-sync-delay", "0")
	require.Eventually(t, func() bool { return testenv.InfoField(r.Addr, "replication", "master_link_status") == "up" },
		20*time.Second, 20*time.Millisecond)
	s := mustStore(t, redis.NewClient(&redis.Options{Addr: m.Addr}), redisstore.WithPrefix("ack:"),
		redisstore.WithReplicaAck(1, time.Second))
	ctx := t.Context()
	_, err := s.InitEpoch(ctx)
	require.NoError(t, err)
	first, _, err := s.ConsumeOnce(ctx, "tok", "v1", time.Now().Add(time.Second), time.Minute)
	require.NoError(t, err)
	require.True(t, first)
	first, stored, err := s.ConsumeOnce(ctx, "tok", "v2", time.Now().Add(time.Second), time.Minute)
	require.NoError(t, err)
	require.False(t, first)
	require.Equal(t, "v1", stored)
	_, key := findKey(t, "tok", r)
	v, err := testenv.RedisString(r.Addr, "GET", key)
	require.NoError(t, err)
	require.Equal(t, "v1", v, "the replica has the write once ConsumeOnce returned")
	_, _, err = s.ConsumeOnce(ctx, "old", "v", time.Now().Add(-time.Hour), time.Minute)
	require.ErrorIs(t, err, astracaph.ErrBeforeEpoch)
}
