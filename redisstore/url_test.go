package redisstore_test

import (
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"
	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/redisstore"
)

// Each URL form gives the client of its kind, with its addresses, credentials and TLS.
func TestURLForms(t *testing.T) {
	open := func(u string) redis.UniversalClient {
		t.Helper()
		s, err := redisstore.NewFromURL(u)
		require.NoError(t, err, u)
		t.Cleanup(func() { _ = s.Close() })
		return s.Client()
	}

	single := open("redis://:pw@cache.example:6380/3?dial_timeout=2s").(*redis.Client).Options()
	require.Equal(t, "cache.example:6380", single.Addr)
	require.Equal(t, "pw", single.Password)
	require.Equal(t, 3, single.DB)
	require.Equal(t, 2*time.Second, single.DialTimeout)
	require.Nil(t, single.TLSConfig)

	for _, u := range []string{
		"rediss://app:s3cret@n1.example:7000,n2.example:7001,[::1]:7002?pool_size=7",
		"rediss://app:s3cret@n1.example:7000?addr=n2.example:7001&addr=[::1]:7002&pool_size=7",
		"rediss://app:s3cret@n1.example:7000,n2.example:7001/0?addr=[::1]:7002&pool_size=7",
	} {
		c, ok := open(u).(*redis.ClusterClient)
		require.True(t, ok, "%s is a Cluster", u)
		o := c.Options()
		require.Equal(t, []string{"n1.example:7000", "n2.example:7001", "[::1]:7002"}, o.Addrs, u)
		require.Equal(t, "app", o.Username)
		require.Equal(t, "s3cret", o.Password)
		require.Equal(t, 7, o.PoolSize)
		require.NotNil(t, o.TLSConfig, "rediss means TLS")
		require.Empty(t, o.TLSConfig.ServerName, "each node is checked against its own name, not the first seed's")
		require.LessOrEqual(t, o.ClusterStateReloadInterval, 5*time.Second, "the slot map is refreshed well before go-redis's 60 s")
	}
	skip := open("rediss://n1:7000,n2:7001?skip_verify=true").(*redis.ClusterClient).Options()
	require.True(t, skip.TLSConfig.InsecureSkipVerify)

	// A Sentinel client is a *redis.Client whose dialler asks the Sentinels for the master;
	// the parsed options are checked through the failover options it was built from.
	fo := redisstore.FailoverOptions(t, "rediss+sentinel://app:mpw@s1.example:26379,s2.example:26380/mymaster/2?sentinel_password=spw&dial_timeout=1s")
	require.Equal(t, "mymaster", fo.MasterName)
	require.Equal(t, []string{"s1.example:26379", "s2.example:26380"}, fo.SentinelAddrs)
	require.Equal(t, "app", fo.Username)
	require.Equal(t, "mpw", fo.Password)
	require.Equal(t, "spw", fo.SentinelPassword)
	require.Equal(t, 2, fo.DB)
	require.Equal(t, time.Second, fo.DialTimeout)
	require.NotNil(t, fo.TLSConfig)
	require.Empty(t, fo.TLSConfig.ServerName)
	plain := redisstore.FailoverOptions(t, "redis+sentinel://s1:26379/mymaster")
	require.Nil(t, plain.TLSConfig)
	require.Zero(t, plain.DB)
	require.Empty(t, plain.Password)
	_, ok := open("redis+sentinel://s1:26379/mymaster").(*redis.Client)
	require.True(t, ok)
}

// The URLs the issue reported as refused or misread, and bad ones, never leak a password.
func TestURLErrors(t *testing.T) {
	for _, bad := range []string{
		"redis://h1:1,,h3:3",
		"redis://h1:1,h2:2/1",                        // a Cluster has only database 0
		"redis://h1:1?addr=h2:2&db=1",                //
		"redis://h1:1?addr=nope",                     // no port
		"redis://h1:1,h2:2?skip_verify=maybe",        //
		"redis://h1:1,h2:2?pool_size=lots",           //
		"redis+sentinel://s1:26379",                  // no master name
		"redis+sentinel://s1:26379/m/0/x",            //
		"redis+sentinel://s1:26379/m?master_name=m2", // said twice
		"redis+sentinel://s1:26379/m?password=x",     // the password is the user info
		"redis+sentinel://s1:26379/m/notadb",         //
		"redis+cluster://h1:1",                       //
		"redis://h1:1#frag",                          //
		"redis://u:hunter2secret@h1:1,h 2:2",         //
		"redis://u:hunter2secret@h1:1,h2:2/%zz",      //
		"redis://u:hunter2secret@h1:1,h2:2?dial_timeout=hunter2secret",
		"redis+sentinel://u:hunter2secret@s1/m?sentinel_password=hunter2secret&read_timeout=x",
		"redis+sentinel://s1/m?sentinel_password=hunter2secret&addr=hunter2secret",
		"redis://u:hunter2secret@h1:1?read_timeout=hunter2secret",
	} {
		_, err := redisstore.NewFromURL(bad)
		require.ErrorIs(t, err, redisstore.ErrInvalidURL, "%q", bad)
		require.NotContains(t, err.Error(), "hunter2secret", "the password never reaches an error")
		require.NotContains(t, err.Error(), bad, "the URL never reaches an error")
	}
}

// Regression: a prefix with a hash tag was accepted and then failed with CROSSSLOT on every
// site creation in a Cluster (the site keys must share their {sites} slot). It is refused.
func TestPrefixWithBraceBreaksSlots(t *testing.T) {
	for _, p := range []string{"app{}:", "{app}:", "a}b:", "x{"} {
		_, err := redisstore.New(redis.NewClient(&redis.Options{Addr: "127.0.0.1:1"}), redisstore.WithPrefix(p))
		require.ErrorIs(t, err, redisstore.ErrConfig, p)
		require.Contains(t, err.Error(), "brace")
		_, err = redisstore.NewFromURL("redis://127.0.0.1:1", redisstore.WithPrefix(p))
		require.ErrorIs(t, err, redisstore.ErrConfig, p)
	}
	s, err := redisstore.NewFromURL("redis://127.0.0.1:1", redisstore.WithPrefix("app-1:"))
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func TestReplicaAckOptionValidation(t *testing.T) {
	c := func() *redis.Client {
		return redis.NewClient(&redis.Options{Addr: "127.0.0.1:1", ReadTimeout: time.Second})
	}
	for _, o := range []redisstore.Option{
		redisstore.WithReplicaAck(-1, time.Second),
		redisstore.WithReplicaAck(1, 0),             // WAIT 1 0 blocks forever
		redisstore.WithReplicaAck(1, 2*time.Second), // longer than the read timeout
	} {
		_, err := redisstore.New(c(), o)
		require.ErrorIs(t, err, redisstore.ErrConfig)
	}
	ring := redis.NewRing(&redis.RingOptions{Addrs: map[string]string{"a": "127.0.0.1:1"}})
	defer ring.Close()
	_, err := redisstore.New(ring, redisstore.WithReplicaAck(1, 50*time.Millisecond))
	require.ErrorIs(t, err, redisstore.ErrConfig, "a Ring has no connection to WAIT on")
	s, err := redisstore.New(c(), redisstore.WithReplicaAck(0, 0))
	require.NoError(t, err, "n = 0 is off")
	require.NoError(t, s.Close())
	s, err = redisstore.New(redis.NewClusterClient(&redis.ClusterOptions{Addrs: []string{"127.0.0.1:1"}}), redisstore.WithReplicaAck(2, 100*time.Millisecond))
	require.NoError(t, err)
	require.NoError(t, s.Close())
}

func FuzzParseURL(f *testing.F) {
	for _, s := range []string{"redis://h1:1,h2:2", "rediss://u:p@h1:1?addr=h2:2&pool_size=2", "redis+sentinel://:p@s1,s2:26380/m/1?sentinel_password=q",
		"rediss+sentinel://s/m?skip_verify=true", "redis://[::1]:1,[::1]:2/0", "redis://h,", "redis+sentinel://s//", "redis://@", "redis://u:p@h?addr=%zz"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, u string) {
		s, err := redisstore.NewFromURL(u)
		if err != nil {
			require.ErrorIs(t, err, redisstore.ErrInvalidURL)
			if i := strings.Index(u, "@"); i > 0 {
				if _, pw, ok := strings.Cut(u[:i], ":"); ok && len(pw) > 12 && !strings.ContainsAny(pw, "/?#") {
					require.NotContains(t, err.Error(), pw)
				}
			}
			return
		}
		require.NoError(t, s.Close())
	})
}
