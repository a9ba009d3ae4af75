package astracaph

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// tableKey is vdKey read from the table itself.
func tableKey(k string) int {
	for i, f := range vdFields {
		if f.key == k {
			return i
		}
	}
	return vdOther
}

// TestVDKeyIsTheTable: vdKey (a switch, for speed) answers exactly what the one key table
// says, so encode, parse and token issuing cannot drift apart.
func TestVDKeyIsTheTable(t *testing.T) {
	for i, f := range vdFields {
		require.Equal(t, i, vdKey(f.key), f.key)
	}
	for _, k := range []string{"", "Email", "emai", "emails", "fieldshash", "site ", "x", "verifiedx"} {
		require.Equal(t, vdOther, vdKey(k), k)
	}
}

func FuzzVDKey(f *testing.F) {
	for _, fl := range vdFields {
		f.Add(fl.key)
	}
	f.Add("ipaddress")
	f.Fuzz(func(t *testing.T, k string) {
		require.Equal(t, tableKey(k), vdKey(k), k)
	})
}
