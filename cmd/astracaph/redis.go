package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/redisstore"
)

// openRedis connects the shared store (single server, Cluster or Sentinel, see
// redisstore.Open) and checks it is usable before serving.
func openRedis(ctx context.Context, url string, log *slog.Logger, opts ...redisstore.Option) (astracaph.Store, func(), error) {
	// go-redis logs dial failures and Sentinel events through its own process-wide logger;
	// send them to ours at debug level (the store's errors already say what failed).
	redis.SetLogger(redisLog{log})
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	st, err := redisstore.Open(pctx, url, append([]redisstore.Option{redisstore.WithLogger(log)}, opts...)...)
	switch {
	case errors.Is(err, redisstore.ErrInvalidURL), errors.Is(err, redisstore.ErrConfig):
		return nil, func() {}, fmt.Errorf("REDIS_URL: %w", err)
	case err != nil:
		return nil, func() {}, fmt.Errorf("REDIS_URL: cannot reach Redis or it is not serving: %w", err)
	}
	for _, w := range st.Durability(pctx) {
		log.Warn("Redis setting weakens single use", "detail", w)
	}
	return st, func() { _ = st.Close() }, nil
}

// redisLog adapts go-redis's logger interface to slog.
type redisLog struct{ log *slog.Logger }

func (l redisLog) Printf(ctx context.Context, format string, v ...any) {
	l.log.DebugContext(ctx, "redis: "+fmt.Sprintf(format, v...))
}
