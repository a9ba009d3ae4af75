package redisstore

import (
	"context"
	"errors"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// SetState implements astracaph.StateStore with SET PX.
func (s *Store) SetState(ctx context.Context, key string, value []byte, ttl time.Duration) error {
	if err := s.c.Set(ctx, s.prefix+"s:"+key, value, time.Duration(ms(ttl))*time.Millisecond).Err(); err != nil {
		return s.fail("set state", err)
	}
	return nil
}

// GetState implements astracaph.StateStore.
func (s *Store) GetState(ctx context.Context, key string) ([]byte, error) {
	b, err := s.c.Get(ctx, s.prefix+"s:"+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, astracaph.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("get state", err)
	}
	return b, nil
}

// TakeState implements astracaph.StateStore with one atomic GETDEL (Redis ≥ 6.2).
func (s *Store) TakeState(ctx context.Context, key string) ([]byte, error) {
	b, err := s.c.GetDel(ctx, s.prefix+"s:"+key).Bytes()
	if errors.Is(err, redis.Nil) {
		return nil, astracaph.ErrNotFound
	}
	if err != nil {
		return nil, s.fail("take state", err)
	}
	return b, nil
}
