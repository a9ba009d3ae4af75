// Package testenv holds helpers shared by the project's tests: locating external binaries
// (redis-server, chromium, node) and the shared datasets, with one rule for all of them.
//
// Outside CI a missing binary or dataset skips the test with a message saying what is missing.
// With ASTRACAPH_INTEGRATION=1 (set by .ci/run) a missing binary fails the test instead, so a
// green CI run can never hide an integration test that silently skipped.
package testenv

import (
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"testing"
)

// Integration reports whether integration tests are mandatory (ASTRACAPH_INTEGRATION=1).
func Integration() bool { return os.Getenv("ASTRACAPH_INTEGRATION") == "1" }

// LookPath returns the path of the first of names found on PATH. When none is found the
// test is skipped, or failed when integration tests are mandatory.
func LookPath(t testing.TB, names ...string) string {
	t.Helper()
	for _, n := range names {
		if p, err := exec.LookPath(n); err == nil {
			return p
		}
	}
	if Integration() {
		t.Fatalf("required binary not installed: %v (ASTRACAPH_INTEGRATION=1)", names)
	}
	t.Skipf("skipping: binary not installed: %v", names)
	return ""
}

// RepoRoot returns the module root, found from this source file's location.
func RepoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Clean(filepath.Join(filepath.Dir(file), "..", ".."))
}

// SharedData returns the absolute path of shared/data/<rel> in the nearest directory above the
// repository that has one (the project's dataset directory, outside version control; a git
// worktree nested deeper than the main checkout still finds it), or skips the test with a
// clear message when it is absent. Datasets are never copied into the repository.
func SharedData(t testing.TB, rel string) string {
	t.Helper()
	first := ""
	for dir := filepath.Dir(RepoRoot()); ; dir = filepath.Dir(dir) {
		p := filepath.Join(dir, "shared", "data", rel)
		if first == "" {
			first = p
		}
		if _, err := os.Stat(p); err == nil {
			return p
		}
		if filepath.Dir(dir) == dir {
			break
		}
	}
	t.Skipf("dataset not present: %s (the shared/data directory beside the repository)", first)
	return ""
}
