package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/astracat/astracaph/risk"
)

// cmdRisk implements `astracaph risk eval -humans FILE -bots FILE`: it replays labelled
// redemptions (JSON Lines of telemetry documents or cases, see docs/risk.md) through the
// default scorer, humans first and then bots through one replay memory as a server would,
// and prints per class how many got a token, a visual step or a denial. It exits 1 when a
// human was denied.
func cmdRisk(_ context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	const use = "usage: astracaph risk eval -humans FILE -bots FILE [-allow-altcha-widget] [-labels] [-reasons]"
	if len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help") {
		fmt.Fprintln(stdout, use)
		return 0
	}
	if len(args) == 0 || args[0] != "eval" {
		fmt.Fprintln(stderr, use)
		return 2
	}
	fs := flag.NewFlagSet("risk eval", flag.ContinueOnError)
	fs.SetOutput(stderr)
	humans := fs.String("humans", "", "redemptions by people (JSON Lines or a JSON array)")
	bots := fs.String("bots", "", "redemptions by scripts")
	allow := fs.Bool("allow-altcha-widget", false, "score as a server that accepts the official ALTCHA widget (no telemetry)")
	reasons := fs.Bool("reasons", false, "also print how often each reason code contributed")
	labels := fs.Bool("labels", false, "also print the counts per case label")
	if code, stop := parseFlags(fs, args[1:]); stop {
		return code
	}
	if (*humans == "" && *bots == "") || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "astracaph: risk eval: give -humans and/or -bots")
		return 2
	}
	ev := &risk.Evaluator{AllowALTCHAWidget: *allow}
	type class struct {
		name, path string
		out        risk.EvalOutcome
	}
	classes := []*class{{name: "humans", path: *humans}, {name: "bots", path: *bots}}
	fmt.Fprintf(stdout, "%-7s %7s %7s %7s %7s\n", "class", "total", "token", "visual", "deny")
	for _, c := range classes {
		if c.path == "" {
			continue
		}
		f, err := os.Open(c.path)
		if err != nil {
			fmt.Fprintf(stderr, "astracaph: risk eval: %v\n", err)
			return 1
		}
		cases, err := risk.ParseEvalCases(f)
		f.Close()
		if err != nil {
			fmt.Fprintf(stderr, "astracaph: risk eval: %s: %v\n", c.path, err)
			return 1
		}
		byLabel := map[string]*risk.EvalOutcome{}
		var order []string
		for _, rc := range cases {
			a := ev.Eval(rc)
			c.out.Count(a)
			if *labels {
				l := rc.Label
				if byLabel[l] == nil {
					byLabel[l] = &risk.EvalOutcome{}
					order = append(order, l)
				}
				byLabel[l].Count(a)
			}
		}
		defer func() {
			for _, l := range order {
				o := byLabel[l]
				fmt.Fprintf(stdout, "  %-40s %5d %5d %5d %5d\n", l, o.Total(), o.Token, o.Visual, o.Deny)
			}
		}()
		o := c.out
		fmt.Fprintf(stdout, "%-7s %7d %7d %7d %7d   token %.1f%%\n", c.name, o.Total(), o.Token, o.Visual, o.Deny, pct(o.Token, o.Total()))
	}
	if *reasons {
		for _, c := range classes {
			if c.out.Total() == 0 {
				continue
			}
			codes := make([]string, 0, len(c.out.Reasons))
			for k := range c.out.Reasons {
				codes = append(codes, k)
			}
			sort.Slice(codes, func(i, j int) bool { return c.out.Reasons[codes[i]] > c.out.Reasons[codes[j]] })
			var b strings.Builder
			for _, k := range codes {
				fmt.Fprintf(&b, " %s=%d", k, c.out.Reasons[k])
			}
			fmt.Fprintf(stdout, "%s reasons:%s\n", c.name, b.String())
		}
	}
	if classes[0].out.Deny > 0 {
		return 1
	}
	return 0
}

func pct(a, n int) float64 {
	if n == 0 {
		return 0
	}
	return 100 * float64(a) / float64(n)
}
