package main

import (
	"flag"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/astracat/astracaph/internal/suggest"
)

// Every flag of a command configured from the environment (serve) has a variable: ASTRACAPH_
// followed by the flag name in upper case with dashes as underscores (-pow-cost →
// ASTRACAPH_POW_COST), except for the few older names kept as they were (overrides). A flag
// on the command line wins over its variable. bindEnv runs after the flags are declared, so a
// flag added in one line gets its variable, its mention in -h and its place in the
// unknown-variable check with no other change.

const envPrefix = "ASTRACAPH_"

// envVar is a variable read without a flag: secrets and documents, which should not be
// visible in a process list.
type envVar struct{ name, help string }

// flagEnv maps each flag name of a set to its environment variable.
type flagEnv map[string]string

// envName is the variable of a flag without an override.
func envName(flagName string) string {
	return envPrefix + strings.ToUpper(strings.ReplaceAll(flagName, "-", "_"))
}

// bindEnv gives every flag of fs its variable, appends the variable to the flag's usage,
// and sets each flag whose variable is set and not empty; parsing the command line
// afterwards overrides them. A bad value is an error naming the variable (never echoing
// the value, which may be a secret).
func bindEnv(fs *flag.FlagSet, overrides map[string]string, lookup func(string) (string, bool)) (flagEnv, error) {
	fe := flagEnv{}
	var err error
	fs.VisitAll(func(f *flag.Flag) {
		name := overrides[f.Name]
		if name == "" {
			name = envName(f.Name)
		}
		fe[f.Name] = name
		f.Usage += " Environment: " + name + "."
		v, ok := lookup(name)
		if !ok || v == "" || err != nil {
			return
		}
		if isBool(f) {
			// The spellings operators use in environment files, beyond strconv.ParseBool's.
			switch strings.ToLower(strings.TrimSpace(v)) {
			case "yes", "on":
				v = "true"
			case "no", "off":
				v = "false"
			}
		}
		if serr := f.Value.Set(v); serr != nil {
			err = fmt.Errorf("%s must be %s", name, expectedValue(f, serr))
		}
	})
	return fe, err
}

func isBool(f *flag.Flag) bool {
	b, ok := f.Value.(interface{ IsBoolFlag() bool })
	return ok && b.IsBoolFlag()
}

// expectedValue says what a flag accepts, from its type.
func expectedValue(f *flag.Flag, err error) string {
	g, ok := f.Value.(flag.Getter)
	if !ok {
		return "valid: " + err.Error() // a flag.Func: its own message names the problem
	}
	switch g.Get().(type) {
	case bool:
		return "true or false (or 1/0, yes/no, on/off)"
	case int, int64:
		return "an integer"
	case uint, uint64:
		return "a whole number (0 or more)"
	case time.Duration:
		return "a duration such as 50ms, 2s or 1m"
	case float64:
		return "a number"
	}
	return "valid: " + err.Error()
}

// setting names a flag and its variable in messages: "-pow-cost (ASTRACAPH_POW_COST)".
func (fe flagEnv) setting(flagName string) string {
	return "-" + flagName + " (" + fe[flagName] + ")"
}

// unknownEnv returns a warning for each ASTRACAPH_ variable of environ that is neither a
// flag's nor in known, with the closest known name when one is near.
func unknownEnv(environ []string, fe flagEnv, known []string) []string {
	names := slices.Clone(known)
	for _, v := range fe {
		names = append(names, v)
	}
	var out []string
	for _, kv := range environ {
		k, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(k, envPrefix) || slices.Contains(names, k) {
			continue
		}
		msg := "unknown environment variable " + k + " is ignored"
		// Compare without the shared prefix, which would make every name look alike.
		bare := map[string]string{}
		for _, n := range names {
			bare[strings.TrimPrefix(n, envPrefix)] = n
		}
		if s := suggest.Closest(strings.TrimPrefix(k, envPrefix), slices.Collect(maps.Keys(bare))); s != "" {
			msg += " (did you mean " + bare[s] + "?)"
		}
		out = append(out, msg)
	}
	slices.Sort(out)
	return out
}
