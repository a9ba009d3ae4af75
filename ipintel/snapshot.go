package ipintel

import (
	"context"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"log/slog"
	"math/bits"
	"net/http"
	"net/netip"
	"os"
	"time"

	"github.com/gaissmai/bart"
)

// snapshot is one immutable, fully loaded view of all sources. Every source is one bit of a
// uint64 mask; see the package doc for the layout.
type snapshot struct {
	prefixes *bart.Table[uint64]
	asnMask  map[uint32]uint64
	dbs      []dbEntry
	mobBit   uint64 // bit of the AS-name heuristic, 0 when disabled
	verdicts map[uint64]verdict
	bitInfo  []bitInfo
	stats    []SourceStat
	stamps   []fileStamp
}

type dbEntry struct {
	db  asnDB
	bit uint64
}

type bitInfo struct {
	name  string
	class Class
}

type verdict struct {
	class   Class
	sources []string
}

// SourceStat describes how one Source loaded.
type SourceStat struct {
	Name    string
	Where   string // path or URL
	Entries int    // prefixes, ASNs or ASN-database ranges (0 for .mmdb)
	Skipped int    // unparsable lines ignored
	Missing bool   // optional source that was absent
}

// fileStamp identifies a file version for Watch; exists=false records an absent optional file
// so that its appearance triggers a reload.
type fileStamp struct {
	path    string
	exists  bool
	size    int64
	modTime time.Time
}

func stampFile(path string) fileStamp {
	fi, err := os.Stat(path)
	if err != nil {
		return fileStamp{path: path}
	}
	return fileStamp{path: path, exists: true, size: fi.Size(), modTime: fi.ModTime()}
}

// sourceKey is the name under which a source is reported in Info.Sources.
func sourceKey(s Source) string {
	if s.Format == FormatASNList {
		return "asn:" + s.Name
	}
	return s.Name
}

// normalise fills defaults and validates one source.
func normalise(s Source) (Source, error) {
	if s.Name == "" {
		return s, fmt.Errorf("%w: source without a name", ErrConfig)
	}
	if (s.Path == "") == (s.URL == "") {
		return s, fmt.Errorf("%w: source %q needs exactly one of Path and URL", ErrConfig, s.Name)
	}
	switch s.Format {
	case FormatTor:
		if s.Class == "" {
			s.Class = ClassTor
		}
	case FormatCIDR, FormatCloudJSON, FormatAWS, FormatGoogle, FormatOracle, FormatAzure, FormatASNList:
		if s.Class == "" {
			s.Class = ClassHosting
		}
	case FormatMMDB, FormatIPtoASN:
		// An ASN database on its own only proves the address is routed to some network.
		s.Class = ClassResidential
	default:
		return s, fmt.Errorf("%w: source %q: unknown format %q", ErrConfig, s.Name, s.Format)
	}
	if s.Class.Rank() == 0 {
		return s, fmt.Errorf("%w: source %q: class %q cannot be assigned by a list", ErrConfig, s.Name, s.Class)
	}
	return s, nil
}

// build loads every source and assembles a snapshot. It touches no shared state, so a
// failure leaves the running snapshot alone.
func build(ctx context.Context, cfg Options, log *slog.Logger) (*snapshot, error) {
	s := &snapshot{prefixes: new(bart.Table[uint64]), asnMask: map[uint32]uint64{}}
	bitOf := map[string]uint64{}
	assign := func(name string, class Class) (uint64, error) {
		if b, ok := bitOf[name]; ok {
			if s.bitInfo[bits.TrailingZeros64(b)].class != class {
				return 0, fmt.Errorf("%w: sources named %q have different classes", ErrConfig, name)
			}
			return b, nil
		}
		if len(s.bitInfo) == 64 {
			return 0, fmt.Errorf("%w: more than 64 distinct source names", ErrConfig)
		}
		b := uint64(1) << len(s.bitInfo)
		bitOf[name] = b
		s.bitInfo = append(s.bitInfo, bitInfo{name, class})
		return b, nil
	}

	srcs := make([]Source, len(cfg.Sources))
	srcBits := make([]uint64, len(cfg.Sources))
	for i, src := range cfg.Sources {
		n, err := normalise(src)
		if err != nil {
			return nil, err
		}
		if srcBits[i], err = assign(sourceKey(n), n.Class); err != nil {
			return nil, err
		}
		srcs[i] = n
	}
	var builtinHost, builtinMob uint64
	if !cfg.DisableBuiltinASN {
		builtinHost, _ = assign(SourceBuiltinHosting, ClassHosting)
		builtinMob, _ = assign(SourceBuiltinMobile, ClassMobile)
		if builtinHost == 0 || builtinMob == 0 {
			return nil, fmt.Errorf("%w: more than 64 distinct source names", ErrConfig)
		}
		for asn, c := range builtinASN {
			if c == ClassMobile {
				s.asnMask[asn] |= builtinMob
			} else {
				s.asnMask[asn] |= builtinHost
			}
		}
	}
	if !cfg.DisableMobileNameHeuristic {
		b, err := assign(SourceMobileName, ClassMobile)
		if err != nil {
			return nil, err
		}
		s.mobBit = b
	}

	for i, src := range srcs {
		if err := ctx.Err(); err != nil {
			return nil, err
		}
		if err := s.load(ctx, cfg, log, src, srcBits[i]); err != nil {
			return nil, fmt.Errorf("astracaph: ipintel: source %q (%s): %w", src.Name, where(src), err)
		}
	}
	s.foldSupernets()
	s.precompute()
	return s, nil
}

func where(s Source) string {
	if s.Path != "" {
		return s.Path
	}
	return s.URL
}

// load reads, parses and merges one source into s.
func (s *snapshot) load(ctx context.Context, cfg Options, log *slog.Logger, src Source, bit uint64) error {
	st := SourceStat{Name: src.Name, Where: where(src)}
	if src.Path != "" {
		s.stamps = append(s.stamps, stampFile(src.Path))
	}
	data, err := readSource(ctx, cfg, src)
	if err != nil {
		if src.Optional && (errors.Is(err, fs.ErrNotExist) || src.URL != "") {
			log.Warn("ipintel: optional source unavailable", "source", src.Name, "where", st.Where, "err", err)
			st.Missing = true
			s.stats = append(s.stats, st)
			return nil
		}
		return err
	}
	switch src.Format {
	case FormatMMDB:
		db, err := openMMDB(data)
		if err != nil {
			return err
		}
		s.dbs = append(s.dbs, dbEntry{db, bit})
	case FormatIPtoASN:
		db, bad, err := parseRangeTable(data)
		if err != nil {
			return err
		}
		st.Entries, st.Skipped = db.size(), bad
		s.dbs = append(s.dbs, dbEntry{db, bit})
	default:
		var p parsed
		switch src.Format {
		case FormatTor:
			p, err = parseTor(data)
		case FormatCIDR:
			p, err = parseCIDRList(data)
		case FormatASNList:
			p, err = parseASNList(data)
		default:
			p, err = parseCloudJSON(data)
		}
		if err != nil {
			return err
		}
		for _, pfx := range p.prefixes {
			s.prefixes.Modify(pfx, func(v uint64, _ bool) (uint64, bool) { return v | bit, false })
		}
		for _, asn := range p.asns {
			s.asnMask[asn] |= bit
		}
		st.Entries, st.Skipped = p.entries(), p.bad
	}
	if st.Skipped > 0 {
		log.Warn("ipintel: skipped unparsable lines", "source", src.Name, "where", st.Where, "skipped", st.Skipped)
	}
	s.stats = append(s.stats, st)
	return nil
}

// readSource returns the (decompressed) bytes of a source, bounded by cfg.MaxBytes.
func readSource(ctx context.Context, cfg Options, src Source) ([]byte, error) {
	limit := cfg.maxBytes()
	var rc io.ReadCloser
	if src.Path != "" {
		f, err := os.Open(src.Path)
		if err != nil {
			return nil, err
		}
		rc = f
	} else {
		req, err := http.NewRequestWithContext(ctx, http.MethodGet, src.URL, nil)
		if err != nil {
			return nil, err
		}
		resp, err := cfg.client().Do(req)
		if err != nil {
			return nil, err
		}
		if resp.StatusCode != http.StatusOK {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: %s", ErrBadStatus, resp.Status)
		}
		rc = resp.Body
	}
	defer rc.Close()
	data, err := io.ReadAll(io.LimitReader(rc, limit+1))
	if err != nil {
		return nil, err
	}
	if int64(len(data)) > limit {
		return nil, ErrTooLarge
	}
	return maybeGunzip(data, limit)
}

// foldSupernets ORs every covering prefix's mask into each prefix, so that the longest-prefix
// match alone tells every source containing an address.
func (s *snapshot) foldSupernets() {
	type upd struct {
		pfx  netip.Prefix
		mask uint64
	}
	var updates []upd
	for pfx, v := range s.prefixes.All() {
		m := v
		for _, sv := range s.prefixes.Supernets(pfx) {
			m |= sv
		}
		if m != v {
			updates = append(updates, upd{pfx, m})
		}
	}
	for _, u := range updates {
		s.prefixes.Insert(u.pfx, u.mask)
	}
}

// precompute stores the verdict of every mask a lookup can produce, so that the hot path
// is a map read and returns a shared Sources slice without allocating.
func (s *snapshot) precompute() {
	pm := map[uint64]struct{}{0: {}}
	for _, v := range s.prefixes.All() {
		pm[v] = struct{}{}
	}
	am := map[uint64]struct{}{0: {}}
	if s.mobBit != 0 {
		am[s.mobBit] = struct{}{}
	}
	for _, v := range s.asnMask {
		am[v] = struct{}{}
	}
	s.verdicts = make(map[uint64]verdict, len(pm)*(len(s.dbs)+1))
	for p := range pm {
		s.verdicts[p] = s.verdictFor(p)
		for _, d := range s.dbs {
			for a := range am {
				m := p | d.bit | a
				if _, ok := s.verdicts[m]; !ok {
					s.verdicts[m] = s.verdictFor(m)
				}
			}
		}
	}
}

func (s *snapshot) verdictFor(mask uint64) verdict {
	v := verdict{class: ClassUnknown}
	for m := mask; m != 0; m &= m - 1 {
		bi := s.bitInfo[bits.TrailingZeros64(m)]
		v.sources = append(v.sources, bi.name)
		if bi.class.Rank() > v.class.Rank() {
			v.class = bi.class
		}
	}
	return v
}

func (s *snapshot) classify(addr netip.Addr) Info {
	mask, _ := s.prefixes.Lookup(addr)
	var info Info
	for _, d := range s.dbs {
		rec, ok := d.db.lookup(addr)
		if !ok {
			continue
		}
		info.ASN, info.Org = rec.ASN, rec.Org
		mask |= d.bit
		if m, ok := s.asnMask[rec.ASN]; ok {
			mask |= m
		} else if rec.Mobile {
			mask |= s.mobBit
		}
		break
	}
	v, ok := s.verdicts[mask]
	if !ok {
		v = s.verdictFor(mask) // unreachable by construction; correct but allocates
	}
	info.Class, info.Sources = v.class, v.sources
	return info
}
