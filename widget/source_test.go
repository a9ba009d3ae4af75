package widget

import (
	"io/fs"
	"os"
	"os/exec"
	"path"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/require"
)

// typescript is the pinned compiler TestTypeCheck installs (a test-time tool, never vendored).
const typescript = "typescript@5.9.3"

// TestTypeCheck runs tsc --checkJs over every widget script: tsconfig.json checks the loader's
// modules with frame.js and sandbox.js, tsconfig.worker.json checks worker.js against the
// worker's globals. A script given to the same configuration with a type error must fail it,
// so the check cannot pass by checking nothing.
func TestTypeCheck(t *testing.T) {
	dir := testenv.NPMInstall(t, typescript)
	node := testenv.LookPath(t, "node", "nodejs")
	tsc := filepath.Join(dir, "node_modules", "typescript", "bin", "tsc")
	run := func(cfg string) (string, error) {
		out, err := exec.Command(node, tsc, "-p", cfg, "--pretty", "false").CombinedOutput()
		return string(out), err
	}
	for _, cfg := range []string{"tsconfig.json", "tsconfig.worker.json"} {
		out, err := run(cfg)
		require.NoError(t, err, "tsc -p %s:\n%s", cfg, out)
	}

	// Negative control: a module that misuses another module's helper (h returns an
	// HTMLInputElement for "input"), a translation that lacks a key, and a lookup used without
	// a null check (strictNullChecks).
	abs, err := filepath.Abs(".")
	require.NoError(t, err)
	tmp := t.TempDir()
	bad := "// @ts-check\nh('input', {}).valu = 'x';\nSTR.xx = { label: 'x' };\nD.getElementById('x').id = 'y';\n"
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "bad.js"), []byte(bad), 0o600))
	cfg := `{"extends": "` + filepath.ToSlash(filepath.Join(abs, "tsconfig.json")) + `", "include": ["` +
		filepath.ToSlash(filepath.Join(abs, "assets", "src")) + `/*", "bad.js"]}`
	require.NoError(t, os.WriteFile(filepath.Join(tmp, "tsconfig.json"), []byte(cfg), 0o600))
	out, err := run(filepath.Join(tmp, "tsconfig.json"))
	require.Error(t, err, "tsc accepted a type error:\n%s", out)
	require.Contains(t, out, "bad.js(2,")
	require.Contains(t, out, "'valu' does not exist on type 'HTMLInputElement'")
	require.Contains(t, out, "bad.js(3,")
	require.Contains(t, out, "bad.js(4,")
	require.Contains(t, out, "is possibly 'null'")
}

// TestScriptsTypeChecked: every widget script asks for checking and is in a tsc project.
func TestScriptsTypeChecked(t *testing.T) {
	cfg := readText(t, "tsconfig.json") + readText(t, "tsconfig.worker.json")
	n := 0
	err := fs.WalkDir(os.DirFS("."), "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) != ".js" {
			return err
		}
		n++
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.True(t, strings.HasPrefix(string(b), "// @ts-check\n"), "%s: first line must be // @ts-check", p)
		if path.Dir(p) != "assets/src" {
			require.Contains(t, cfg, `"`+p+`"`, "%s is in neither tsconfig", p)
		}
		return nil
	})
	require.NoError(t, err)
	require.Greater(t, n, len(loaderModules))
}

// TestLoaderJoin: widget.js is the listed modules in order inside one closure, type
// comments removed; a module file that is not listed, a listed one that is missing, or a
// stray assets/widget.js is an error.
func TestLoaderJoin(t *testing.T) {
	src := fstestMap{
		"assets/x.css":      "x{}",
		"assets/src/a.js":   "// @ts-check\n/** @param {number} n */\nfunction a(n) { return n; }\n",
		"assets/src/b.js":   "// @ts-check\nvar b = a(1); // b\n",
		"assets/src/t.d.ts": "declare var z: number;\n",
	}
	got, err := loadAssets(src.FS(), []string{"b.js", "a.js"}, nil)
	require.NoError(t, err)
	require.Equal(t, loaderHead+"var b = a(1); // b\nfunction a(n) { return n; }\n"+loaderTail, string(got[loaderName].body))
	require.ElementsMatch(t, []string{"x.css", loaderName}, keys(got), "subdirectories are not served")

	_, err = loadAssets(src.FS(), []string{"a.js"}, nil)
	require.ErrorIs(t, err, errModules, "b.js is not listed")
	_, err = loadAssets(src.FS(), []string{"a.js", "b.js", "c.js"}, nil)
	require.ErrorIs(t, err, errModules, "c.js is missing")
	src["assets/widget.js"] = "x"
	_, err = loadAssets(src.FS(), []string{"a.js", "b.js"}, nil)
	require.ErrorIs(t, err, errModules, "assets/widget.js would hide the loader")
}

// TestLoaderModulesListed: the embedded assets/src holds exactly the listed modules, and the
// served loader is their join.
func TestLoaderModulesListed(t *testing.T) {
	files, err := fs.Glob(embedded, "assets/src/*.js")
	require.NoError(t, err)
	for i, f := range files {
		files[i] = path.Base(f)
	}
	require.ElementsMatch(t, loaderModules, files)
	_, err = fs.Stat(embedded, "assets/"+loaderName)
	require.ErrorIs(t, err, fs.ErrNotExist, "widget.js is joined from assets/src, not kept beside it")

	js := string(newWidget(t).assets[loaderName].body)
	require.True(t, strings.HasPrefix(js, loaderHead))
	require.True(t, strings.HasSuffix(js, loaderTail))
	require.NotContains(t, js, "@ts-check")
	require.NotContains(t, js, "@param")
	last := -1
	for _, m := range []string{"var W = window", "var EN = {", "function autoMarks", "function Telemetry",
		"function solve", "function visualParts", "class Instance", "W.astracaph = api", "var compatSel", "function autoRender"} {
		i := strings.Index(js, m)
		require.Greater(t, i, last, "%q out of order", m)
		last = i
	}
}

func TestStripTypeComments(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"// @ts-check\nvar a;\n", "var a;\n"},
		{"/** @type {X} */\nvar a;", "var a;"},
		{"  /**\n   * doc\n   * @param {X} x\n   */\n  f(x);\n", "  f(x);\n"},
		{"var a = /** @type {X} */ (b);\n", "var a = /** @type {X} */ (b);\n"},
		{"/** @type {X} */ var a;\n", "/** @type {X} */ var a;\n"},
		{"/* kept */\n// kept\nx();\n", "/* kept */\n// kept\nx();\n"},
		{"a();\n/**\n * file header\n */\nb();\n", "a();\nb();\n"},
	} {
		got, err := stripTypeComments([]byte(tc.in))
		require.NoError(t, err, tc.in)
		require.Equal(t, tc.want, string(got), tc.in)
	}
	for _, in := range []string{"/**\n * never closed\n", "/**\n */ x();\n"} {
		_, err := stripTypeComments([]byte(in))
		require.ErrorIs(t, err, errJSDoc, in)
	}
}

// TestCommentsCiteRepositoryDocs: the widget's sources (scripts, declarations, pages,
// styles) cite only documents inside the repository (docs/…, and they exist), never notes
// kept elsewhere or their section numbers.
func TestCommentsCiteRepositoryDocs(t *testing.T) {
	mdRE := regexp.MustCompile(`[A-Za-z0-9_./-]*[A-Za-z0-9_-]\.md\b`)
	n := 0
	err := fs.WalkDir(os.DirFS("."), "assets", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || path.Ext(p) == ".md" {
			return err
		}
		b, err := os.ReadFile(p)
		require.NoError(t, err)
		require.NotContains(t, string(b), "§", p)
		for _, ref := range mdRE.FindAllString(string(b), -1) {
			n++
			require.True(t, strings.HasPrefix(ref, "docs/"), "%s cites %s, not a file under docs/", p, ref)
			_, err := os.Stat(filepath.Join("..", filepath.FromSlash(ref)))
			require.NoError(t, err, "%s cites %s", p, ref)
		}
		return nil
	})
	require.NoError(t, err)
	require.Positive(t, n)
}

func readText(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(name)
	require.NoError(t, err)
	return string(b)
}

func keys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
