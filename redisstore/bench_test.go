package redisstore_test

import (
	"fmt"
	"runtime"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
)

func benchStore(b *testing.B, pool int) *redisstore.Store {
	addr, _ := testenv.StartRedis(b)
	s := mustStore(b, redis.NewClient(&redis.Options{Addr: addr, PoolSize: pool}))
	_, err := s.InitEpoch(b.Context())
	require.NoError(b, err)
	return s
}

// issued is an issue time after the store's epoch, as the engine passes for tokens.
func issued() time.Time { return time.Now().Add(time.Second) }

func BenchmarkConsumeOnce(b *testing.B) {
	s := benchStore(b, 1)
	ctx := b.Context()
	at := issued()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if _, _, err := s.ConsumeOnce(ctx, strconv.Itoa(i), "v", at, time.Minute); err != nil { // guarded: require costs a t.Helper call
			require.NoError(b, err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consumes/s")
}

// BenchmarkConsumeOnceParallel runs 32 concurrent callers, as a busy verify endpoint would.
func BenchmarkConsumeOnceParallel(b *testing.B) {
	const callers = 32
	consumeInParallel(b, benchStore(b, callers), callers)
}

// consumeInParallel consumes fresh keys from callers goroutines until b.N.
func consumeInParallel(b *testing.B, s *redisstore.Store, callers int) {
	ctx := b.Context()
	at := issued()
	var n atomic.Int64
	procs := runtime.GOMAXPROCS(0)
	b.SetParallelism((callers + procs - 1) / procs)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if _, _, err := s.ConsumeOnce(ctx, strconv.FormatInt(n.Add(1), 10), "v", at, time.Minute); err != nil {
				assert.NoError(b, err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consumes/s")
}

// BenchmarkConsumeOnceReplicaAck is ConsumeOnce on a master with one replica, without and
// with WithReplicaAck(1, 1s), from 1 and 32 concurrent callers: the cost of WAIT is the
// replica's acknowledgement, in the same network round trip as the write. (The timeout is
// generous so that a loaded machine measures the cost, not failures.)
func BenchmarkConsumeOnceReplicaAck(b *testing.B) {
	m := testenv.NewRedis(b, "--repl-diskless-sync-delay", "0")
	host, port, _ := strings.Cut(m.Addr, ":")
	r := testenv.NewRedis(b, "--replicaof", host, port)
	for testenv.InfoField(r.Addr, "replication", "master_link_status") != "up" {
		time.Sleep(10 * time.Millisecond)
	}
	for _, callers := range []int{1, 32} {
		for _, ack := range []bool{false, true} {
			b.Run(fmt.Sprintf("callers=%d/ack=%v", callers, ack), func(b *testing.B) {
				opts := []redisstore.Option{redisstore.WithPrefix(fmt.Sprintf("b%d%v:", callers, ack))}
				if ack {
					opts = append(opts, redisstore.WithReplicaAck(1, time.Second))
				}
				s := mustStore(b, redis.NewClient(&redis.Options{Addr: m.Addr, PoolSize: callers}), opts...)
				_, err := s.InitEpoch(b.Context())
				require.NoError(b, err)
				consumeInParallel(b, s, callers)
			})
		}
	}
}
