package spam

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestLoadSpamDisposableList(t *testing.T) {
	in := "# comment\nMailinator.com\n\n  spam.example.  # trailing comment\nnot a domain\nlocalhost\n0-mailer.dynv6.net\n"
	l, err := LoadDisposableList(strings.NewReader(in))
	require.NoError(t, err)
	require.Equal(t, 3, l.Len(), "mailinator.com, spam.example, 0-mailer.dynv6.net")
	cases := map[string]bool{
		"mailinator.com": true, "MAILINATOR.COM.": true, "a.b.mailinator.com": true, "spam.example": true,
		"x.0-mailer.dynv6.net": true, "0-mailer.dynv6.net": true,
		"dynv6.net": false, "other.dynv6.net": false, "notmailinator.com": false, "com": false, "": false,
		"mailinator.com.evil.example": false,
	}
	for d, want := range cases {
		assert.Equal(t, want, l.Contains(d), "Contains(%q)", d)
	}
}

func TestSpamBuiltinDisposable(t *testing.T) {
	l := BuiltinDisposable()
	assert.GreaterOrEqual(t, l.Len(), 50, "built-in list's entries")
	for _, d := range []string{"mailinator.com", "guerrillamail.com", "10minutemail.com", "temp-mail.org", "yopmail.com"} {
		assert.True(t, l.Contains(d), "built-in list misses %s", d)
	}
	// Each call returns a fresh copy: merging into one does not leak into the next.
	l.Merge(NewDomainList("only-here.example"))
	assert.False(t, BuiltinDisposable().Contains("only-here.example"), "built-in list is shared mutable state")
}

// The full upstream list (8,335 entries) loads and matches on eTLD+1 and subdomains.
func TestSpamDisposableDataset(t *testing.T) {
	path := testenv.SharedData(t, "disposable-email-domains/"+DisposableFile)
	l, err := LoadDisposableFile(path)
	require.NoError(t, err)
	assert.Equal(t, 8335, l.Len(), "README says 8,335 entries")
	f := testFilter(t, WithDisposableFile(path))
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, d := range []string{lines[0], lines[len(lines)/2], lines[len(lines)-1], "0-mailer.dynv6.net"} {
		r := f.Classify(context.Background(), Input{Email: "someone@mx.sub." + d})
		assert.Contains(t, r.Reasons, ReasonEmailDisposable, "subdomain of listed %s not flagged", d)
	}
	r := f.Classify(context.Background(), Input{Email: "someone@example.org"})
	assert.NotContains(t, r.Reasons, ReasonEmailDisposable, "example.org flagged")
}

func TestLoadSpamDisposableListErrors(t *testing.T) {
	_, err := LoadDisposableList(strings.NewReader(strings.Repeat("x", 70*1024)))
	assert.ErrorIs(t, err, ErrDomainList, "over-long line")
}

func FuzzLoadSpamDisposableList(f *testing.F) {
	f.Add("mailinator.com\n# c\nyopmail.com\n")
	f.Add("  A.B.C.  \n\n..\n-x.com\n")
	f.Add("xn--80ak6aa92e.com\nexample.co.uk # note\n")
	f.Fuzz(func(t *testing.T, in string) {
		l, err := LoadDisposableList(strings.NewReader(in))
		if err != nil {
			return
		}
		// Every entry is normalised and matches itself.
		for d := range l.set {
			n, ok := normDomain(d)
			require.True(t, ok, "entry %q not normalised", d)
			require.Equal(t, d, n, "entry not normalised")
			require.True(t, l.Contains(d), "entry %q not found", d)
		}
	})
}

func TestSpamDisposableOptionsMerge(t *testing.T) {
	path := t.TempDir() + "/list.conf"
	require.NoError(t, os.WriteFile(path, []byte("from-file.example\n"), 0o600))
	mine := NewDomainList("mine.example")
	f := testFilter(t, WithDisposable(mine), WithDisposableFile(path))
	for _, d := range []string{"mine.example", "from-file.example"} {
		r := f.Classify(context.Background(), Input{Email: "a@" + d})
		assert.Contains(t, r.Reasons, ReasonEmailDisposable, "%s not flagged", d)
	}
	assert.False(t, mine.Contains("from-file.example"), "the caller's list was modified")
	f2 := testFilter(t, WithDisposableFile(path))
	assert.True(t, f2.disposable.Contains("mailinator.com"), "file list must be merged with the built-in list")
	assert.True(t, f2.disposable.Contains("from-file.example"), "file list must be merged with the built-in list")
}

func TestFetchSpamDisposableList(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/list.conf":
			io.WriteString(w, "fetched.example\nyopmail.com\n")
		case "/huge":
			for range maxListBytes / 50 {
				io.WriteString(w, strings.Repeat("a", 50)+".example.com\n")
			}
		default:
			http.NotFound(w, r)
		}
	}))
	defer srv.Close()
	ctx := context.Background()
	l, err := FetchDisposableList(ctx, srv.Client(), srv.URL+"/list.conf")
	require.NoError(t, err)
	require.Equal(t, 2, l.Len())
	require.True(t, l.Contains("a.fetched.example"))
	for _, p := range []string{"/missing", "/huge"} {
		_, err := FetchDisposableList(ctx, srv.Client(), srv.URL+p)
		assert.ErrorIs(t, err, ErrDomainList, p)
	}
}
