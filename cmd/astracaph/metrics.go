package main

import (
	"fmt"
	"net/http"
	"sort"
	"strconv"
	"sync"

	"github.com/astracat/astracaph/server"
)

// metrics keeps request counters and latency histograms and writes them in the
// Prometheus text exposition format. It lives in the command so the library carries no
// metrics dependency.
type metrics struct {
	mu       sync.Mutex
	requests map[[3]string]uint64 // kind, status, decision
	hist     map[string]*histogram
}

var latencyBuckets = []float64{0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1}

type histogram struct {
	counts []uint64
	sum    float64
	n      uint64
}

func newMetrics() *metrics {
	return &metrics{requests: map[[3]string]uint64{}, hist: map[string]*histogram{}}
}

func (m *metrics) observe(e server.Event) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.requests[[3]string{e.Kind, strconv.Itoa(e.Status), e.Decision}]++
	h := m.hist[e.Kind]
	if h == nil {
		h = &histogram{counts: make([]uint64, len(latencyBuckets))}
		m.hist[e.Kind] = h
	}
	s := e.Duration.Seconds()
	for i, b := range latencyBuckets {
		if s <= b {
			h.counts[i]++
		}
	}
	h.sum += s
	h.n++
}

func (m *metrics) ServeHTTP(w http.ResponseWriter, _ *http.Request) {
	m.mu.Lock()
	defer m.mu.Unlock()
	w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
	fmt.Fprintln(w, "# HELP astracaph_requests_total API requests by kind, status and decision.")
	fmt.Fprintln(w, "# TYPE astracaph_requests_total counter")
	keys := make([][3]string, 0, len(m.requests))
	for k := range m.requests {
		keys = append(keys, k)
	}
	sort.Slice(keys, func(i, j int) bool {
		return keys[i][0]+keys[i][1]+keys[i][2] < keys[j][0]+keys[j][1]+keys[j][2]
	})
	for _, k := range keys {
		fmt.Fprintf(w, "astracaph_requests_total{kind=%q,status=%q,decision=%q} %d\n", k[0], k[1], k[2], m.requests[k])
	}
	fmt.Fprintln(w, "# HELP astracaph_request_duration_seconds API request latency by kind.")
	fmt.Fprintln(w, "# TYPE astracaph_request_duration_seconds histogram")
	kinds := make([]string, 0, len(m.hist))
	for k := range m.hist {
		kinds = append(kinds, k)
	}
	sort.Strings(kinds)
	for _, k := range kinds {
		h := m.hist[k]
		for i, b := range latencyBuckets {
			fmt.Fprintf(w, "astracaph_request_duration_seconds_bucket{kind=%q,le=%q} %d\n", k, strconv.FormatFloat(b, 'g', -1, 64), h.counts[i])
		}
		fmt.Fprintf(w, "astracaph_request_duration_seconds_bucket{kind=%q,le=\"+Inf\"} %d\n", k, h.n)
		fmt.Fprintf(w, "astracaph_request_duration_seconds_sum{kind=%q} %g\n", k, h.sum)
		fmt.Fprintf(w, "astracaph_request_duration_seconds_count{kind=%q} %d\n", k, h.n)
	}
}
