package ipintel

import (
	"log/slog"
	"net/http"
	"path/filepath"
	"time"
)

// Format names the syntax of a Source.
type Format string

// Source formats. FormatAWS, FormatGoogle, FormatOracle and FormatAzure are aliases of
// FormatCloudJSON, which recognises each provider's keys.
const (
	FormatTor       Format = "tor"
	FormatCIDR      Format = "cidr"
	FormatCloudJSON Format = "cloud-json"
	FormatAWS       Format = "aws"
	FormatGoogle    Format = "google"
	FormatOracle    Format = "oracle"
	FormatAzure     Format = "azure"
	FormatASNList   Format = "asn-list"
	FormatMMDB      Format = "mmdb"
	FormatIPtoASN   Format = "iptoasn"
	// FormatCountry is an IP → country range table (`start,end,CC`), read by Countries.
	FormatCountry Format = "country-csv"
)

// Source is one list or database, read from Path or, when Path is empty, fetched from URL.
// Sources that share a Name are reported once in Info.Sources and must share a Class (the
// IPv4 and IPv6 halves of one list, say). ASN lists appear as "asn:"+Name.
type Source struct {
	Name   string
	Class  Class  // defaults: tor for FormatTor, hosting for CIDR, cloud JSON and ASN lists
	Format Format // required
	Path   string
	URL    string
	// Optional sources that are missing (file absent, download failed) are skipped with a
	// log line instead of failing the load; parse errors still fail it.
	Optional bool
}

// Options lists the sources and the knobs of a Classifier. The zero value is usable: it
// classifies every address as unknown.
type Options struct {
	Sources []Source
	// DisableBuiltinASN turns off the built-in hosting/mobile ASN table.
	DisableBuiltinASN bool
	// DisableMobileNameHeuristic turns off classing ASNs as mobile by their AS name.
	DisableMobileNameHeuristic bool
	// Client fetches URL sources; default: a client with a 60 s timeout.
	Client *http.Client
	// MaxBytes bounds every source after decompression; default 512 MiB.
	MaxBytes int64
	// Logger receives reload results; default discards.
	Logger *slog.Logger
	// Provider is an optional online lookup used by Classifier.Lookup only; it is wrapped by
	// Guard with ProviderOptions. Nil (the default) keeps everything offline.
	Provider        Provider
	ProviderOptions GuardOptions
}

const defaultMaxBytes = 512 << 20

func (c Options) maxBytes() int64 {
	if c.MaxBytes > 0 {
		return c.MaxBytes
	}
	return defaultMaxBytes
}

func (c Options) client() *http.Client {
	if c.Client != nil {
		return c.Client
	}
	return &http.Client{Timeout: 60 * time.Second}
}

// Built-in source names that can appear in Info.Sources.
const (
	SourceBuiltinHosting = "asn:builtin-hosting"
	SourceBuiltinMobile  = "asn:builtin-mobile"
	SourceMobileName     = "asn-name:mobile"
)

// DefaultSources reads the files that Update writes with DefaultDownloads into dir. All are
// optional, so a fresh install without downloaded lists still starts. asnDBs adds IP→ASN
// databases (.mmdb, or iptoasn .tsv/.tsv.gz, chosen by extension), which the ASN lists and
// the built-in table need; none are downloaded because the good ones need an account or are
// large.
func DefaultSources(dir string, asnDBs ...string) []Source {
	j := func(f string) string { return filepath.Join(dir, f) }
	src := []Source{
		{Name: "tor-exit", Class: ClassTor, Format: FormatTor, Path: j(fileTorBulk), Optional: true},
		{Name: "tor-exit", Class: ClassTor, Format: FormatTor, Path: j(fileTorExitAddresses), Optional: true},
		{Name: "x4bnet-vpn", Class: ClassVPN, Format: FormatCIDR, Path: j(fileX4BVPN4), Optional: true},
		{Name: "x4bnet-vpn", Class: ClassVPN, Format: FormatCIDR, Path: j(fileX4BVPN6), Optional: true},
		{Name: "x4bnet-datacenter", Class: ClassHosting, Format: FormatCIDR, Path: j(fileX4BDC4), Optional: true},
		{Name: "x4bnet-datacenter", Class: ClassHosting, Format: FormatCIDR, Path: j(fileX4BDC6), Optional: true},
		{Name: "aws", Class: ClassHosting, Format: FormatAWS, Path: j(fileAWS), Optional: true},
		{Name: "google-cloud", Class: ClassHosting, Format: FormatGoogle, Path: j(fileGoogle), Optional: true},
		{Name: "oracle", Class: ClassHosting, Format: FormatOracle, Path: j(fileOracle), Optional: true},
		{Name: "bad-asn-list", Class: ClassHosting, Format: FormatASNList, Path: j(fileBadASN), Optional: true},
	}
	for _, p := range asnDBs {
		f := FormatIPtoASN
		if filepath.Ext(p) == ".mmdb" {
			f = FormatMMDB
		}
		src = append(src, Source{Name: filepath.Base(p), Format: f, Path: p})
	}
	return src
}
