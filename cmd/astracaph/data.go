package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"slices"
	"strings"
	"time"

	"github.com/astracat/astracaph/ipintel"
)

// sourceFlags collects repeated -source name=url overrides.
type sourceFlags map[string]string

func (s sourceFlags) String() string { return fmt.Sprint(map[string]string(s)) }

func (s sourceFlags) Set(v string) error {
	name, url, ok := strings.Cut(v, "=")
	if !ok || name == "" || url == "" {
		return fmt.Errorf("want name=url, got %q", v)
	}
	s[name] = url
	return nil
}

// cmdData implements `astracaph data update`: it downloads the public IP and e-mail lists
// into a directory (read by ipintel.DefaultSources), one output line per file, and exits 1
// when any download failed (the previous copy of that file is kept).
func cmdData(ctx context.Context, args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	help := len(args) > 0 && (args[0] == "-h" || args[0] == "-help" || args[0] == "--help")
	if help {
		args = []string{"update", "-h"}
	}
	if len(args) == 0 || args[0] != "update" {
		fmt.Fprintln(stderr, "usage: astracaph data update -dir DIR [-source name=url ...] [-only name,...]")
		return 2
	}
	fs := flag.NewFlagSet("data update", flag.ContinueOnError)
	fs.SetOutput(stderr)
	if help {
		fs.SetOutput(stdout)
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), "usage: astracaph data update -dir DIR [-source name=url ...] [-only name,...]\n\n"+
			"Downloads the public IP lists (Tor exits, cloud ranges, VPN and hosting networks) and the disposable\n"+
			"e-mail domains into DIR, which astracaph serve reads with -data-dir and reloads when they change.\n\n")
		fs.PrintDefaults()
	}
	dir := fs.String("dir", "", "the directory to write the lists into; it is created if missing")
	only := fs.String("only", "", "download only these lists (comma-separated names; default: all)")
	timeout := fs.Duration("timeout", 2*time.Minute, "how long each download may take")
	overrides := sourceFlags{}
	fs.Var(overrides, "source", "replace a list's URL, as name=url (repeatable)")
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	if *dir == "" || fs.NArg() > 0 {
		fmt.Fprintln(stderr, "astracaph: data update: -dir is required and no positional arguments are accepted")
		return 2
	}
	dls := ipintel.DefaultDownloads()
	names := make([]string, len(dls))
	for i := range dls {
		names[i] = dls[i].Name
		if u, ok := overrides[dls[i].Name]; ok {
			dls[i].URL = u
		}
		dls[i].Timeout = *timeout
	}
	for name := range overrides {
		if !slices.Contains(names, name) {
			fmt.Fprintf(stderr, "astracaph: data update: unknown source %q (known: %s)\n", name, strings.Join(names, ", "))
			return 2
		}
	}
	if *only != "" {
		want := strings.Split(*only, ",")
		for _, n := range want {
			if !slices.Contains(names, n) {
				fmt.Fprintf(stderr, "astracaph: data update: unknown source %q (known: %s)\n", n, strings.Join(names, ", "))
				return 2
			}
		}
		dls = slices.DeleteFunc(dls, func(d ipintel.Download) bool { return !slices.Contains(want, d.Name) })
	}
	if err := os.MkdirAll(*dir, 0o755); err != nil {
		fmt.Fprintf(stderr, "astracaph: data update: %v\n", err)
		return 1
	}
	client := &http.Client{Timeout: *timeout}
	failed := 0
	for _, r := range ipintel.UpdateEach(ctx, *dir, dls, client) {
		if r.Err != nil {
			failed++
			fmt.Fprintf(stdout, "FAIL %-24s %s: %v\n", r.Name, r.Path, r.Err)
			continue
		}
		fmt.Fprintf(stdout, "ok   %-24s %s (%d bytes)\n", r.Name, r.Path, r.Bytes)
	}
	if failed > 0 {
		fmt.Fprintf(stderr, "astracaph: data update: %d of %d downloads failed; previous files kept\n", failed, len(dls))
		return 1
	}
	return 0
}
