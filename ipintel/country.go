package ipintel

import (
	"bytes"
	"cmp"
	"context"
	"fmt"
	"log/slog"
	"net/netip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Countries maps addresses to ISO 3166 alpha-2 country codes, offline, for the risk model's
// time-zone/country signal. It reads range tables in the ip-location-db CSV form
// (`start,end,country`, inclusive ranges, IPv4 and IPv6): by default the CC0 geo-whois-asn-country
// database (GeoFeed, then WHOIS, then ASN country), which `astracaph data update` downloads.
// Lookups are a bisection over sorted rows and do not allocate; Watch reloads changed files.
type Countries struct {
	paths []string
	log   *slog.Logger
	tab   atomic.Pointer[countryTable]

	mu    sync.Mutex
	tried []fileStamp
}

type countryTable struct {
	v4    []country4
	v6    []country6
	codes []string // interned country codes, indexed by the rows' cc
	index map[string]uint16
}

type country4 struct {
	start, end uint32
	cc         uint16
}

type country6 struct {
	start, end u128
	cc         uint16
}

// DefaultCountryFiles are the files DefaultDownloads writes into dir for Countries.
func DefaultCountryFiles(dir string) []string {
	return []string{filepath.Join(dir, fileCountry4), filepath.Join(dir, fileCountry6)}
}

// OpenCountries loads the country tables at paths; absent files are skipped (a fresh install
// without downloaded lists still starts, knowing no country), unparsable ones fail.
func OpenCountries(paths []string, log *slog.Logger) (*Countries, error) {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	c := &Countries{paths: slices.Clone(paths), log: log}
	if err := c.Reload(); err != nil {
		return nil, err
	}
	return c, nil
}

// Country returns the country code of a, or "" when no table covers it.
func (c *Countries) Country(a netip.Addr) string {
	if c == nil {
		return ""
	}
	t := c.tab.Load()
	if t == nil || !a.IsValid() {
		return ""
	}
	return t.lookup(a.Unmap())
}

// Len is the number of ranges loaded.
func (c *Countries) Len() int {
	t := c.tab.Load()
	if t == nil {
		return 0
	}
	return len(t.v4) + len(t.v6)
}

// Reload rereads every file; on error the previous tables stay.
func (c *Countries) Reload() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.reloadLocked()
}

func (c *Countries) reloadLocked() error {
	stamps := make([]fileStamp, len(c.paths))
	t := &countryTable{}
	for i, p := range c.paths {
		stamps[i] = stampFile(p)
		data, err := os.ReadFile(p)
		if os.IsNotExist(err) {
			continue
		}
		if err != nil {
			c.tried = stamps
			return err
		}
		if data, err = maybeGunzip(data, defaultMaxBytes); err != nil {
			c.tried = stamps
			return fmt.Errorf("%s: %w", p, err)
		}
		if err := t.parse(data); err != nil {
			c.tried = stamps
			return fmt.Errorf("%s: %w", p, err)
		}
	}
	t.sort()
	c.tried = stamps
	c.tab.Store(t)
	c.log.Info("ipintel: country tables loaded", "ranges", len(t.v4)+len(t.v6))
	return nil
}

// Watch reloads when a file changed, appeared or vanished, every interval, until ctx ends.
func (c *Countries) Watch(ctx context.Context, interval time.Duration) error {
	tk := time.NewTicker(interval)
	defer tk.Stop()
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-tk.C:
		}
		c.mu.Lock()
		cur := make([]fileStamp, len(c.paths))
		for i, p := range c.paths {
			cur[i] = stampFile(p)
		}
		if changed(c.tried, cur) {
			if err := c.reloadLocked(); err != nil {
				c.log.Error("ipintel: country reload failed, keeping previous tables", "err", err)
			}
		}
		c.mu.Unlock()
	}
}

// ParseCountries reads one range table (for tests and tools).
func ParseCountries(data []byte) (*Countries, error) {
	t := &countryTable{}
	if err := t.parse(data); err != nil {
		return nil, err
	}
	t.sort()
	c := &Countries{log: slog.New(slog.DiscardHandler)}
	c.tab.Store(t)
	return c, nil
}

// parse appends the rows of one CSV table. Blank lines and '#' comments are skipped; a row
// that is not `start,end,CC` with a two-letter code is counted bad; a file with no good row
// is an error, so an HTML error page never replaces a table.
func (t *countryTable) parse(data []byte) error {
	good, bad := 0, 0
	for line := range bytes.Lines(data) {
		s := strings.TrimSpace(string(line))
		if s == "" || s[0] == '#' {
			continue
		}
		f := strings.Split(s, ",")
		if len(f) != 3 {
			bad++
			continue
		}
		start, ok1 := parseAddrLoose(strings.Trim(f[0], `" `))
		end, ok2 := parseAddrLoose(strings.Trim(f[1], `" `))
		cc := strings.ToUpper(strings.Trim(f[2], `" `))
		if !ok1 || !ok2 || start.Is4() != end.Is4() || end.Less(start) || len(cc) != 2 || !isLetters(cc) {
			bad++
			continue
		}
		good++
		code, seen := t.index[cc]
		if !seen {
			if t.index == nil {
				t.index = map[string]uint16{}
			}
			code = uint16(len(t.codes))
			t.index[cc] = code
			t.codes = append(t.codes, cc)
		}
		if start.Is4() {
			t.v4 = append(t.v4, country4{addr4(start), addr4(end), code})
		} else {
			t.v6 = append(t.v6, country6{addr6(start), addr6(end), code})
		}
	}
	if good == 0 {
		return fmt.Errorf("%w (%d bad rows)", ErrNoEntries, bad)
	}
	return nil
}

func isLetters(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < 'A' || s[i] > 'Z' {
			return false
		}
	}
	return true
}

func (t *countryTable) sort() {
	slices.SortFunc(t.v4, func(a, b country4) int { return cmp.Compare(a.start, b.start) })
	slices.SortFunc(t.v6, func(a, b country6) int { return a.start.cmp(b.start) })
}

func (t *countryTable) lookup(a netip.Addr) string {
	if a.Is4() {
		x := addr4(a)
		i, _ := slices.BinarySearchFunc(t.v4, x, func(r country4, x uint32) int {
			if r.start > x {
				return 1
			}
			return -1 // first row with start > x
		})
		if i == 0 || t.v4[i-1].end < x {
			return ""
		}
		return t.codes[t.v4[i-1].cc]
	}
	x := addr6(a)
	i, _ := slices.BinarySearchFunc(t.v6, x, func(r country6, x u128) int {
		if r.start.cmp(x) > 0 {
			return 1
		}
		return -1
	})
	if i == 0 || t.v6[i-1].end.cmp(x) < 0 {
		return ""
	}
	return t.codes[t.v6[i-1].cc]
}
