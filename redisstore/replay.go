package redisstore

import (
	"context"
	"errors"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"
)

// consumeScript is the pre-7.0 fallback for SET NX PX GET, equally atomic (a script runs
// alone on the server).
var consumeScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1])}
`)

// ConsumeOnce implements astracaph.ReplayStore with one SET key value NX PX ttl GET round
// trip: the server either records the key (reply nil: first) or leaves it and returns the
// value already there. There is no read-then-write window.
//
// go-redis retries a command after a network error; if the first attempt was applied and
// only its reply was lost, the retry sees its own value with first=false, which is exactly
// the idempotent-retry case the stored value exists to recognise.
func (s *Store) ConsumeOnce(ctx context.Context, key, value string, ttl time.Duration) (bool, string, error) {
	k := s.prefix + "c:" + key
	if !s.noSetGet.Load() {
		var set *redis.StatusCmd
		err := s.runConsume(ctx, k, func(ctx context.Context, c redis.Cmdable) redis.Cmder {
			set = c.SetArgs(ctx, k, value, redis.SetArgs{Mode: "NX", TTL: time.Duration(ms(ttl)) * time.Millisecond, Get: true})
			return set
		})
		old := set.Val()
		switch {
		case err == nil:
			return false, old, nil
		case errors.Is(err, redis.Nil):
			return true, value, nil
		case !isSyntaxError(err):
			return false, "", s.fail("consume", err)
		}
		// A syntax error means the server did not run the command at all: safe to redo it
		// with the script, and to keep doing so.
		s.noSetGet.Store(true)
		s.log.Warn("astracaph: redisstore: server rejects SET NX GET (Redis < 7.0), using a Lua script for ConsumeOnce")
	}
	return s.consumeLua(ctx, k, value, ttl)
}

func (s *Store) consumeLua(ctx context.Context, k, value string, ttl time.Duration) (bool, string, error) {
	res, err := s.runConsumeScript(ctx, k, consumeScript, []string{k}, value, ms(ttl)).Slice()
	if err != nil {
		return false, "", s.fail("consume", err)
	}
	if len(res) != 2 {
		return false, "", s.fail("consume", errors.New("unexpected script reply"))
	}
	first, _ := res[0].(int64)
	stored, ok := res[1].(string)
	if !ok {
		// GET of a key that SET NX just found present cannot be nil inside one script;
		// anything else is not a reply to trust.
		return false, "", s.fail("consume", errors.New("unexpected script reply"))
	}
	return first == 1, stored, nil
}

// isSyntaxError reports a server-side syntax error (as opposed to a network failure).
func isSyntaxError(err error) bool {
	var re redis.Error
	return errors.As(err, &re) && strings.Contains(strings.ToLower(re.Error()), "syntax error")
}
