package testenv

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"
)

// npmInstallTimeout bounds a cold `npm install`; a warm cache returns at once.
const npmInstallTimeout = 5 * time.Minute

// npmMarker is written last into a finished install, so a half-written directory
// (interrupted run) is never mistaken for a usable one.
const npmMarker = ".astracaph-npm-complete"

// NPMInstall installs the npm packages pkgs (pinned, e.g. "altcha-lib@2.8.0") into a
// directory under os.TempDir keyed by the package list and returns it; scripts placed
// there (see NodeScript) import the packages by their bare names. The install is reused
// by later calls and later `go test` runs, so only the first one touches the registry.
//
// Missing node or npm skips the test (fails under ASTRACAPH_INTEGRATION=1). A failed
// install also skips outside integration mode (typically: no network) and fails inside it.
func NPMInstall(t testing.TB, pkgs ...string) string {
	t.Helper()
	LookPath(t, "node", "nodejs")
	npm := LookPath(t, "npm")
	if len(pkgs) == 0 {
		t.Fatal("testenv.NPMInstall: no packages given")
	}
	sorted := slices.Clone(pkgs)
	slices.Sort(sorted)
	sum := sha256.Sum256([]byte("npm-v1\n" + strings.Join(sorted, "\n")))
	dir := filepath.Join(os.TempDir(), fmt.Sprintf("astracaph-npm-%d-%s", os.Getuid(), hex.EncodeToString(sum[:8])))
	if installComplete(dir, sorted) {
		return dir
	}

	// Install into a private directory, then rename it into place: concurrent test
	// binaries never see each other's partial installs, and the loser of the rename
	// race simply uses the winner's directory.
	tmp, err := os.MkdirTemp(os.TempDir(), "astracaph-npm-tmp-")
	if err != nil {
		t.Fatalf("testenv.NPMInstall: %v", err)
	}
	defer os.RemoveAll(tmp) // no-op once renamed
	ctx, cancel := context.WithTimeout(t.Context(), npmInstallTimeout)
	defer cancel()
	// Bounded retries: offline, npm's default backoff would stall the test for minutes.
	args := append([]string{"install", "--no-save", "--no-package-lock", "--no-audit", "--no-fund",
		"--loglevel=error", "--fetch-retries=2", "--fetch-retry-mintimeout=2000", "--fetch-retry-maxtimeout=10000",
		"--prefix", tmp}, sorted...)
	cmd := exec.CommandContext(ctx, npm, args...)
	cmd.Dir = tmp
	var out bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &out
	start := time.Now()
	if err := cmd.Run(); err != nil {
		msg := fmt.Sprintf("npm install %s failed after %v: %v\n%s", strings.Join(sorted, " "),
			time.Since(start).Round(time.Millisecond), err, tail(out.String(), 2000))
		if Integration() {
			t.Fatalf("%s (ASTRACAPH_INTEGRATION=1)", msg)
		}
		t.Skipf("skipping: %s", msg)
	}
	if err := checkVersions(tmp, sorted); err != nil {
		t.Fatalf("testenv.NPMInstall: %v", err)
	}
	if err := os.WriteFile(filepath.Join(tmp, npmMarker), []byte(strings.Join(sorted, "\n")), 0o644); err != nil {
		t.Fatalf("testenv.NPMInstall: %v", err)
	}
	t.Logf("npm install %s took %v", strings.Join(sorted, " "), time.Since(start).Round(time.Millisecond))
	if err := os.Rename(tmp, dir); err != nil {
		if installComplete(dir, sorted) {
			return dir // another process won the race
		}
		// A stale, incomplete directory from an interrupted run: replace it.
		if rmErr := os.RemoveAll(dir); rmErr != nil {
			t.Fatalf("testenv.NPMInstall: %v", rmErr)
		}
		if err := os.Rename(tmp, dir); err != nil && !installComplete(dir, sorted) {
			t.Fatalf("testenv.NPMInstall: %v", err)
		}
	}
	return dir
}

func installComplete(dir string, sorted []string) bool {
	b, err := os.ReadFile(filepath.Join(dir, npmMarker))
	return err == nil && string(b) == strings.Join(sorted, "\n") && checkVersions(dir, sorted) == nil
}

// checkVersions confirms that every exactly pinned package ("name@1.2.3") is installed
// in that version, so a test never runs against something else by accident.
func checkVersions(dir string, pkgs []string) error {
	for _, p := range pkgs {
		at := strings.LastIndexByte(p, '@')
		if at <= 0 {
			continue // unpinned: nothing to check
		}
		name, want := p[:at], p[at+1:]
		b, err := os.ReadFile(filepath.Join(dir, "node_modules", filepath.FromSlash(name), "package.json"))
		if err != nil {
			return fmt.Errorf("package %s not installed: %w", name, err)
		}
		var meta struct{ Version string }
		if err := json.Unmarshal(b, &meta); err != nil {
			return fmt.Errorf("package %s: %w", name, err)
		}
		if strings.Trim(want, "0123456789.") == "" && meta.Version != want {
			return fmt.Errorf("package %s: installed %s, want %s", name, meta.Version, want)
		}
	}
	return nil
}

// NodeScript writes the ES module src into dir (an NPMInstall directory, so its bare
// imports resolve) under a name derived from its content, and returns the path. Writing
// through a temporary file and a rename keeps concurrent test binaries from reading a
// half-written script.
func NodeScript(t testing.TB, dir, src string) string {
	t.Helper()
	sum := sha256.Sum256([]byte(src))
	path := filepath.Join(dir, "astracaph-"+hex.EncodeToString(sum[:8])+".mjs")
	if b, err := os.ReadFile(path); err == nil && string(b) == src {
		return path
	}
	f, err := os.CreateTemp(dir, "script-*.tmp")
	if err != nil {
		t.Fatalf("testenv.NodeScript: %v", err)
	}
	_, werr := f.WriteString(src)
	cerr := f.Close()
	if err := errors.Join(werr, cerr); err != nil {
		os.Remove(f.Name())
		t.Fatalf("testenv.NodeScript: %v", err)
	}
	if err := os.Rename(f.Name(), path); err != nil {
		os.Remove(f.Name())
		t.Fatalf("testenv.NodeScript: %v", err)
	}
	return path
}

// RunNode runs `node script` with in encoded as JSON on stdin (a json.RawMessage is
// passed through as is) and decodes the JSON the script prints on stdout into out. A
// non-zero exit, a timeout or undecodable output fails the test with the script's stderr.
func RunNode(t testing.TB, timeout time.Duration, script string, in, out any) {
	t.Helper()
	node := LookPath(t, "node", "nodejs")
	input, err := json.Marshal(in)
	if err != nil {
		t.Fatalf("testenv.RunNode: encoding input: %v", err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), timeout)
	defer cancel()
	cmd := exec.CommandContext(ctx, node, script)
	cmd.Dir = filepath.Dir(script)
	cmd.Stdin = bytes.NewReader(input)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %s: %v (context: %v)\nstderr:\n%s", filepath.Base(script), err, ctx.Err(), tail(stderr.String(), 4000))
	}
	if err := json.Unmarshal(stdout.Bytes(), out); err != nil {
		t.Fatalf("node %s: decoding output: %v\nstdout:\n%s\nstderr:\n%s", filepath.Base(script), err,
			tail(stdout.String(), 2000), tail(stderr.String(), 2000))
	}
}

func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}
