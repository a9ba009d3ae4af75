package testenv

import (
	"fmt"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Sentinel is a throwaway Sentinel deployment on loopback: one master, one replica and a
// few Sentinels watching them under the master name Name.
type Sentinel struct {
	t         testing.TB
	Name      string
	Master    *Redis
	Replica   *Redis
	Sentinels []*Redis
}

// StartSentinel starts a master, its replica and n Sentinels (quorum 1) that consider the
// master down after downAfter, and waits until every Sentinel knows the replica and the
// other Sentinels (so a failover can be authorised). Skips like NewRedis.
func StartSentinel(t testing.TB, n int, downAfter time.Duration) *Sentinel {
	t.Helper()
	s := &Sentinel{t: t, Name: "astracaph-test"}
	s.Master = NewRedis(t, "--repl-diskless-sync-delay", "0")
	host, port, _ := net.SplitHostPort(s.Master.Addr)
	s.Replica = NewRedis(t, "--replicaof", host, port, "--repl-diskless-sync-delay", "0")
	for range n {
		conf := filepath.Join(t.TempDir(), "sentinel.conf")
		body := fmt.Sprintf("sentinel monitor %[1]s %[2]s %[3]s 1\nsentinel down-after-milliseconds %[1]s %[4]d\n"+
			"sentinel failover-timeout %[1]s %[5]d\nsentinel parallel-syncs %[1]s 1\n",
			s.Name, host, port, downAfter.Milliseconds(), (3 * downAfter).Milliseconds())
		if err := os.WriteFile(conf, []byte(body), 0o600); err != nil {
			t.Fatalf("testenv: sentinel config: %v", err)
		}
		s.Sentinels = append(s.Sentinels, newRedis(t, conf, "--sentinel"))
	}
	deadline := time.Now().Add(60 * time.Second)
	for !s.ready(n) {
		if time.Now().After(deadline) {
			t.Fatalf("testenv: Sentinels did not discover the replica and each other in time")
		}
		time.Sleep(50 * time.Millisecond)
	}
	return s
}

func (s *Sentinel) ready(n int) bool {
	if InfoField(s.Replica.Addr, "replication", "master_link_status") != "up" {
		return false
	}
	for _, x := range s.Sentinels {
		reps, err := RedisDo(x.Addr, "SENTINEL", "REPLICAS", s.Name)
		if err != nil || len(reps.([]any)) != 1 {
			return false
		}
		peers, err := RedisDo(x.Addr, "SENTINEL", "SENTINELS", s.Name)
		if err != nil || len(peers.([]any)) != n-1 {
			return false
		}
	}
	return true
}

// Addrs returns the Sentinels' addresses.
func (s *Sentinel) Addrs() []string {
	out := make([]string, len(s.Sentinels))
	for i, x := range s.Sentinels {
		out[i] = x.Addr
	}
	return out
}

// URL returns the redis+sentinel:// URL of the deployment (database db).
func (s *Sentinel) URL(db int) string {
	return "redis+sentinel://" + strings.Join(s.Addrs(), ",") + "/" + s.Name + "/" + strconv.Itoa(db)
}

// MasterAddr returns the master's address as the first answering Sentinel reports it.
func (s *Sentinel) MasterAddr() string {
	for _, x := range s.Sentinels {
		if !x.Running() {
			continue
		}
		v, err := RedisDo(x.Addr, "SENTINEL", "GET-MASTER-ADDR-BY-NAME", s.Name)
		if a, ok := v.([]any); err == nil && ok && len(a) == 2 {
			return net.JoinHostPort(a[0].(string), a[1].(string))
		}
	}
	return ""
}
