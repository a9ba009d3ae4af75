package testenv

import (
	"fmt"
	"net"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// Cluster is a throwaway Redis Cluster on loopback: masters with the hash slots split
// evenly and, optionally, one replica per master. Nodes are Redis handles, so a test can
// kill (Stop), freeze (Pause) or restart any of them.
type Cluster struct {
	t        testing.TB
	Masters  []*Redis
	Replicas []*Redis // Replicas[i] replicates Masters[i] at start; empty without replicas
	ids      map[*Redis]string
}

// StartCluster starts masters nodes (and one replica each when replicas is true) with the
// given cluster-node-timeout, which bounds failure detection and so failover time, and
// waits until every slot is served and every replica is in sync. Skips like NewRedis.
func StartCluster(t testing.TB, masters int, replicas bool, nodeTimeout time.Duration) *Cluster {
	t.Helper()
	c := &Cluster{t: t, ids: map[*Redis]string{}}
	args := []string{
		"--cluster-enabled", "yes", "--cluster-node-timeout", strconv.FormatInt(nodeTimeout.Milliseconds(), 10),
		// A replica may take over whatever the age of its data: tests freeze replicas on
		// purpose, and failover must still happen.
		"--cluster-replica-validity-factor", "0",
		"--cluster-allow-replica-migration", "no",
		// Full syncs start at once instead of waiting 5 s for more replicas.
		"--repl-diskless-sync-delay", "0",
	}
	for range masters {
		c.Masters = append(c.Masters, NewRedis(t, args...))
	}
	if replicas {
		for range masters {
			c.Replicas = append(c.Replicas, NewRedis(t, args...))
		}
	}
	all := c.Nodes()
	for _, n := range all {
		id, err := RedisString(n.Addr, "CLUSTER", "MYID")
		if err != nil {
			t.Fatalf("testenv: CLUSTER MYID on %s: %v", n.Addr, err)
		}
		c.ids[n] = id
	}
	for i, m := range c.Masters {
		lo, hi := i*16384/masters, (i+1)*16384/masters-1
		c.must(m.Addr, "CLUSTER", "ADDSLOTSRANGE", strconv.Itoa(lo), strconv.Itoa(hi))
	}
	host, port, _ := net.SplitHostPort(all[0].Addr)
	for _, n := range all[1:] {
		c.must(n.Addr, "CLUSTER", "MEET", host, port)
	}
	c.wait("every node knows every other", func() bool {
		for _, n := range all {
			s, err := RedisString(n.Addr, "CLUSTER", "NODES")
			if err != nil || strings.Count(strings.TrimSpace(s), "\n")+1 != len(all) {
				return false
			}
		}
		return true
	})
	for i, r := range c.Replicas {
		c.must(r.Addr, "CLUSTER", "REPLICATE", c.ids[c.Masters[i]])
	}
	c.WaitHealthy(30 * time.Second)
	return c
}

// Nodes returns every node, masters first.
func (c *Cluster) Nodes() []*Redis { return append(slices.Clone(c.Masters), c.Replicas...) }

// Seeds returns the masters' addresses.
func (c *Cluster) Seeds() []string {
	out := make([]string, len(c.Masters))
	for i, m := range c.Masters {
		out[i] = m.Addr
	}
	return out
}

// ID returns a node's cluster node id.
func (c *Cluster) ID(n *Redis) string { return c.ids[n] }

// WaitHealthy waits until every running node reports cluster_state:ok with all slots ok
// and every running replica's link to its master is up.
func (c *Cluster) WaitHealthy(timeout time.Duration) {
	c.t.Helper()
	deadline := time.Now().Add(timeout)
	for !c.healthy() {
		if time.Now().After(deadline) {
			c.t.Fatalf("testenv: cluster not healthy after %v:\n%s", timeout, c.describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (c *Cluster) healthy() bool {
	for _, n := range c.Nodes() {
		if !n.Running() {
			continue
		}
		info, err := RedisString(n.Addr, "CLUSTER", "INFO")
		if err != nil || infoField(info, "cluster_state") != "ok" || infoField(info, "cluster_slots_ok") != "16384" {
			return false
		}
		repl, err := RedisString(n.Addr, "INFO", "replication")
		if err != nil {
			return false
		}
		if infoField(repl, "role") == "slave" && infoField(repl, "master_link_status") != "up" {
			return false
		}
	}
	return true
}

func (c *Cluster) describe() string {
	var b strings.Builder
	for _, n := range c.Nodes() {
		s, err := RedisString(n.Addr, "CLUSTER", "NODES")
		fmt.Fprintf(&b, "%s (running %v): %v\n%s\n", n.Addr, n.Running(), err, s)
	}
	return b.String()
}

// MasterFor returns the node currently serving key's slot as master, asking a running node.
func (c *Cluster) MasterFor(key string) *Redis {
	c.t.Helper()
	for _, n := range c.Nodes() {
		if !n.Running() {
			continue
		}
		slot, err := RedisDo(n.Addr, "CLUSTER", "KEYSLOT", key)
		if err != nil {
			continue
		}
		ranges, err := RedisDo(n.Addr, "CLUSTER", "SLOTS")
		if err != nil {
			continue
		}
		for _, r := range ranges.([]any) {
			rr := r.([]any)
			lo, hi := rr[0].(int64), rr[1].(int64)
			if s := slot.(int64); s < lo || s > hi {
				continue
			}
			m := rr[2].([]any)
			addr := net.JoinHostPort(m[0].(string), strconv.FormatInt(m[1].(int64), 10))
			for _, x := range c.Nodes() {
				if x.Addr == addr {
					return x
				}
			}
		}
	}
	c.t.Fatalf("testenv: no running node knows the master of %q", key)
	return nil
}

// ReplicaOf returns the replica started for master m (nil without replicas).
func (c *Cluster) ReplicaOf(m *Redis) *Redis {
	for i, x := range c.Masters {
		if x == m && i < len(c.Replicas) {
			return c.Replicas[i]
		}
	}
	for i, x := range c.Replicas {
		if x == m {
			return c.Masters[i] // after a failover the roles are swapped
		}
	}
	return nil
}

// Role returns "master" or "slave" as the node itself reports it ("" when unreachable).
func (c *Cluster) Role(n *Redis) string { return InfoField(n.Addr, "replication", "role") }

func (c *Cluster) must(addr string, args ...string) {
	c.t.Helper()
	if _, err := RedisDo(addr, args...); err != nil {
		c.t.Fatalf("testenv: %s on %s: %v", strings.Join(args, " "), addr, err)
	}
}

func (c *Cluster) wait(what string, ok func() bool) {
	c.t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !ok() {
		if time.Now().After(deadline) {
			c.t.Fatalf("testenv: cluster set-up: timed out waiting until %s:\n%s", what, c.describe())
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// URL returns the comma-list Cluster URL of the masters (redis://h1:p1,h2:p2,…).
func (c *Cluster) URL() string { return "redis://" + strings.Join(c.Seeds(), ",") }
