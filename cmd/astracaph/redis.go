package main

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/redisstore"
)

// openRedis connects the shared store and checks it answers before serving.
func openRedis(ctx context.Context, url string, log *slog.Logger) (astracaph.Store, func(), error) {
	st, err := redisstore.NewFromURL(url, redisstore.WithLogger(log))
	if err != nil {
		return nil, func() {}, fmt.Errorf("REDIS_URL: %w", err)
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := st.Ping(pctx); err != nil {
		_ = st.Close()
		return nil, func() {}, fmt.Errorf("REDIS_URL: cannot reach Redis: %w", err)
	}
	return st, func() { _ = st.Close() }, nil
}
