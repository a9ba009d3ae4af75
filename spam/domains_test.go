package spam

import (
	"context"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
)

func TestLoadSpamDisposableList(t *testing.T) {
	in := "# comment\nMailinator.com\n\n  spam.example.  # trailing comment\nnot a domain\nlocalhost\n0-mailer.dynv6.net\n"
	l, err := LoadDisposableList(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 3 {
		t.Fatalf("len %d, want 3 (mailinator.com, spam.example, 0-mailer.dynv6.net)", l.Len())
	}
	cases := map[string]bool{
		"mailinator.com": true, "MAILINATOR.COM.": true, "a.b.mailinator.com": true, "spam.example": true,
		"x.0-mailer.dynv6.net": true, "0-mailer.dynv6.net": true,
		"dynv6.net": false, "other.dynv6.net": false, "notmailinator.com": false, "com": false, "": false,
		"mailinator.com.evil.example": false,
	}
	for d, want := range cases {
		if got := l.Contains(d); got != want {
			t.Errorf("Contains(%q) = %v, want %v", d, got, want)
		}
	}
}

func TestSpamBuiltinDisposable(t *testing.T) {
	l := BuiltinDisposable()
	if l.Len() < 50 {
		t.Errorf("built-in list has %d entries, want ~50+", l.Len())
	}
	for _, d := range []string{"mailinator.com", "guerrillamail.com", "10minutemail.com", "temp-mail.org", "yopmail.com"} {
		if !l.Contains(d) {
			t.Errorf("built-in list misses %s", d)
		}
	}
	// Each call returns a fresh copy: merging into one does not leak into the next.
	l.Merge(NewDomainList("only-here.example"))
	if BuiltinDisposable().Contains("only-here.example") {
		t.Error("built-in list is shared mutable state")
	}
}

// The full upstream list (8,335 entries) loads and matches on eTLD+1 and subdomains.
func TestSpamDisposableDataset(t *testing.T) {
	path := testenv.SharedData(t, "disposable-email-domains/"+DisposableFile)
	l, err := LoadDisposableFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if l.Len() != 8335 {
		t.Errorf("loaded %d entries, README says 8,335", l.Len())
	}
	f := testFilter(t, WithDisposableFile(path))
	raw, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSpace(string(raw)), "\n")
	for _, d := range []string{lines[0], lines[len(lines)/2], lines[len(lines)-1], "0-mailer.dynv6.net"} {
		r := f.Classify(context.Background(), Input{Email: "someone@mx.sub." + d})
		if !slices.Contains(r.Reasons, ReasonEmailDisposable) {
			t.Errorf("subdomain of listed %s not flagged: %+v", d, r)
		}
	}
	if r := f.Classify(context.Background(), Input{Email: "someone@example.org"}); slices.Contains(r.Reasons, ReasonEmailDisposable) {
		t.Errorf("example.org flagged: %+v", r)
	}
}

func TestLoadSpamDisposableListErrors(t *testing.T) {
	if _, err := LoadDisposableList(strings.NewReader(strings.Repeat("x", 70*1024))); !errors.Is(err, ErrDomainList) {
		t.Errorf("over-long line: err %v", err)
	}
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
			if n, ok := normDomain(d); !ok || n != d || !l.Contains(d) {
				t.Fatalf("entry %q not normalised or not found", d)
			}
		}
	})
}

func TestSpamDisposableOptionsMerge(t *testing.T) {
	path := t.TempDir() + "/list.conf"
	if err := os.WriteFile(path, []byte("from-file.example\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	mine := NewDomainList("mine.example")
	f := testFilter(t, WithDisposable(mine), WithDisposableFile(path))
	for _, d := range []string{"mine.example", "from-file.example"} {
		if r := f.Classify(context.Background(), Input{Email: "a@" + d}); !slices.Contains(r.Reasons, ReasonEmailDisposable) {
			t.Errorf("%s not flagged: %+v", d, r)
		}
	}
	if mine.Contains("from-file.example") {
		t.Error("the caller's list was modified")
	}
	if f2 := testFilter(t, WithDisposableFile(path)); !f2.disposable.Contains("mailinator.com") || !f2.disposable.Contains("from-file.example") {
		t.Error("file list must be merged with the built-in list")
	}
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
	if err != nil || l.Len() != 2 || !l.Contains("a.fetched.example") {
		t.Fatalf("fetch: %v, len %d", err, l.Len())
	}
	for _, p := range []string{"/missing", "/huge"} {
		if _, err := FetchDisposableList(ctx, srv.Client(), srv.URL+p); !errors.Is(err, ErrDomainList) {
			t.Errorf("%s: err %v", p, err)
		}
	}
}
