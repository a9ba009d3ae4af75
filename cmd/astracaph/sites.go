package main

import (
	"cmp"
	"context"
	"encoding/json"
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

// cmdSites manages registered sites directly in the shared store (REDIS_URL with the
// servers' ASTRACAPH_TOKEN_SECRET): add, list, delete, rotate.
func cmdSites(ctx context.Context, args []string, _ io.Reader, stdout, stderr io.Writer) int {
	if len(args) == 0 {
		fmt.Fprintln(stderr, "usage: astracaph sites add|list|delete|rotate [flags]")
		return 2
	}
	sub, args := args[0], args[1:]
	fs := flag.NewFlagSet("sites "+sub, flag.ContinueOnError)
	fs.SetOutput(stderr)
	domain := fs.String("domain", "", "site domain")
	name := fs.String("name", "", "site name (add)")
	origins := fs.String("origins", "", "extra allowed origins, comma-separated (add)")
	secret := fs.String("secret", "", "current site secret (delete, rotate)")
	siteKey := fs.String("site-key", "", "site key (rotate)")
	overlap := fs.Duration("overlap", 24*time.Hour, "how long the old secret keeps verifying (rotate)")
	redisURL := fs.String("redis-url", os.Getenv("REDIS_URL"), "Store shared with the servers (default: REDIS_URL).")
	prefix := fs.String("redis-prefix", cmp.Or(os.Getenv("ASTRACAPH_REDIS_PREFIX"), redisstore.DefaultPrefix), "Key prefix the servers use (default: ASTRACAPH_REDIS_PREFIX, else astracaph:).")
	if err := fs.Parse(args); err != nil {
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
		if err := c.DeleteSite(ctx, *domain, *secret); err != nil {
			fmt.Fprintln(stderr, "astracaph: sites delete:", err)
			return 1
		}
		fmt.Fprintln(stdout, "deleted", *domain)
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
	default:
		fmt.Fprintf(stderr, "astracaph: sites: unknown subcommand %q\n", sub)
		return 2
	}
	return 0
}
