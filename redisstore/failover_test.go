package redisstore_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
)

// go-redis logs every dial failure and Sentinel event to stderr; failover tests make many.
type quietRedis struct{}

func (quietRedis) Printf(context.Context, string, ...any) {}

func TestMain(m *testing.M) {
	redis.SetLogger(quietRedis{})
	os.Exit(m.Run())
}

// loadGen consumes fresh keys from several goroutines until stopped and remembers every
// consumption the store accepted (first, or its own earlier value on a retry).
type loadGen struct {
	mu       sync.Mutex
	accepted []string
	failed   int
	stop     chan struct{}
	wg       sync.WaitGroup
}

func startLoad(s *redisstore.Store, workers int) *loadGen {
	l := &loadGen{stop: make(chan struct{})}
	for w := range workers {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for i := 0; ; i++ {
				select {
				case <-l.stop:
					return
				default:
				}
				key := fmt.Sprintf("load-%d-%d", w, i)
				ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
				first, stored, err := s.ConsumeOnce(ctx, key, key, time.Time{}, time.Hour)
				cancel()
				l.mu.Lock()
				if err == nil && (first || stored == key) {
					l.accepted = append(l.accepted, key)
				} else {
					l.failed++
				}
				l.mu.Unlock()
				time.Sleep(time.Millisecond)
			}
		}()
	}
	return l
}

func (l *loadGen) finish() (accepted []string, failed int) {
	close(l.stop)
	l.wg.Wait()
	return l.accepted, l.failed
}

// findKey returns the node among nodes holding a key whose name contains needle (any key
// layout names the token key in full), and that key's name.
func findKey(t *testing.T, needle string, nodes ...*testenv.Redis) (*testenv.Redis, string) {
	t.Helper()
	for _, n := range nodes {
		cursor := "0"
		for {
			v, err := testenv.RedisDo(n.Addr, "SCAN", cursor, "MATCH", "*"+needle+"*", "COUNT", "1000")
			require.NoError(t, err)
			a := v.([]any)
			if keys := a[1].([]any); len(keys) > 0 {
				return n, keys[0].(string)
			}
			if cursor = a[0].(string); cursor == "0" {
				break
			}
		}
	}
	require.Failf(t, "key not found", "no node holds a key containing %q", needle)
	return nil, ""
}

// stallReplication freezes replica and writes to master until more than 1 MB of the
// replication stream waits in master's own memory, beyond the kernel's socket buffers:
// whatever master accepts next is lost if it dies now, as after a replica lag spike.
// fillKey must be a key master serves.
func stallReplication(t *testing.T, master, replica *testenv.Redis, fillKey string) {
	t.Helper()
	c := redis.NewClient(&redis.Options{Addr: master.Addr})
	defer c.Close()
	fill := strings.Repeat("x", 1<<20)
	start := time.Now()
	replica.Pause()
	for i := 0; ; i++ {
		require.Less(t, i, 400, "the replication stream never backed up")
		require.NoError(t, c.Set(t.Context(), fillKey, fill, 0).Err())
		if unsentReplication(t, master) > 1<<20 {
			t.Logf("replication stalled after %d MB in %v", i+1, time.Since(start).Round(time.Millisecond))
			return
		}
	}
}

// unsentReplication is the replica's output buffer on master (CLIENT LIST omem).
func unsentReplication(t *testing.T, master *testenv.Redis) int {
	t.Helper()
	list, err := testenv.RedisString(master.Addr, "CLIENT", "LIST", "TYPE", "replica")
	require.NoError(t, err)
	for _, f := range strings.Fields(list) {
		if v, ok := strings.CutPrefix(f, "omem="); ok {
			n, _ := strconv.Atoi(v)
			return n
		}
	}
	return 0
}

// fillKeyOn returns a key that the Cluster node n serves (it answers SET without MOVED).
func fillKeyOn(t *testing.T, n *testenv.Redis) string {
	t.Helper()
	for i := range 1000 {
		k := fmt.Sprint("fill-", i)
		if _, err := testenv.RedisDo(n.Addr, "SET", k, "x"); err == nil {
			return k
		}
	}
	require.Fail(t, "no key served by the node")
	return ""
}

// doubleSpends re-consumes every key with a store without acknowledgement and returns
// those that were free again: accepted once, and now accepted a second time.
func doubleSpends(t *testing.T, s *redisstore.Store, keys []string) []string {
	t.Helper()
	var out []string
	for _, k := range keys {
		first, _, err := s.ConsumeOnce(t.Context(), k, "again", time.Time{}, time.Hour)
		require.NoError(t, err)
		if first {
			out = append(out, k)
		}
	}
	return out
}

// untilRoundSucceeds consumes rounds of 16 fresh keys (with 3 masters, a round misses any
// given master with probability 0.15 %) until one round fully succeeds, and returns when.
func untilRoundSucceeds(t *testing.T, s *redisstore.Store, limit time.Duration) time.Time {
	t.Helper()
	deadline := time.Now().Add(limit)
	for r := 0; ; r++ {
		ok := true
		for i := range 16 {
			ctx, cancel := context.WithTimeout(t.Context(), 2*time.Second)
			_, _, err := s.ConsumeOnce(ctx, fmt.Sprintf("probe-%d-%d", r, i), "p", time.Time{}, time.Hour)
			cancel()
			ok = ok && err == nil
		}
		if ok {
			return time.Now()
		}
		require.True(t, time.Now().Before(deadline), "consumption not back %v after the promotion", limit)
		time.Sleep(20 * time.Millisecond)
	}
}

// failoverSetup is a deployment a failover test kills the master of.
type failoverSetup struct {
	url      string
	masters  []*testenv.Redis                    // where the victim key may live
	replica  func(*testenv.Redis) *testenv.Redis // the replica of a master
	fillKey  func(*testenv.Redis) string         // a key the master serves
	promoted func(replica *testenv.Redis) bool
	rejoin   func(old, replica *testenv.Redis) // restart a dead master as the replica of its successor
	healthy  func()
}

// killMasterUnderLoad: a master dies under load while its replica lags. With replica
// acknowledgement no token accepted before the failure is accepted again after the
// replica's promotion; without it, every token whose write was still in the dead master's
// buffers is spent twice (the window docs/operations.md describes). Either way the client
// finds the new master soon after the promotion.
func killMasterUnderLoad(t *testing.T, f failoverSetup, ack bool) {
	opts := []redisstore.Option{redisstore.WithPrefix("fo:")}
	if ack {
		opts = append(opts, redisstore.WithReplicaAck(1, 50*time.Millisecond))
	}
	s := openStore(t, f.url, opts...)
	check := openStore(t, f.url, redisstore.WithPrefix("fo:"))
	ctx := t.Context()

	// Find the master of the victim token, and make it spendable again.
	victim := "victim-token"
	first, _, err := check.ConsumeOnce(ctx, victim, "probe", time.Time{}, time.Hour)
	require.NoError(t, err)
	require.True(t, first)
	master, rkey := findKey(t, victim, f.masters...)
	_, err = testenv.RedisDo(master.Addr, "DEL", rkey)
	require.NoError(t, err)
	replica := f.replica(master)

	load := startLoad(s, 8)
	time.Sleep(300 * time.Millisecond)
	stallReplication(t, master, replica, f.fillKey(master))
	first, _, err = s.ConsumeOnce(ctx, victim, "spent", time.Time{}, time.Hour)
	if ack {
		require.ErrorIs(t, err, redisstore.ErrReplicaAck, "no replica acknowledged: fail closed")
		require.False(t, first)
	} else {
		require.NoError(t, err)
		require.True(t, first, "accepted without any replica having it")
	}
	require.Greater(t, unsentReplication(t, master), 1<<20, "the victim's write is queued behind the stall")
	time.Sleep(100 * time.Millisecond) // more load on the stalled master
	master.Stop()                      // SIGKILL: its unsent replication stream is gone
	killed := time.Now()
	replica.Resume()
	// Health reports the dead master, by an error or by not answering within the probe's
	// deadline (the Sentinel client keeps redialling the master the Sentinels still name).
	require.Eventually(t, func() bool {
		pctx, cancel := context.WithTimeout(ctx, 500*time.Millisecond)
		defer cancel()
		return errors.Is(s.Ping(pctx), astracaph.ErrStore)
	}, 3*time.Second, 10*time.Millisecond, "health reports the dead master")

	require.Eventually(t, func() bool { return f.promoted(replica) }, 60*time.Second, 20*time.Millisecond)
	promoted := time.Now()
	if ack {
		// The new master has no replica, so acknowledged writes to it are impossible until
		// the old master is back (as its replica).
		f.rejoin(master, replica)
	}
	// go-redis alone routes by its old slot map for up to 60 s (measured: 58 s); the bound
	// catches that, not a slow machine.
	back := untilRoundSucceeds(t, s, 20*time.Second)
	t.Logf("master killed → replica promoted in %v; consumption on every master back %v after the promotion",
		promoted.Sub(killed).Round(time.Millisecond), back.Sub(promoted).Round(time.Millisecond))
	accepted, failed := load.finish()
	f.healthy()
	// go-redis answers with the last dial error for up to a second after a burst of them.
	require.Eventually(t, func() bool { return s.Ping(ctx) == nil }, 10*time.Second, 50*time.Millisecond)

	// The victim was refused with acknowledgement on, so it may be used once now; without,
	// it was accepted and must not be.
	twice := doubleSpends(t, check, append(accepted, victim))
	t.Logf("load: %d consumptions accepted, %d failed closed; spent twice after the failover: %d",
		len(accepted), failed, len(twice))
	if ack {
		require.Equal(t, []string{victim}, twice, "nothing accepted is revived")
	} else {
		require.Contains(t, twice, victim, "without acknowledgement the lost write revives the token")
	}
}

func TestClusterFailoverDoesNotReviveSpentTokens(t *testing.T) {
	for _, ack := range []bool{true, false} {
		t.Run(map[bool]string{true: "replica ack on", false: "replica ack off (the window)"}[ack], func(t *testing.T) {
			c := testenv.StartCluster(t, 3, true, time.Second)
			killMasterUnderLoad(t, failoverSetup{
				url: c.URL(), masters: c.Masters, replica: c.ReplicaOf,
				fillKey:  func(m *testenv.Redis) string { return fillKeyOn(t, m) },
				promoted: func(r *testenv.Redis) bool { return c.Role(r) == "master" },
				rejoin:   func(old, _ *testenv.Redis) { old.Start() }, // its nodes.conf makes it a replica
				healthy:  func() { c.WaitHealthy(30 * time.Second) },
			}, ack)
		})
	}
}

func TestSentinelFailoverDoesNotReviveSpentTokens(t *testing.T) {
	for _, ack := range []bool{true, false} {
		t.Run(map[bool]string{true: "replica ack on", false: "replica ack off (the window)"}[ack], func(t *testing.T) {
			sn := testenv.StartSentinel(t, 2, time.Second)
			killMasterUnderLoad(t, failoverSetup{
				url: sn.URL(0), masters: []*testenv.Redis{sn.Master},
				replica:  func(*testenv.Redis) *testenv.Redis { return sn.Replica },
				fillKey:  func(*testenv.Redis) string { return "fill" },
				promoted: func(r *testenv.Redis) bool { return sn.MasterAddr() == r.Addr },
				rejoin: func(old, r *testenv.Redis) {
					// What an orchestrator does; the Sentinels would too, but only after
					// their next look at the returned node (about 10 s).
					old.Start()
					host, port, _ := strings.Cut(r.Addr, ":")
					_, err := testenv.RedisDo(old.Addr, "REPLICAOF", host, port)
					require.NoError(t, err)
				},
				healthy: func() {
					require.Eventually(t, func() bool {
						return !ack || testenv.InfoField(sn.Master.Addr, "replication", "master_link_status") == "up"
					}, 60*time.Second, 50*time.Millisecond, "the old master rejoins as a replica")
				},
			}, ack)
		})
	}
}
