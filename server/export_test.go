package server

// Patterns returns the mux patterns s registered (test hook for the OpenAPI drift test).
func Patterns(s *Server) []string { return append([]string(nil), s.patterns...) }
