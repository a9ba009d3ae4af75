package redisstore_test

import (
	"runtime"
	"strconv"
	"sync/atomic"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/astracat/astracaph/redisstore"
)

func benchStore(b *testing.B, pool int) *redisstore.Store {
	addr, _ := testenv.StartRedis(b)
	s := redisstore.New(redis.NewClient(&redis.Options{Addr: addr, PoolSize: pool}))
	b.Cleanup(func() { _ = s.Close() })
	if _, err := s.InitEpoch(b.Context()); err != nil {
		b.Fatal(err)
	}
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
		if _, _, err := s.ConsumeOnce(ctx, strconv.Itoa(i), "v", at, time.Minute); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consumes/s")
}

// BenchmarkConsumeOnceParallel runs 32 concurrent callers, as a busy verify endpoint would.
func BenchmarkConsumeOnceParallel(b *testing.B) {
	const callers = 32
	s := benchStore(b, callers)
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
				b.Error(err)
				return
			}
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "consumes/s")
}
