package redisstore

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Replica acknowledgement. Redis replicates asynchronously: the master answers a write
// before any replica has it. If the master dies in between and a replica is promoted, the
// write is lost, and for ConsumeOnce that means a spent token verifies again. With
// WithReplicaAck every consuming write is followed, on the same connection and in the same
// round trip, by WAIT n timeout, which returns how many replicas hold every write that
// connection made; fewer than n means the write may not survive a failover, and the
// consumption is reported as a store failure, so the engine fails closed (the token is not
// accepted, the caller may retry). The remaining window and the measured cost are in
// docs/operations.md.
//
// WAIT counts replicas of the server the connection is on, so it must follow the write on
// the very connection that made it: a pipeline on a plain (or Sentinel) client, and on a
// Cluster a pipeline on the client of the key's master (a keyless WAIT sent through the
// Cluster client would go to a random node).

type replicaAck struct {
	n       int
	timeout time.Duration
}

// WithReplicaAck makes every consuming write (ConsumeOnce) wait until at least n replicas
// acknowledged it, for at most timeout, and fail closed otherwise. Off by default; use it
// on Sentinel and Cluster deployments with replicas, where a failover could otherwise
// revive spent tokens. n = 0 turns it off. The timeout must be positive (WAIT 0 would wait
// forever) and below the client's read timeout.
func WithReplicaAck(n int, timeout time.Duration) Option {
	return func(s *Store) error {
		if n < 0 || (n > 0 && timeout < time.Millisecond) {
			return fmt.Errorf("%w: replica acknowledgement needs n >= 0 and a timeout of at least 1ms", ErrConfig)
		}
		s.ack = replicaAck{n: n, timeout: timeout}
		return nil
	}
}

// checkAck validates the acknowledgement setting against the client, once options are in.
func (s *Store) checkAck() error {
	if s.ack.n == 0 {
		return nil
	}
	var rt time.Duration
	switch c := s.c.(type) {
	case *redis.Client:
		rt = c.Options().ReadTimeout
	case *redis.ClusterClient:
		rt = c.Options().ReadTimeout
	default:
		return fmt.Errorf("%w: replica acknowledgement needs a Client, FailoverClient or ClusterClient, not %T", ErrConfig, s.c)
	}
	if rt == 0 {
		rt = 3 * time.Second // go-redis's default
	}
	if rt > 0 && s.ack.timeout >= rt {
		return fmt.Errorf("%w: replica acknowledgement timeout %v must be below the read timeout %v", ErrConfig, s.ack.timeout, rt)
	}
	return nil
}

// runConsume runs one consuming command, built by write on the given client. Without
// replica acknowledgement that is the store's client; with it, a pipeline on the
// connection to key's master, followed by WAIT. The error is the command's own (redis.Nil
// included, for the caller to interpret) unless the command succeeded and the WAIT did not
// reach n, in which case it wraps ErrReplicaAck.
func (s *Store) runConsume(ctx context.Context, key string, write func(ctx context.Context, c redis.Cmdable) redis.Cmder) error {
	if s.ack.n == 0 {
		return write(ctx, s.c).Err()
	}
	var node redis.Cmdable = s.c
	if s.cluster != nil {
		m, err := s.cluster.MasterForKey(ctx, key)
		if err != nil {
			return err
		}
		node = m
	}
	var cmd redis.Cmder
	var wait *redis.IntCmd
	_, _ = node.Pipelined(ctx, func(p redis.Pipeliner) error {
		cmd = write(ctx, p)
		wait = redis.NewIntCmd(ctx, "wait", s.ack.n, s.ack.timeout.Milliseconds())
		_ = p.Process(ctx, wait)
		return nil
	})
	err := cmd.Err()
	if err != nil && !errors.Is(err, redis.Nil) {
		if s.cluster != nil {
			if _, moved := redis.IsMovedError(err); moved {
				// The slot has a new master (failover, resharding): refresh the map; this
				// consumption fails closed and the next one goes to the right node.
				s.cluster.ReloadState(ctx)
			} else if _, ask := redis.IsAskError(err); ask {
				s.cluster.ReloadState(ctx)
			}
		}
		return err
	}
	got, werr := wait.Result()
	if werr != nil {
		return fmt.Errorf("%w: WAIT: %w", ErrReplicaAck, werr)
	}
	if got < int64(s.ack.n) {
		return fmt.Errorf("%w (%d of %d within %v)", ErrReplicaAck, got, s.ack.n, s.ack.timeout)
	}
	return err
}

// runConsumeScript runs a consuming Lua script through runConsume: EVALSHA, and EVAL once
// when the server does not have the script cached (a failover or restart empties the cache;
// a NOSCRIPT reply means nothing ran, so the retry is safe).
func (s *Store) runConsumeScript(ctx context.Context, key string, sc *redis.Script, keys []string, args ...any) *redis.Cmd {
	var cmd *redis.Cmd
	err := s.runConsume(ctx, key, func(ctx context.Context, c redis.Cmdable) redis.Cmder {
		cmd = sc.EvalSha(ctx, c, keys, args...)
		return cmd
	})
	if err != nil && redis.HasErrorPrefix(err, "NOSCRIPT") {
		err = s.runConsume(ctx, key, func(ctx context.Context, c redis.Cmdable) redis.Cmder {
			cmd = sc.Eval(ctx, c, keys, args...)
			return cmd
		})
	}
	if err != nil {
		cmd.SetErr(err) // a WAIT that fell short is the script's failure to the caller
	}
	return cmd
}
