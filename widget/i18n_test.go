package widget

import (
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"testing"

	"github.com/astracat/astracaph/internal/testenv"
	"github.com/stretchr/testify/require"
)

// i18nHarness runs i18n.js in a Node vm context with a page language and browser
// languages, and prints what pickLang chose for each preference.
const i18nHarness = `
const vm = require('vm'), fs = require('fs');
const [src, page, prefs] = [fs.readFileSync(process.argv[2], 'utf8'), process.argv[3], JSON.parse(process.argv[4])];
const ctx = { D: { documentElement: { lang: page } }, navigator: { languages: [] } };
vm.createContext(ctx);
vm.runInContext(src, ctx);
console.log(JSON.stringify(prefs.map((p) => vm.runInContext('pickLang(' + JSON.stringify(p) + ')', ctx))));
`

// TestPickLangIgnoresInheritedNames: a language named like an Object.prototype property
// ("constructor", "__proto__", "toString" — from a site's lang attribute or data-lang)
// picked the prototype's function as the string table, so every label of the widget read
// "undefined". Only the widget's own languages count.
func TestPickLangIgnoresInheritedNames(t *testing.T) {
	node := testenv.LookPath(t, "node", "nodejs")
	dir := t.TempDir()
	h := filepath.Join(dir, "h.js")
	require.NoError(t, os.WriteFile(h, []byte(i18nHarness), 0o600))
	prefs := []string{"constructor", "__proto__", "toString", "hasOwnProperty", "de-AT", "pt_BR", ""}
	arg, err := json.Marshal(prefs)
	require.NoError(t, err)
	for _, page := range []string{"", "constructor"} {
		out, err := exec.Command(node, h, filepath.Join("assets", "src", "i18n.js"), page, string(arg)).CombinedOutput()
		require.NoError(t, err, "%s", out)
		var got []string
		require.NoError(t, json.Unmarshal(out, &got), "%s", out)
		require.Equal(t, []string{"en", "en", "en", "en", "de", "pt-br", "en"}, got, "page lang %q", page)
	}
}
