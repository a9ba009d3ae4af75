package redisstore

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// Every site key carries the hash tag {sites} (see the package comment). Each script names
// all the keys it touches in KEYS, as Cluster requires; where a key depends on stored data
// (the domain of a site), the caller reads it first and the script checks it is unchanged.

// createScript: KEYS site, domain, index; ARGV siteKey, rec, domain, hash.
var createScript = redis.NewScript(`
if redis.call('EXISTS', KEYS[1]) == 1 or redis.call('EXISTS', KEYS[2]) == 1 then
	return 0
end
redis.call('HSET', KEYS[1], 'rec', ARGV[2], 'domain', ARGV[3], 'hash', ARGV[4])
redis.call('SET', KEYS[2], ARGV[1])
redis.call('SADD', KEYS[3], ARGV[1])
return 1
`)

// The secret hashes are compared as SHA-1 digests of both sides, so the timing of Lua's
// string comparison says nothing usable about the stored verifier.

// updateScript: KEYS site; ARGV rec, expectHash, newHash. 1 ok, 0 not found, -1 mismatch.
// The domain field is left alone: a site's domain cannot change.
var updateScript = redis.NewScript(`
local cur = redis.call('HGET', KEYS[1], 'hash')
if not cur then return 0 end
if redis.sha1hex(cur) ~= redis.sha1hex(ARGV[2]) then return -1 end
redis.call('HSET', KEYS[1], 'rec', ARGV[1], 'hash', ARGV[3])
return 1
`)

// deleteScript: KEYS site, domain, index; ARGV siteKey, hash, domain. 1 ok, 0 not found,
// -1 mismatch, -2 the site's domain is no longer ARGV[3] (re-created meanwhile: retry).
var deleteScript = redis.NewScript(`
local v = redis.call('HMGET', KEYS[1], 'hash', 'domain')
if not v[1] then return 0 end
if v[2] ~= ARGV[3] then return -2 end
if redis.sha1hex(v[1]) ~= redis.sha1hex(ARGV[2]) then return -1 end
redis.call('DEL', KEYS[1])
if redis.call('GET', KEYS[2]) == ARGV[1] then redis.call('DEL', KEYS[2]) end
redis.call('SREM', KEYS[3], ARGV[1])
return 1
`)

// retries bounds the read-then-check loops that only repeat when a site was deleted and
// re-created between two round trips.
const retries = 3

func (s *Store) siteKey(k string) string   { return s.prefix + "{sites}:site:" + k }
func (s *Store) domainKey(d string) string { return s.prefix + "{sites}:domain:" + d }
func (s *Store) indexKey() string          { return s.prefix + "{sites}:index" }

// encodeSite serialises r for the rec field. The domain lives in its own field (the one
// authority, never rewritten by UpdateSite), so it is blanked here.
func encodeSite(r astracaph.SiteRecord) (string, error) {
	r.Domain = ""
	b, err := json.Marshal(r)
	return string(b), err
}

// decodeSite parses the HMGET rec, domain reply; ok=false when the site does not exist.
func (s *Store) decodeSite(vals []any) (rec astracaph.SiteRecord, ok bool, err error) {
	if len(vals) != 2 || vals[0] == nil {
		return rec, false, nil
	}
	js, _ := vals[0].(string)
	dom, _ := vals[1].(string)
	if err := json.Unmarshal([]byte(js), &rec); err != nil {
		return rec, false, s.fail("site", fmt.Errorf("corrupt site record: %w", err))
	}
	rec.Domain = dom
	return rec, true, nil
}

// CreateSite implements astracaph.SiteStore.
func (s *Store) CreateSite(ctx context.Context, r astracaph.SiteRecord) error {
	js, err := encodeSite(r)
	if err != nil {
		return fmt.Errorf("astracaph: redisstore: create site: %w", err)
	}
	n, err := createScript.Run(ctx, s.c, []string{s.siteKey(r.SiteKey), s.domainKey(r.Domain), s.indexKey()},
		r.SiteKey, js, r.Domain, r.SecretHash).Int64()
	if err != nil {
		return s.fail("create site", err)
	}
	if n != 1 {
		return astracaph.ErrExists
	}
	return nil
}

// GetSite implements astracaph.SiteStore.
func (s *Store) GetSite(ctx context.Context, siteKey string) (astracaph.SiteRecord, error) {
	vals, err := s.c.HMGet(ctx, s.siteKey(siteKey), "rec", "domain").Result()
	if err != nil {
		return astracaph.SiteRecord{}, s.fail("get site", err)
	}
	rec, ok, err := s.decodeSite(vals)
	if err != nil {
		return astracaph.SiteRecord{}, err
	}
	if !ok {
		return astracaph.SiteRecord{}, astracaph.ErrNotFound
	}
	return rec, nil
}

// GetSiteByDomain implements astracaph.SiteStore: the index, then the site, checking the
// site still has that domain (it may have been deleted and re-created in between).
func (s *Store) GetSiteByDomain(ctx context.Context, domain string) (astracaph.SiteRecord, error) {
	for range retries {
		k, err := s.c.Get(ctx, s.domainKey(domain)).Result()
		if errors.Is(err, redis.Nil) {
			return astracaph.SiteRecord{}, astracaph.ErrNotFound
		}
		if err != nil {
			return astracaph.SiteRecord{}, s.fail("get site by domain", err)
		}
		rec, err := s.GetSite(ctx, k)
		if err == nil && rec.Domain == domain {
			return rec, nil
		}
		if err != nil && !errors.Is(err, astracaph.ErrNotFound) {
			return astracaph.SiteRecord{}, err
		}
	}
	return astracaph.SiteRecord{}, astracaph.ErrNotFound
}

// UpdateSite implements astracaph.SiteStore as a compare-and-set on SecretHash.
func (s *Store) UpdateSite(ctx context.Context, r astracaph.SiteRecord, expectHash string) error {
	js, err := encodeSite(r)
	if err != nil {
		return fmt.Errorf("astracaph: redisstore: update site: %w", err)
	}
	n, err := updateScript.Run(ctx, s.c, []string{s.siteKey(r.SiteKey)}, js, expectHash, r.SecretHash).Int64()
	if err != nil {
		return s.fail("update site", err)
	}
	switch n {
	case 1:
		return nil
	case 0:
		return astracaph.ErrNotFound
	default:
		return astracaph.ErrForbidden
	}
}

// DeleteSite implements astracaph.SiteStore as a compare-and-delete on SecretHash.
func (s *Store) DeleteSite(ctx context.Context, siteKey, secretHash string) error {
	for range retries {
		dom, err := s.c.HGet(ctx, s.siteKey(siteKey), "domain").Result()
		if errors.Is(err, redis.Nil) {
			return astracaph.ErrNotFound
		}
		if err != nil {
			return s.fail("delete site", err)
		}
		n, err := deleteScript.Run(ctx, s.c, []string{s.siteKey(siteKey), s.domainKey(dom), s.indexKey()},
			siteKey, secretHash, dom).Int64()
		if err != nil {
			return s.fail("delete site", err)
		}
		switch n {
		case 1:
			return nil
		case 0:
			return astracaph.ErrNotFound
		case -1:
			return astracaph.ErrForbidden
		}
	}
	return s.fail("delete site", errors.New("site changed concurrently"))
}

// ListSites implements astracaph.SiteStore from the index set, oldest first. Sites deleted
// between the two round trips are left out.
func (s *Store) ListSites(ctx context.Context) ([]astracaph.SiteRecord, error) {
	keys, err := s.c.SMembers(ctx, s.indexKey()).Result()
	if err != nil {
		return nil, s.fail("list sites", err)
	}
	if len(keys) == 0 {
		return []astracaph.SiteRecord{}, nil
	}
	cmds := make([]*redis.SliceCmd, len(keys))
	_, err = s.c.Pipelined(ctx, func(p redis.Pipeliner) error {
		for i, k := range keys {
			cmds[i] = p.HMGet(ctx, s.siteKey(k), "rec", "domain")
		}
		return nil
	})
	if err != nil {
		return nil, s.fail("list sites", err)
	}
	out := make([]astracaph.SiteRecord, 0, len(keys))
	for _, c := range cmds {
		rec, ok, err := s.decodeSite(c.Val())
		if err != nil {
			return nil, err
		}
		if ok {
			out = append(out, rec)
		}
	}
	slices.SortFunc(out, func(a, b astracaph.SiteRecord) int { return a.CreatedAt.Compare(b.CreatedAt) })
	return out, nil
}
