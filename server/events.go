package server

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/netip"
	"sync"
	"time"
)

// hub fans API events out to sandbox subscribers, each seeing only the requests of its own
// client address. Slow subscribers drop events rather than block the API.
type hub struct {
	mu   sync.Mutex
	subs map[chan Event]netip.Addr
}

func newHub() *hub { return &hub{subs: map[chan Event]netip.Addr{}} }

const (
	maxSubscribers        = 256
	maxSubscribersPerAddr = 4 // one client cannot hold every stream
)

func (h *hub) subscribe(ip netip.Addr) (chan Event, bool) {
	h.mu.Lock()
	defer h.mu.Unlock()
	if len(h.subs) >= maxSubscribers {
		return nil, false
	}
	n := 0
	for _, a := range h.subs {
		if a == ip {
			n++
		}
	}
	if n >= maxSubscribersPerAddr {
		return nil, false
	}
	ch := make(chan Event, 32)
	h.subs[ch] = ip
	return ch, true
}

func (h *hub) unsubscribe(ch chan Event) {
	h.mu.Lock()
	delete(h.subs, ch)
	h.mu.Unlock()
}

func (h *hub) publish(e Event) {
	h.mu.Lock()
	defer h.mu.Unlock()
	for ch, ip := range h.subs {
		if ip == e.ClientIP {
			select {
			case ch <- e:
			default:
			}
		}
	}
}

// emit records an event for observers and the sandbox.
func (s *Server) emit(r *http.Request, start time.Time, e Event) {
	e.Time, e.Path, e.Duration, e.ClientIP = start.UTC(), r.URL.Path, time.Since(start), s.clientIP(r)
	for _, o := range s.cfg.observers {
		o(e)
	}
	if s.cfg.sandbox {
		if !s.cfg.dev {
			e.Score, e.Reasons = nil, nil // see WithDevelopment
		}
		s.events.publish(e)
	}
}

// sandboxEvents streams the caller's own API events as server-sent events.
func (s *Server) sandboxEvents(w http.ResponseWriter, r *http.Request) {
	fl, ok := w.(http.Flusher)
	if !ok {
		writeError(w, http.StatusInternalServerError, "no-streaming", "streaming unsupported")
		return
	}
	ch, ok := s.events.subscribe(s.clientIP(r))
	if !ok {
		w.Header().Set("Retry-After", "30")
		writeError(w, http.StatusTooManyRequests, "too-many-streams", "too many sandbox listeners; close other sandbox tabs")
		return
	}
	defer s.events.unsubscribe(ch)
	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	fmt.Fprint(w, ": astracaph sandbox events\n\n")
	fl.Flush()
	ping := time.NewTicker(20 * time.Second)
	defer ping.Stop()
	for {
		select {
		case <-r.Context().Done():
			return
		case <-ping.C:
			fmt.Fprint(w, ": ping\n\n")
			fl.Flush()
		case e := <-ch:
			b, _ := json.Marshal(e)
			fmt.Fprintf(w, "data: %s\n\n", b)
			fl.Flush()
		}
	}
}
