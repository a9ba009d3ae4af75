package astracaph_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/astracat/astracaph/internal/testenv"
)

// TestREADMEGoSnippetBuilds compiles the README's Go program as a user pasting it would, so
// that the first thing a new user tries keeps working.
func TestREADMEGoSnippetBuilds(t *testing.T) {
	root := testenv.RepoRoot()
	readme, err := os.ReadFile(filepath.Join(root, "README.md"))
	require.NoError(t, err)
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindSubmatch(readme)
	require.NotNil(t, m, "README.md has a ```go block")
	require.Contains(t, string(m[1]), "package main", "the README snippet is a whole program")
	goBin := testenv.LookPath(t, "go")
	// A package inside the module (under testdata, which ./... skips), removed afterwards.
	dir, err := os.MkdirTemp(filepath.Join(root, "testdata"), "readme-snippet-")
	require.NoError(t, err)
	t.Cleanup(func() { os.RemoveAll(dir) })
	require.NoError(t, os.WriteFile(filepath.Join(dir, "main.go"), m[1], 0o644))
	rel, err := filepath.Rel(root, dir)
	require.NoError(t, err)
	cmd := exec.Command(goBin, "vet", "./"+filepath.ToSlash(rel))
	cmd.Dir = root
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "go vet of the README snippet:\n%s", out)
	cmd = exec.Command(goBin, "build", "-o", os.DevNull, "./"+filepath.ToSlash(rel))
	cmd.Dir = root
	out, err = cmd.CombinedOutput()
	require.NoError(t, err, "go build of the README snippet:\n%s", out)
}
