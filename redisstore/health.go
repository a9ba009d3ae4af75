package redisstore

import (
	"bufio"
	"context"
	"fmt"
	"strings"

	"github.com/redis/go-redis/v9"
)

// Ping implements astracaph.Store. On a single server or Sentinel deployment it pings the
// master. On a Cluster it asks every master for CLUSTER INFO (reloading the slot map on the
// way) and fails unless each one reports cluster_state:ok with all 16384 slots assigned and
// ok: a node that merely answers PING says nothing about the slots of a dead master.
func (s *Store) Ping(ctx context.Context) error {
	if s.cluster == nil {
		if err := s.c.Ping(ctx).Err(); err != nil {
			return s.fail("ping", err)
		}
		return nil
	}
	// One node's view first: with no slot assigned anywhere there is no master to visit.
	info, err := s.cluster.ClusterInfo(ctx).Result()
	if err == nil {
		err = checkClusterInfo(info)
	}
	if err == nil {
		err = s.cluster.ForEachMaster(ctx, func(ctx context.Context, c *redis.Client) error {
			info, err := c.ClusterInfo(ctx).Result()
			if err != nil {
				return fmt.Errorf("%s: %w", c.Options().Addr, err)
			}
			if err := checkClusterInfo(info); err != nil {
				return fmt.Errorf("%s: %w", c.Options().Addr, err)
			}
			return nil
		})
	}
	if err != nil {
		return s.fail("ping", err)
	}
	return nil
}

// checkClusterInfo reads a CLUSTER INFO reply.
func checkClusterInfo(info string) error {
	f := map[string]string{}
	sc := bufio.NewScanner(strings.NewReader(info))
	for sc.Scan() {
		if k, v, ok := strings.Cut(strings.TrimSpace(sc.Text()), ":"); ok {
			f[k] = v
		}
	}
	if f["cluster_state"] != "ok" || f["cluster_slots_assigned"] != "16384" || f["cluster_slots_ok"] != "16384" {
		return fmt.Errorf("%w (cluster_state:%s, %s of 16384 slots assigned, %s ok)", ErrClusterDegraded,
			orNone(f["cluster_state"]), orNone(f["cluster_slots_assigned"]), orNone(f["cluster_slots_ok"]))
	}
	return nil
}

func orNone(s string) string {
	if s == "" {
		return "?"
	}
	return s
}
