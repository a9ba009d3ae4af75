package ipintel

import (
	"encoding/json"
	"fmt"
)

// cloudJSON is the union of the providers' published range formats; JSON field names do not
// collide between them, so one decode recognises every format without a format hint.
type cloudJSON struct {
	// AWS: prefixes[].ip_prefix, ipv6_prefixes[].ipv6_prefix.
	// Google: prefixes[].ipv4Prefix | ipv6Prefix.
	Prefixes []struct {
		IPPrefix   string `json:"ip_prefix"`
		IPv4Prefix string `json:"ipv4Prefix"`
		IPv6Prefix string `json:"ipv6Prefix"`
	} `json:"prefixes"`
	IPv6Prefixes []struct {
		IPv6Prefix string `json:"ipv6_prefix"`
	} `json:"ipv6_prefixes"`
	// Oracle: regions[].cidrs[].cidr.
	Regions []struct {
		CIDRs []struct {
			CIDR string `json:"cidr"`
		} `json:"cidrs"`
	} `json:"regions"`
	// Azure Service Tags: values[].properties.addressPrefixes[].
	Values []struct {
		Properties struct {
			AddressPrefixes []string `json:"addressPrefixes"`
		} `json:"properties"`
	} `json:"values"`
}

// parseCloudJSON extracts every prefix from an AWS, Google, Oracle or Azure ranges document.
// Duplicates (AWS lists a prefix under several services) are harmless for the table.
func parseCloudJSON(data []byte) (parsed, error) {
	var doc cloudJSON
	if err := json.Unmarshal(data, &doc); err != nil {
		return parsed{}, fmt.Errorf("astracaph: ipintel: cloud json: %w", err)
	}
	var p parsed
	add := func(s string) {
		if s == "" {
			return
		}
		pfx, ok := parsePrefixLoose(s)
		if !ok {
			p.bad++
			return
		}
		p.prefixes = append(p.prefixes, pfx)
	}
	for _, e := range doc.Prefixes {
		add(e.IPPrefix)
		add(e.IPv4Prefix)
		add(e.IPv6Prefix)
	}
	for _, e := range doc.IPv6Prefixes {
		add(e.IPv6Prefix)
	}
	for _, r := range doc.Regions {
		for _, c := range r.CIDRs {
			add(c.CIDR)
		}
	}
	for _, v := range doc.Values {
		for _, s := range v.Properties.AddressPrefixes {
			add(s)
		}
	}
	if p.entries() == 0 {
		// A JSON document without any known key is not a ranges file (e.g. an API error body).
		return p, fmt.Errorf("%w: no prefixes in cloud json", ErrNoEntries)
	}
	return p, nil
}
