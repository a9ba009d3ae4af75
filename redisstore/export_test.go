package redisstore

// ForceScriptConsume makes s use the pre-7.0 Lua path of ConsumeOnce.
func ForceScriptConsume(s *Store) { s.noSetGet.Store(true) }

// UsesScriptConsume reports whether s switched to the Lua path.
func UsesScriptConsume(s *Store) bool { return s.noSetGet.Load() }
