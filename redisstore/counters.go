package redisstore

import (
	"context"
	"errors"
	"fmt"
	"math"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"
)

// incrScript increments and starts the window on the first increment. The PTTL check is
// PEXPIRE NX spelled for servers before 7.0, and also repairs a counter that lost its TTL.
var incrScript = redis.NewScript(`
local n = redis.call('INCR', KEYS[1])
if n == 1 or redis.call('PTTL', KEYS[1]) < 0 then
	redis.call('PEXPIRE', KEYS[1], ARGV[1])
end
return n
`)

// leakScript drains the bucket by the time elapsed on the server's clock (TIME), so every
// AstraCaph process agrees whatever its own clock says, then adds. Times are microseconds
// (exact in a double until 2255). The key expires ttl after the bucket would be empty.
// Scripts are replicated by effects (the default since Redis 5), so TIME is allowed.
var leakScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000000 + tonumber(t[2])
local add, rate, ttl = tonumber(ARGV[1]), tonumber(ARGV[2]), tonumber(ARGV[3])
local v = redis.call('HMGET', KEYS[1], 'l', 't')
local level = 0
if v[1] and v[2] then
	level = tonumber(v[1]) or 0
	local elapsed = (now - (tonumber(v[2]) or now)) / 1000000
	if elapsed > 0 then level = level - elapsed * rate end
	if level < 0 then level = 0 end
end
level = level + add
local s = string.format('%.17g', level)
redis.call('HSET', KEYS[1], 'l', s, 't', string.format('%.17g', now))
local drain = 0
if rate > 0 and level > 0 then drain = math.ceil(level / rate * 1000) end
if drain > 1e12 then drain = 1e12 end
redis.call('PEXPIRE', KEYS[1], string.format('%d', ttl + drain))
return s
`)

// Incr implements astracaph.CounterStore: INCR and the window's PEXPIRE in one script.
func (s *Store) Incr(ctx context.Context, key string, window time.Duration) (int64, error) {
	n, err := incrScript.Run(ctx, s.c, []string{s.prefix + "n:" + key}, ms(window)).Int64()
	if err != nil {
		return 0, s.fail("incr", err)
	}
	return n, nil
}

// Leak implements astracaph.CounterStore as one script on the server's clock.
func (s *Store) Leak(ctx context.Context, key string, add, ratePerSec float64, ttl time.Duration) (float64, error) {
	if math.IsNaN(add) || math.IsInf(add, 0) || math.IsNaN(ratePerSec) || math.IsInf(ratePerSec, 0) {
		return 0, fmt.Errorf("astracaph: redisstore: leak: add and rate must be finite")
	}
	res, err := leakScript.Run(ctx, s.c, []string{s.prefix + "b:" + key},
		strconv.FormatFloat(add, 'g', -1, 64), strconv.FormatFloat(ratePerSec, 'g', -1, 64), ms(ttl)).Text()
	if err != nil {
		return 0, s.fail("leak", err)
	}
	lvl, err := strconv.ParseFloat(res, 64)
	if err != nil {
		return 0, s.fail("leak", errors.New("unexpected script reply"))
	}
	return lvl, nil
}
