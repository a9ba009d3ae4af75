package redisstore

import (
	"context"
	"errors"
	"fmt"
	"hash/crc32"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// Single use across data loss. Redis forgets spent keys when it restarts without
// persistence, on FLUSHALL, or when an operator or an eviction policy deletes them; a
// forgotten key would let a spent token verify again. So the store keeps an epoch — the
// moment from which it is sure to remember every spent key — in keys that disappear in the
// same events, and ConsumeOnce refuses items issued before it (astracaph.ErrBeforeEpoch).
//
// Cluster: a script may only touch keys of one hash slot, and the epoch must be checked in
// the same atomic step as the consumption. So single-use keys are spread over 256 buckets
// by hash tag, each with its own epoch key in its slot:
//
//	c:{<bb>}:<key>   single-use key of bucket bb (two hex digits of CRC-32(key))
//	e:{<bb>}         the bucket's epoch (Unix ms; items issued before it are refused)
//	{epoch}:g        the global epoch: created once, re-created after a loss of everything
//	{epoch}:seen     bitmap of the buckets that were given an epoch under it
//
// A bucket without an epoch key is either new or lost its data: the seen bitmap tells them
// apart. A new bucket takes the global epoch; a bucket seen before, or any bucket when the
// global epoch itself is gone, starts a new epoch now. Users then solve a new challenge.
// A failover that promotes a replica missing the last writes loses spent keys without
// losing any epoch key: see WithReplicaAck (docs/operations.md).

const buckets = 256

// consumeScript: KEYS consume key, bucket epoch; ARGV value, ttl ms, issued ms (0: skip).
// Reply {1, value} first, {0, stored} replay, {-1} bucket has no epoch, {-2, epoch} issued
// before the epoch.
var consumeScript = redis.NewScript(`
if ARGV[3] ~= '0' then
	local e = redis.call('GET', KEYS[2])
	if not e then return {-1, ''} end
	if tonumber(ARGV[3]) < tonumber(e) then return {-2, e} end
end
if redis.call('SET', KEYS[1], ARGV[1], 'NX', 'PX', ARGV[2]) then
	return {1, ARGV[1]}
end
return {0, redis.call('GET', KEYS[1])}
`)

// globalEpochScript: KEYS global, seen; ARGV bucket (or -1: only ensure the global
// epoch), now ms. Returns {global epoch, whether the bucket was seen under it}.
var globalEpochScript = redis.NewScript(`
local g = redis.call('GET', KEYS[1])
if not g then
	g = ARGV[2]
	redis.call('SET', KEYS[1], g)
	redis.call('DEL', KEYS[2])
end
if ARGV[1] == '-1' then return {g, 0} end
return {g, redis.call('GETBIT', KEYS[2], ARGV[1])}
`)

// bucketEpochScript sets the bucket's epoch unless another process just did.
var bucketEpochScript = redis.NewScript(`
if redis.call('SET', KEYS[1], ARGV[1], 'NX') then return ARGV[1] end
return redis.call('GET', KEYS[1])
`)

func bucketOf(key string) int { return int(crc32.ChecksumIEEE([]byte(key)) % buckets) }

func (s *Store) bucketTag(b int) string { return fmt.Sprintf("{%02x}", b) }

// epochMS is an epoch value for "now".
func (s *Store) epochMS() int64 { return s.now().UnixMilli() }

// InitEpoch makes sure the store has an epoch and returns it (astracaph.EpochStarter).
// The engine calls it before its first challenge so that, on a fresh Redis, challenges
// issued before the first redemption are not refused as "before the epoch".
func (s *Store) InitEpoch(ctx context.Context) (time.Time, error) {
	g, _, err := s.globalEpoch(ctx, -1)
	if err != nil {
		return time.Time{}, err
	}
	return time.UnixMilli(g), nil
}

func (s *Store) globalEpoch(ctx context.Context, bucket int) (epoch int64, seen bool, err error) {
	res, err := globalEpochScript.Run(ctx, s.c, []string{s.prefix + "{epoch}:g", s.prefix + "{epoch}:seen"}, bucket, s.epochMS()).Slice()
	if err != nil {
		return 0, false, s.fail("epoch", err)
	}
	if len(res) != 2 {
		return 0, false, s.fail("epoch", errors.New("unexpected script reply"))
	}
	gs, _ := res[0].(string)
	g, perr := strconv.ParseInt(gs, 10, 64)
	bit, _ := res[1].(int64)
	if perr != nil {
		return 0, false, s.fail("epoch", fmt.Errorf("global epoch %q: %w", gs, perr))
	}
	return g, bit == 1, nil
}

// ConsumeOnce implements astracaph.ReplayStore: one script checks the bucket's epoch and
// records the key (SET NX PX) atomically, in one round trip. A bucket without an epoch
// costs two more round trips, once per bucket and epoch.
//
// go-redis retries a command after a network error; if the first attempt was applied and
// only its reply was lost, the retry sees its own value with first=false, which is exactly
// the idempotent-retry case the stored value exists to recognise.
func (s *Store) ConsumeOnce(ctx context.Context, key, value string, issued time.Time, ttl time.Duration) (bool, string, error) {
	b := bucketOf(key)
	tag := s.bucketTag(b)
	keys := []string{s.prefix + "c:" + tag + ":" + key, s.prefix + "e:" + tag}
	var iss int64
	if !issued.IsZero() {
		iss = max(issued.UnixMilli(), 1)
	}
	for attempt := 0; ; attempt++ {
		res, err := s.consume(ctx, keys, value, ms(ttl), iss)
		if err != nil {
			return false, "", s.fail("consume", err)
		}
		switch res.code {
		case 1:
			return true, res.value, nil
		case 0:
			return false, res.value, nil
		case -2:
			return false, "", astracaph.ErrBeforeEpoch
		}
		if attempt > 0 {
			return false, "", s.fail("consume", errors.New("bucket epoch vanished while being set"))
		}
		if err := s.initBucket(ctx, b, keys[1]); err != nil {
			return false, "", err
		}
	}
}

type consumeReply struct {
	code  int64
	value string
}

func (s *Store) consume(ctx context.Context, keys []string, value string, ttlMS, issued int64) (consumeReply, error) {
	res, err := s.runConsumeScript(ctx, keys[0], consumeScript, keys, value, ttlMS, issued).Slice()
	if err != nil {
		return consumeReply{}, err
	}
	if len(res) != 2 {
		return consumeReply{}, errors.New("unexpected script reply")
	}
	code, _ := res[0].(int64)
	v, ok := res[1].(string)
	if !ok {
		// GET of a key that SET NX just found present cannot be nil inside one script;
		// anything else is not a reply to trust.
		return consumeReply{}, errors.New("unexpected script reply")
	}
	return consumeReply{code: code, value: v}, nil
}

// initBucket gives bucket b an epoch: the global one for a bucket never seen, now for a
// bucket that lost its epoch key (its data went with it). The bucket's key is set before
// it is marked seen, so a process that finds it marked seen but absent knows it was lost
// (and never races a first initialisation: its SET NX keeps what the other one set).
func (s *Store) initBucket(ctx context.Context, b int, epochKey string) error {
	g, seen, err := s.globalEpoch(ctx, b)
	if err != nil {
		return err
	}
	if seen {
		g = s.epochMS()
	}
	if err := bucketEpochScript.Run(ctx, s.c, []string{epochKey}, strconv.FormatInt(g, 10)).Err(); err != nil {
		return s.fail("epoch", err)
	}
	if !seen {
		if err := s.c.SetBit(ctx, s.prefix+"{epoch}:seen", int64(b), 1).Err(); err != nil {
			return s.fail("epoch", err)
		}
	}
	return nil
}
