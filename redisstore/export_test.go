package redisstore

import "time"

// SetClock replaces the store's clock (epoch values).
func SetClock(s *Store, now func() time.Time) { s.now = now }
