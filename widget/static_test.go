package widget

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/require"
)

var (
	scriptRE    = regexp.MustCompile(`(?is)<script\b([^>]*)>(.*?)</script\s*>`)
	styleElemRE = regexp.MustCompile(`(?i)<style\b`)
	styleAttrRE = regexp.MustCompile(`(?i)<[a-z][^>]*\sstyle\s*=`)
	onAttrRE    = regexp.MustCompile(`(?i)<[a-z][^>]*\son[a-z]+\s*=`)
	jsURLRE     = regexp.MustCompile(`(?i)javascript:`)
	evalRE      = regexp.MustCompile(`\beval\s*\(|new\s+Function\s*\(|\bblob:|createObjectURL`)
	jsStyleRE   = regexp.MustCompile(`\.style\s*(\.|=|\[)|cssText|setAttribute\(\s*['"](style|on[a-z]+)['"]|insertRule|adoptedStyleSheets|innerHTML|outerHTML|document\.write`)
	cssBadRE    = regexp.MustCompile(`(?i)expression\s*\(|url\(\s*['"]?\s*(javascript|data|blob):|@import`)
)

// TestAssetsCSPClean scans every served asset for constructs a strict CSP
// (script-src 'self'; style-src 'self') would block or that we ban outright.
func TestAssetsCSPClean(t *testing.T) {
	w := newWidget(t)
	require.NotEmpty(t, w.assets)
	for name, a := range w.assets {
		src := string(a.body)
		require.False(t, evalRE.MatchString(src), "%s: eval/Function/blob", name)
		switch filepath.Ext(name) {
		case ".html":
			for _, m := range scriptRE.FindAllStringSubmatch(src, -1) {
				require.Empty(t, strings.TrimSpace(m[2]), "%s: inline script body", name)
				require.Contains(t, m[1], "src=", "%s: script without src", name)
			}
			require.False(t, styleElemRE.MatchString(src), "%s: <style> element", name)
			require.False(t, styleAttrRE.MatchString(src), "%s: style= attribute", name)
			require.False(t, onAttrRE.MatchString(src), "%s: on*= handler attribute", name)
			require.False(t, jsURLRE.MatchString(src), "%s: javascript: URL", name)
		case ".js":
			require.False(t, jsStyleRE.MatchString(src), "%s: inline style or HTML injection: %q", name, jsStyleRE.FindString(src))
			require.False(t, jsURLRE.MatchString(src), "%s: javascript: URL", name)
		case ".css":
			require.False(t, cssBadRE.MatchString(src), "%s: %q", name, cssBadRE.FindString(src))
		}
	}
}

// TestScannerCatchesViolations keeps the scanner honest: each pattern must fire on a sample.
func TestScannerCatchesViolations(t *testing.T) {
	require.NotEmpty(t, strings.TrimSpace(scriptRE.FindStringSubmatch(`<script>alert(1)</script>`)[2]))
	require.True(t, styleAttrRE.MatchString(`<div class="x" style="color:red">`))
	require.True(t, onAttrRE.MatchString(`<img src=x onerror="y">`))
	require.True(t, evalRE.MatchString(`eval("1")`))
	require.True(t, evalRE.MatchString(`new Function("x")`))
	require.True(t, evalRE.MatchString(`new Worker("blob:https://x")`))
	require.True(t, jsStyleRE.MatchString(`el.style.color = "red"`))
	require.True(t, jsStyleRE.MatchString(`el.setAttribute('style', 'x')`))
	require.True(t, jsStyleRE.MatchString(`el.innerHTML = s`))
	require.True(t, cssBadRE.MatchString(`a { background: url("javascript:x") }`))
	require.False(t, styleAttrRE.MatchString(`<link rel="stylesheet" href="/a.css">`))
}

// TestJSSyntax runs node --check on every served script.
func TestJSSyntax(t *testing.T) {
	node := testenv.LookPath(t, "node")
	w := newWidget(t)
	dir := t.TempDir()
	n := 0
	for name, a := range w.assets {
		if filepath.Ext(name) != ".js" {
			continue
		}
		p := filepath.Join(dir, name)
		require.NoError(t, os.WriteFile(p, a.body, 0o600))
		out, err := exec.Command(node, "--check", p).CombinedOutput()
		require.NoError(t, err, "%s: %s", name, out)
		n++
	}
	require.GreaterOrEqual(t, n, 4)
}
