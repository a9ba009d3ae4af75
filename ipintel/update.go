package ipintel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"time"
)

// Download is one public list fetched by Update into dir/File.
type Download struct {
	Name string
	URL  string
	File string // base name inside the target directory
	// Format, when set, must parse with at least one entry before the file is replaced, so an
	// HTML error page served with status 200 never overwrites a good list.
	Format Format
	// MaxBytes bounds the body; default 64 MiB.
	MaxBytes int64
	// Timeout bounds the whole download; default 2 minutes.
	Timeout time.Duration
}

// UpdateResult reports one download.
type UpdateResult struct {
	Name  string
	Path  string
	Bytes int64
	Err   error // nil on success; on failure the previous file (if any) is untouched
}

// File names written by DefaultDownloads and read by DefaultSources.
const (
	fileTorBulk          = "tor-bulk-exit-list.txt"
	fileTorExitAddresses = "tor-exit-addresses.txt"
	fileX4BDC4           = "x4bnet-datacenter-ipv4.txt"
	fileX4BDC6           = "x4bnet-datacenter-ipv6.txt"
	fileX4BVPN4          = "x4bnet-vpn-ipv4.txt"
	fileX4BVPN6          = "x4bnet-vpn-ipv6.txt"
	fileBadASN           = "bad-asn-list.csv"
	fileAWS              = "aws-ip-ranges.json"
	fileGoogle           = "google-cloud.json"
	fileOracle           = "oracle-public-ip-ranges.json"
	fileCountry4         = "geo-whois-asn-country-ipv4.csv"
	fileCountry6         = "geo-whois-asn-country-ipv6.csv"
	// FileDisposableEmail is the disposable-email-domains blocklist used by the spam filter.
	FileDisposableEmail = "disposable_email_blocklist.conf"
)

// DefaultDownloads returns the public lists with their upstream URLs. Callers may change any
// URL (mirrors, air-gapped hosts) before passing the slice to Update.
func DefaultDownloads() []Download {
	const x4b = "https://raw.githubusercontent.com/X4BNet/lists_vpn/main/output/"
	const country = "https://cdn.jsdelivr.net/npm/@ip-location-db/geo-whois-asn-country/"
	return []Download{
		{Name: "tor-bulk-exit-list", URL: "https://check.torproject.org/torbulkexitlist", File: fileTorBulk, Format: FormatTor},
		{Name: "tor-exit-addresses", URL: "https://check.torproject.org/exit-addresses", File: fileTorExitAddresses, Format: FormatTor},
		{Name: "x4bnet-datacenter-ipv4", URL: x4b + "datacenter/ipv4.txt", File: fileX4BDC4, Format: FormatCIDR},
		{Name: "x4bnet-datacenter-ipv6", URL: x4b + "datacenter/ipv6.txt", File: fileX4BDC6, Format: FormatCIDR},
		{Name: "x4bnet-vpn-ipv4", URL: x4b + "vpn/ipv4.txt", File: fileX4BVPN4, Format: FormatCIDR},
		{Name: "x4bnet-vpn-ipv6", URL: x4b + "vpn/ipv6.txt", File: fileX4BVPN6, Format: FormatCIDR},
		{Name: "bad-asn-list", URL: "https://raw.githubusercontent.com/brianhama/bad-asn-list/master/bad-asn-list.csv", File: fileBadASN, Format: FormatASNList},
		{Name: "aws", URL: "https://ip-ranges.amazonaws.com/ip-ranges.json", File: fileAWS, Format: FormatAWS},
		{Name: "google-cloud", URL: "https://www.gstatic.com/ipranges/cloud.json", File: fileGoogle, Format: FormatGoogle},
		{Name: "oracle", URL: "https://docs.oracle.com/en-us/iaas/tools/public_ip_ranges.json", File: fileOracle, Format: FormatOracle},
		// sapics/ip-location-db geo-whois-asn-country: CC0, IP → country (GeoFeed, WHOIS, ASN).
		{Name: "country-ipv4", URL: country + "geo-whois-asn-country-ipv4.csv", File: fileCountry4, Format: FormatCountry},
		{Name: "country-ipv6", URL: country + "geo-whois-asn-country-ipv6.csv", File: fileCountry6, Format: FormatCountry},
		{Name: "disposable-email", URL: "https://raw.githubusercontent.com/disposable-email-domains/disposable-email-domains/main/disposable_email_blocklist.conf", File: FileDisposableEmail},
	}
}

// Update downloads every source into dir and returns the failures joined (nil when all
// succeeded). See UpdateEach.
func Update(ctx context.Context, dir string, sources []Download, client *http.Client) error {
	var errs []error
	for _, r := range UpdateEach(ctx, dir, sources, client) {
		if r.Err != nil {
			errs = append(errs, r.Err)
		}
	}
	return errors.Join(errs...)
}

// UpdateEach downloads every source in turn and reports each one. A file is replaced
// atomically (temporary file in dir, fsync, rename) and only after a 200 response with a
// non-empty body within the size bound that, when Format is set, parses.
func UpdateEach(ctx context.Context, dir string, sources []Download, client *http.Client) []UpdateResult {
	if client == nil {
		client = &http.Client{}
	}
	out := make([]UpdateResult, 0, len(sources))
	for _, d := range sources {
		r := UpdateResult{Name: d.Name, Path: filepath.Join(dir, d.File)}
		r.Bytes, r.Err = download(ctx, dir, d, client)
		if r.Err != nil {
			r.Err = fmt.Errorf("astracaph: ipintel: update %s: %w", d.Name, r.Err)
		}
		out = append(out, r)
	}
	return out
}

func download(ctx context.Context, dir string, d Download, client *http.Client) (int64, error) {
	if d.File == "" || d.File != filepath.Base(d.File) || d.File == "." || d.File == ".." {
		return 0, fmt.Errorf("%w: bad file name %q", ErrConfig, d.File)
	}
	limit := d.MaxBytes
	if limit <= 0 {
		limit = 64 << 20
	}
	timeout := d.Timeout
	if timeout <= 0 {
		timeout = 2 * time.Minute
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, d.URL, nil)
	if err != nil {
		return 0, err
	}
	req.Header.Set("User-Agent", "astracaph-data-update")
	resp, err := client.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("%w: %s", ErrBadStatus, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return 0, err
	}
	if int64(len(body)) > limit {
		return 0, fmt.Errorf("%w: more than %d bytes", ErrTooLarge, limit)
	}
	if len(body) == 0 {
		return 0, fmt.Errorf("%w: empty download", ErrNoEntries)
	}
	if d.Format != "" {
		if err := validate(d.Format, body); err != nil {
			return 0, err
		}
	}
	return int64(len(body)), writeAtomic(dir, d.File, body)
}

// validate parses body as format and requires at least one entry.
func validate(f Format, body []byte) error {
	data, err := maybeGunzip(body, defaultMaxBytes)
	if err != nil {
		return err
	}
	var p parsed
	switch f {
	case FormatTor:
		p, err = parseTor(data)
	case FormatCIDR:
		p, err = parseCIDRList(data)
	case FormatASNList:
		p, err = parseASNList(data)
	case FormatCloudJSON, FormatAWS, FormatGoogle, FormatOracle, FormatAzure:
		p, err = parseCloudJSON(data)
	case FormatIPtoASN:
		var t *rangeTable
		if t, _, err = parseRangeTable(data); err == nil && t.size() == 0 {
			err = ErrNoEntries
		}
		return err
	case FormatMMDB:
		_, err = openMMDB(data)
		return err
	case FormatCountry:
		return (&countryTable{}).parse(data)
	default:
		return fmt.Errorf("%w: unknown format %q", ErrConfig, f)
	}
	if err == nil && p.entries() == 0 {
		err = ErrNoEntries
	}
	return err
}

func writeAtomic(dir, name string, data []byte) (err error) {
	tmp, err := os.CreateTemp(dir, "."+name+".*.tmp")
	if err != nil {
		return err
	}
	defer func() {
		if err != nil {
			tmp.Close()
			os.Remove(tmp.Name())
		}
	}()
	if _, err = tmp.Write(data); err != nil {
		return err
	}
	if err = tmp.Chmod(0o644); err != nil {
		return err
	}
	if err = tmp.Sync(); err != nil {
		return err
	}
	if err = tmp.Close(); err != nil {
		return err
	}
	return os.Rename(tmp.Name(), filepath.Join(dir, name))
}
