package main

import (
	"context"
	"errors"
	"log/slog"

	"github.com/astracat/astracaph"
)

// openRedis is replaced when the redisstore package lands.
func openRedis(ctx context.Context, url string, log *slog.Logger) (astracaph.Store, func(), error) {
	return nil, func() {}, errors.New("redis store not built yet")
}
