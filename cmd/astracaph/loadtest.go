package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/loadtest"
)

// `astracaph loadtest` drives running servers with internal/loadtest and prints its report:
// flags → loadtest.Options, loadtest.Report → text or JSON.

// targetList is the repeatable -target flag.
type targetList []*url.URL

func (t *targetList) String() string {
	s := make([]string, len(*t))
	for i, u := range *t {
		s[i] = u.String()
	}
	return strings.Join(s, ",")
}

func (t *targetList) Set(raw string) error {
	u, err := loadtest.ParseTarget(raw)
	if err != nil {
		return err
	}
	*t = append(*t, u)
	return nil
}

// loadFlags is a loadtest.Options plus what only the command does.
type loadFlags struct {
	loadtest.Options
	json       bool
	cpuProfile string
}

func parseLoadFlags(args []string, stderr io.Writer) (loadFlags, error) {
	var c loadFlags
	var targets targetList
	fs := flag.NewFlagSet("loadtest", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Var(&targets, "target", "Base URL of a server under test; repeat it to spread the load over several servers (default http://127.0.0.1:8080).")
	fs.Var(&targets, "url", "Same as -target.")
	fs.StringVar(&c.Mode, "mode", "verify", "What to load: verify, flow or challenge.")
	fs.IntVar(&c.Concurrency, "c", 32, "Concurrent workers (and keep-alive connections).")
	fs.DurationVar(&c.Duration, "d", 10*time.Second, "Measured duration; with -n alone the run lasts until n.")
	fs.IntVar(&c.N, "n", 0, "Total measured requests (flows in flow mode); 0 runs until -d.")
	fs.DurationVar(&c.Warmup, "warmup", 0, "Unmeasured load before the measured phase.")
	fs.StringVar(&c.Origin, "origin", "https://load.example", "Origin the flows and tokens are bound to.")
	fs.StringVar(&c.TokenSecret, "token-secret", "", "The servers' ASTRACAPH_TOKEN_SECRET, so that verify mode mints its tokens offline, as a server would.")
	fs.StringVar(&c.OpenSecret, "open-secret", "", "The servers' ASTRACAPH_OPEN_SECRET, when they set one (with -token-secret).")
	fs.IntVar(&c.Tokens, "tokens", 0, "Verify mode: tokens to mint first (default: -n, or enough for -d; 10000 when minted by flows).")
	fs.DurationVar(&c.Timeout, "timeout", 10*time.Second, "Timeout of each request.")
	fs.BoolVar(&c.AllowSlow, "allow-slow", false, "Run even when one challenge takes the generator over 100ms to solve.")
	fs.BoolVar(&c.json, "json", false, "Print the report as JSON.")
	fs.StringVar(&c.cpuProfile, "cpuprofile", "", "Diagnostics: write the generator's CPU profile to this file.")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected argument %q", fs.Arg(0))
	}
	dSet := false
	fs.Visit(func(f *flag.Flag) { dSet = dSet || f.Name == "d" })
	if c.N > 0 && !dSet {
		c.Duration = 0
	}
	if len(targets) == 0 {
		_ = targets.Set("http://127.0.0.1:8080")
	}
	c.Targets = targets
	return c, c.Validate()
}

// cmdLoadtest runs the load generator; exit 0 when every measured request succeeded, 1 when
// some failed (the report says which), 2 on usage or setup errors.
func cmdLoadtest(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	cfg, err := parseLoadFlags(args, stderr)
	if err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintln(stderr, "astracaph: loadtest:", err)
		return 2
	}
	if cfg.cpuProfile != "" {
		stop, err := startCPUProfile(cfg.cpuProfile)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: loadtest: -cpuprofile:", err)
			return 2
		}
		defer stop()
	}
	cfg.Progress = stderr
	rep, err := loadtest.Run(ctx, cfg.Options)
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: loadtest:", err)
		return 2
	}
	if cfg.json {
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
	} else {
		writeLoadReport(stdout, rep)
	}
	if rep.ErrorTotal > 0 {
		return 1
	}
	return 0
}

func writeLoadReport(w io.Writer, r loadtest.Report) {
	fmt.Fprintf(w, "mode %s  url %s  c=%d  elapsed %.2fs\n", r.Mode, r.URL, r.Concurrency, r.Elapsed)
	fmt.Fprintf(w, "requests    %d\n", r.Requests)
	if r.Mode == "flow" {
		fmt.Fprintf(w, "flows       %d\n", r.Flows)
	}
	fmt.Fprintf(w, "errors      %d\n", r.ErrorTotal)
	keys := make([]string, 0, len(r.Errors))
	for k := range r.Errors {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		fmt.Fprintf(w, "  %-40s %d\n", k, r.Errors[k])
	}
	fmt.Fprintf(w, "throughput  %.1f req/s\n", r.Throughput)
	unit := "request"
	if r.Mode == "flow" {
		fmt.Fprintf(w, "flows/s     %.1f\n", r.FlowsPerSec)
		unit = "flow"
	}
	l := r.Latency
	fmt.Fprintf(w, "latency (%s)  p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n", unit, l.P50, l.P90, l.P99, l.Max)
	steps := make([]string, 0, len(r.Steps))
	for k := range r.Steps {
		steps = append(steps, k)
	}
	sort.Strings(steps)
	for _, k := range steps {
		l := r.Steps[k]
		fmt.Fprintf(w, "  %-10s p50 %.3fms  p90 %.3fms  p99 %.3fms  max %.3fms\n", k, l.P50, l.P90, l.P99, l.Max)
	}
	if r.Note != "" {
		fmt.Fprintln(w, "note:", r.Note)
	}
}
