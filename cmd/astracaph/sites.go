package main

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"time"

	"github.com/astracat/astracaph"
	"github.com/astracat/astracaph/redisstore"
)

const sitesUsage = `usage:
  astracaph sites add    -domain DOMAIN [-name NAME] [-origins ORIGIN,...]
  astracaph sites list
  astracaph sites delete (-domain DOMAIN | -site-key pk_live_...) -secret sk_live_...
  astracaph sites rotate (-domain DOMAIN | -site-key pk_live_...) -secret sk_live_... [-overlap 24h]

Manages the sites in the Redis store the servers share: set REDIS_URL and ASTRACAPH_TOKEN_SECRET
to the servers' values. A server with the memory store registers sites over HTTP instead
(POST /api/v1/sites). add prints the site key (for the widget's data-sitekey) and the secret
(for the backend that verifies tokens), once.

`

// cmdSites manages registered sites directly in the shared store (REDIS_URL with the
// servers' ASTRACAPH_TOKEN_SECRET): add, list, delete, rotate.
func cmdSites(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprint(stderr, sitesUsage)
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("sites "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	if sub == "-h" || sub == "-help" || sub == "--help" || sub == "help" {
		fs.SetOutput(stdout)
		args = []string{"-h"}
	}
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), sitesUsage)
		fs.PrintDefaults()
	}
	domain := fs.String("domain", "", "the site's domain, e.g. example.com (add; or to name the site for delete and rotate)")
	name := fs.String("name", "", "a label for people (add)")
	origins := fs.String("origins", "", "extra origins allowed besides the domain, comma-separated, e.g. http://localhost:3000 (add)")
	secret := fs.String("secret", "", "the site's current secret, sk_live_... (delete, rotate)")
	siteKey := fs.String("site-key", "", "the site key, pk_live_..., to name the site instead of -domain (delete, rotate)")
	overlap := fs.Duration("overlap", 24*time.Hour, "how long the old secret keeps verifying after a rotation (rotate)")
	redisURL := fs.String("redis-url", os.Getenv("REDIS_URL"), "the Redis URL of the store the servers share (default $REDIS_URL)")
	prefix := fs.String("redis-prefix", cmp.Or(os.Getenv("ASTRACAPH_REDIS_PREFIX"), redisstore.DefaultPrefix), "the key prefix the servers use (default $ASTRACAPH_REDIS_PREFIX, else astracaph:)")
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		return 2
	}
	switch sub {
	case "add", "list", "delete", "rotate":
	default:
		fmt.Fprintf(stderr, "astracaph: sites: unknown subcommand %q\n\n%s", sub, sitesUsage)
		return 2
	}
	if (sub == "delete" || sub == "rotate") && *domain == "" && *siteKey == "" {
		fmt.Fprintf(stderr, "astracaph: sites %s: name the site with -domain or -site-key\n", sub)
		return 2
	}
	tokenSecret := os.Getenv("ASTRACAPH_TOKEN_SECRET")
	if *redisURL == "" || tokenSecret == "" {
		fmt.Fprintln(stderr, "astracaph: sites: set REDIS_URL and ASTRACAPH_TOKEN_SECRET to the values the servers use (a memory store lives only inside one server; use POST /api/v1/sites there)")
		return 2
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: slog.LevelWarn}))
	st, closeFn, err := openRedis(ctx, *redisURL, log, redisstore.WithPrefix(*prefix))
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: sites:", err)
		return 1
	}
	defer closeFn()
	c, err := astracaph.New(astracaph.WithStore(st), astracaph.WithSecret([]byte(tokenSecret)), astracaph.WithLogger(log))
	if err != nil {
		fmt.Fprintln(stderr, "astracaph: sites:", err)
		return 1
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	switch sub {
	case "add":
		var o []string
		if *origins != "" {
			o = strings.Split(*origins, ",")
		}
		creds, err := c.RegisterSite(ctx, astracaph.SiteRequest{Domain: *domain, Name: *name, Origins: o})
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: sites add:", err)
			return 1
		}
		_ = enc.Encode(creds)
	case "list":
		sites, err := c.ListSites(ctx)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: sites list:", err)
			return 1
		}
		_ = enc.Encode(sites)
	case "delete":
		d := *domain
		if d == "" {
			s, err := c.GetSite(ctx, *siteKey)
			if err != nil {
				fmt.Fprintln(stderr, "astracaph: sites delete:", err)
				return 1
			}
			d = s.Domain
		}
		if err := c.DeleteSite(ctx, d, *secret); err != nil {
			fmt.Fprintln(stderr, "astracaph: sites delete:", err)
			return 1
		}
		fmt.Fprintln(stdout, "deleted", d)
	case "rotate":
		key := *siteKey
		if key == "" && *domain != "" {
			s, err := c.SiteByDomain(ctx, *domain)
			if err != nil {
				fmt.Fprintln(stderr, "astracaph: sites rotate:", err)
				return 1
			}
			key = s.SiteKey
		}
		creds, err := c.RotateSecret(ctx, key, *secret, *overlap)
		if err != nil {
			fmt.Fprintln(stderr, "astracaph: sites rotate:", err)
			return 1
		}
		_ = enc.Encode(creds)
	}
	return 0
}
