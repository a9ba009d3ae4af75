package redisstore

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/astracat/astracaph"
)

// A Redis URL names one of three deployments (docs/operations.md has examples):
//
//	redis://[user:password@]host:port[/db][?option=value…]               one server
//	redis://[user:password@]h1:p1,h2:p2,h3:p3[?option=value…]            Cluster seeds
//	redis://[user:password@]h1:p1?addr=h2:p2&addr=h3:p3[&option=value…]  Cluster (go-redis form)
//	redis+sentinel://[user:password@]s1:26379[,s2:26379…]/master[/db][?sentinel_password=…]
//
// rediss:// and rediss+sentinel:// use TLS (certificates are checked against each node's
// own host name). Options are go-redis's snake_case names (dial_timeout=2s, pool_size=64…).
// Several addresses mean a Cluster, since a single server has one address; one address
// is a single server to NewFromURL, while Open asks the server and switches to a Cluster
// client when it has cluster mode enabled, so one seed of a Cluster is enough.
//
// In the Sentinel form the user and password are those of the Redis master and replicas;
// the Sentinels' own credentials, when they have any, go in sentinel_username and
// sentinel_password.

// clusterReloadInterval bounds how long a Cluster client can route by a stale slot map
// without seeing an error (go-redis's default is 60 s). Reloading costs one CLUSTER SLOTS
// per interval and only when there is traffic. Errors trigger an immediate reload anyway
// (see Store.fail).
const clusterReloadInterval = 2 * time.Second

type urlKind int

const (
	kindSingle urlKind = iota
	kindCluster
	kindSentinel
)

// parsedURL is a Redis URL turned into go-redis options of one kind.
type parsedURL struct {
	kind     urlKind
	single   *redis.Options
	cluster  *redis.ClusterOptions
	failover *redis.FailoverOptions
	// asCluster is the same URL as a Cluster, for Open when a single address turns out to
	// be a Cluster node (nil when the URL cannot be one, e.g. it names a database).
	asCluster *redis.ClusterOptions
}

func (p parsedURL) client() redis.UniversalClient {
	switch p.kind {
	case kindCluster:
		return redis.NewClusterClient(p.cluster)
	case kindSentinel:
		return redis.NewFailoverClient(p.failover)
	}
	return redis.NewClient(p.single)
}

// NewFromURL returns a Store on the deployment a URL names (see the forms above). It does
// not connect, so a single address is always taken as a single server: use Open to have a
// Cluster node recognised, or Ping to check reachability. The error never contains the URL
// or a password from it.
func NewFromURL(rawURL string, opts ...Option) (*Store, error) {
	p, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	c := p.client()
	s, err := New(c, opts...)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	return s, nil
}

// Open connects to the deployment a URL names and returns a healthy Store. A single
// address whose server has cluster mode enabled is opened as a Cluster with that node as the
// seed (a plain client would fail with MOVED on every key of another master). It fails
// when the deployment is unreachable or, for a Cluster, when not every slot is served.
func Open(ctx context.Context, rawURL string, opts ...Option) (*Store, error) {
	p, err := parseURL(rawURL)
	if err != nil {
		return nil, err
	}
	if p.kind == kindSingle {
		// Probe on database 0: a Cluster node refuses SELECT of any other. One attempt: an
		// unreachable server is reported at once instead of after go-redis's retries.
		o := *p.single
		o.DB, o.MaxRetries, o.DialerRetries = 0, -1, 1
		probe := redis.NewClient(&o)
		info, err := probe.Info(ctx, "cluster").Result()
		_ = probe.Close()
		switch {
		case err != nil && !isReply(err):
			return nil, fmt.Errorf("%w: redisstore: cannot reach Redis: %w", astracaph.ErrStore, err)
		case err == nil && strings.Contains(info, "cluster_enabled:1"):
			if p.asCluster == nil {
				return nil, fmt.Errorf("%w: the server is a Cluster node, and a Cluster has only database 0", ErrInvalidURL)
			}
			p.kind, p.cluster = kindCluster, p.asCluster
		}
		// A server refusing INFO (renamed command) is taken as a single server.
	}
	c := p.client()
	s, err := New(c, opts...)
	if err != nil {
		_ = c.Close()
		return nil, err
	}
	if err := s.Ping(ctx); err != nil {
		_ = s.Close()
		return nil, err
	}
	return s, nil
}

// parseURL splits the host list itself (url.Parse takes "h1:1,h2:2" as one host and
// rejects "[::1]:1,[::1]:2"), then hands go-redis a URL of its own form.
func parseURL(raw string) (parsedURL, error) {
	p, secrets, err := parseURLSecrets(raw)
	if err != nil {
		// Whatever the cause, the message may quote parts of the URL: keep passwords out.
		msg := err.Error()
		for _, s := range secrets {
			if s != "" {
				msg = strings.ReplaceAll(msg, s, "…")
			}
		}
		return parsedURL{}, fmt.Errorf("%w: %s", ErrInvalidURL, msg)
	}
	return p, nil
}

func parseURLSecrets(raw string) (p parsedURL, secrets []string, err error) {
	scheme, rest, ok := strings.Cut(raw, "://")
	if !ok {
		return p, nil, errors.New("missing scheme (redis://, rediss://, redis+sentinel:// or rediss+sentinel://)")
	}
	sentinel := false
	switch scheme {
	case "redis", "rediss":
	case "redis+sentinel", "rediss+sentinel":
		sentinel, scheme = true, strings.TrimSuffix(scheme, "+sentinel")
	default:
		return p, nil, errors.New("scheme must be redis, rediss, redis+sentinel or rediss+sentinel")
	}
	end := strings.IndexAny(rest, "/?#")
	if end < 0 {
		end = len(rest)
	}
	authority, tail := rest[:end], rest[end:]
	userinfo, hostlist := "", authority
	if i := strings.LastIndex(authority, "@"); i >= 0 {
		userinfo, hostlist = authority[:i+1], authority[i+1:]
	}
	hosts := strings.Split(hostlist, ",")
	for _, h := range hosts {
		if h == "" {
			return p, nil, errors.New("missing host")
		}
	}
	u, err := url.Parse(scheme + "://" + userinfo + hosts[0] + tail)
	if err != nil {
		// url.Error repeats the whole URL, password included: keep only the reason.
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return p, nil, err
	}
	if u.User != nil {
		pw, _ := u.User.Password()
		secrets = append(secrets, pw, url.QueryEscape(pw), url.PathEscape(pw))
	}
	if u.Fragment != "" {
		return p, secrets, errors.New("unexpected fragment")
	}
	q, err := url.ParseQuery(u.RawQuery)
	if err != nil {
		return p, secrets, errors.New("malformed query")
	}
	for _, k := range []string{"password", "sentinel_password"} {
		for _, v := range q[k] {
			secrets = append(secrets, v, url.QueryEscape(v))
		}
	}
	for _, h := range hosts[1:] {
		if _, err := url.Parse("redis://" + h); err != nil || strings.ContainsAny(h, "@/?#") {
			return p, secrets, fmt.Errorf("bad address %q in the host list", h)
		}
	}
	if sentinel {
		p.kind = kindSentinel
		p.failover, err = parseSentinel(u, q, hosts[1:])
		return p, secrets, err
	}
	q["addr"] = append(hosts[1:], q["addr"]...)
	if len(q["addr"]) > 0 {
		p.kind = kindCluster
		p.cluster, err = parseCluster(u, q)
		return p, secrets, err
	}
	p.kind = kindSingle
	if p.single, err = redis.ParseURL(u.String()); err != nil {
		return p, secrets, err
	}
	if p.single.DB == 0 {
		// The same URL as a Cluster seed, in case Open finds a Cluster node there. Options
		// only a single server knows make it unusable as one, which Open reports then.
		p.asCluster, _ = parseCluster(u, q)
	}
	return p, secrets, nil
}

// parseCluster reads a Cluster URL whose q["addr"] lists the seeds after u's host.
func parseCluster(u *url.URL, q url.Values) (*redis.ClusterOptions, error) {
	if path := strings.Trim(u.Path, "/"); path != "" && path != "0" {
		return nil, errors.New("a Redis Cluster has only database 0")
	}
	if q.Has("db") {
		return nil, errors.New("a Redis Cluster has only database 0 (no db option)")
	}
	// go-redis's Cluster parser does not know skip_verify; apply it here.
	skipVerify, err := takeBool(q, "skip_verify")
	if err != nil {
		return nil, err
	}
	v := *u
	v.Path, v.RawPath, v.RawQuery = "", "", q.Encode()
	o, err := redis.ParseClusterURL(v.String())
	if err != nil {
		return nil, err
	}
	if o.TLSConfig != nil {
		// Each node's certificate is checked against that node's host name, not the seed's.
		o.TLSConfig.ServerName = ""
		o.TLSConfig.InsecureSkipVerify = skipVerify
	}
	o.ClusterStateReloadInterval = clusterReloadInterval
	return o, nil
}

// parseSentinel reads redis+sentinel://[user:pass@]s1[,s2…]/master[/db] into go-redis's
// Failover URL form, where the user info belongs to the Sentinels and the master name is
// a query option.
func parseSentinel(u *url.URL, q url.Values, more []string) (*redis.FailoverOptions, error) {
	for _, k := range []string{"master_name", "username", "password", "db"} {
		if q.Has(k) {
			return nil, fmt.Errorf("option %s is not used in a Sentinel URL: the master name and database are the path, the password the user info", k)
		}
	}
	parts := strings.Split(strings.Trim(u.Path, "/"), "/")
	if parts[0] == "" || len(parts) > 2 {
		return nil, errors.New("a Sentinel URL's path is /<master name>[/<db>]")
	}
	v := *u
	g := url.Values{}
	for k, vs := range q {
		switch k {
		case "sentinel_username", "sentinel_password":
		default:
			g[k] = vs
		}
	}
	g.Set("master_name", parts[0])
	g["addr"] = append(more, q["addr"]...)
	if u.User != nil {
		g.Set("username", u.User.Username())
		if pw, ok := u.User.Password(); ok {
			g.Set("password", pw)
		}
	}
	v.User = nil
	if q.Has("sentinel_username") || q.Has("sentinel_password") {
		v.User = url.UserPassword(q.Get("sentinel_username"), q.Get("sentinel_password"))
	}
	v.Path, v.RawPath = "", ""
	if len(parts) == 2 {
		v.Path = "/" + parts[1]
	}
	v.RawQuery = g.Encode()
	o, err := redis.ParseFailoverURL(v.String())
	if err != nil {
		return nil, err
	}
	if o.TLSConfig != nil {
		// Sentinels and the master each present a certificate for their own host name.
		o.TLSConfig.ServerName = ""
	}
	return o, nil
}

func takeBool(q url.Values, k string) (bool, error) {
	if !q.Has(k) {
		return false, nil
	}
	v := q.Get(k)
	q.Del(k)
	switch strings.ToLower(v) {
	case "1", "t", "true":
		return true, nil
	case "", "0", "f", "false":
		return false, nil
	}
	return false, fmt.Errorf("%s must be true or false", k)
}
