package jsjson

import (
	"encoding/json"
	"math"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCanonicalVector(t *testing.T) {
	// docs/protocol-notes.md, "Test vectors": JSON.stringify(sortKeys({b:1, a:{z:"<&>\u2028é", y:null, x:true}, A:1.5, c:1e21}))
	in := `{"b":1,"a":{"z":"<&>\u2028é","y":null,"x":true},"A":1.5,"c":1e21}`
	v, err := Parse([]byte(in))
	require.NoError(t, err)
	require.Equal(t, "{\"A\":1.5,\"a\":{\"x\":true,\"y\":null,\"z\":\"<&>\u2028é\"},\"b\":1,\"c\":1e+21}", string(Canonical(v)))
}

func TestNumbersLikeJavaScript(t *testing.T) {
	cases := map[float64]string{
		0: "0", math.Copysign(0, -1): "0", 1: "1", -1.5: "-1.5", 1e21: "1e+21", 1e20: "100000000000000000000",
		0.000001: "0.000001", 1e-7: "1e-7", 123456789.125: "123456789.125", 4102444800: "4102444800",
		1.7976931348623157e308: "1.7976931348623157e+308", 5e-324: "5e-324", 0.30000000000000004: "0.30000000000000004",
		math.Inf(1): "null", math.NaN(): "null",
	}
	for f, want := range cases {
		require.Equal(t, want, string(AppendNumber(nil, f)), "%v", f)
	}
}

func TestStringEscaping(t *testing.T) {
	require.Equal(t, `"a\"b\\c\b\f\n\r\t\u0001\u001f</>&"`, string(AppendString(nil, "a\"b\\c\b\f\n\r\t\x01\x1f</>&")))
	// Lone surrogates survive parse → stringify, as in JavaScript.
	v, err := Parse([]byte(`"x\ud800y\uDFFFz\ud83d\ude00"`))
	require.NoError(t, err)
	require.Equal(t, "\"x\\ud800y\\udfffz\U0001F600\"", string(Canonical(v)))
	// Escaped forward slash and escaped printable characters normalise.
	v, err = Parse([]byte(`"\/\u0041"`))
	require.NoError(t, err)
	require.Equal(t, `"/A"`, string(Canonical(v)))
}

func TestKeyOrder(t *testing.T) {
	// Integer-like keys come first in numeric order, then UTF-16 order; duplicates keep the
	// first position and the last value; arrays are not sorted into.
	v, err := Parse([]byte(`{"b":1,"10":0,"2":0,"a":[{"z":1,"y":2}],"b":3,"\uffff":0,"😀":0,"01":0}`))
	require.NoError(t, err)
	require.Equal(t, `{"2":0,"10":0,"01":0,"a":[{"z":1,"y":2}],"b":3,"😀":0,"`+"\uffff"+`":0}`, string(Canonical(v)))
}

func TestParseRejects(t *testing.T) {
	for _, s := range []string{``, `{`, `{"a":1,}`, `[1,]`, `01`, `1.`, `.5`, `-`, `"\x"`, "\"a\x01\"", `{"a" 1}`, `tru`, `1 2`, "\"\xff\"", `"\u12"`} {
		_, err := Parse([]byte(s))
		require.ErrorIs(t, err, ErrSyntax, "%q", s)
	}
	deep := make([]byte, 0, 200)
	for range 100 {
		deep = append(deep, '[')
	}
	_, err := Parse(deep)
	require.ErrorIs(t, err, ErrSyntax)
}

func FuzzCanonical(f *testing.F) {
	for _, s := range []string{
		`{"b":1,"a":{"z":"<&>\u2028é","y":null,"x":true},"A":1.5,"c":1e21}`,
		`{"algorithm":"PBKDF2/SHA-256","cost":5000,"data":{"challengeId":"c-1"},"nonce":"39ba"}`,
		`[1,-0,1e-7,"\ud800",{"1":2,"0":1}]`, `"\u0000"`, `{"2":0,"10":0,"a":0}`, `1e400`,
	} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, data []byte) {
		v, err := Parse(data)
		if err != nil {
			return
		}
		out := Canonical(v)
		// Canonical output parses back to a value with the same canonical form (fixed point).
		v2, err := Parse(out)
		require.NoError(t, err, "canonical output does not parse: %q -> %q", data, out)
		require.Equal(t, string(out), string(Canonical(v2)), "not a fixed point: %q -> %q", data, out)
		// Valid UTF-8 output without lone surrogates must be accepted by encoding/json too.
		require.True(t, json.Valid(out), "encoding/json rejects canonical output %q", out)
	})
}

func TestCanonicalOtherGoTypes(t *testing.T) {
	v := map[string]any{"l": []string{"b", "a"}, "m": map[string]string{"z": "1", "y": "2"}, "i": int32(7), "u": uint(8), "f": float32(1.5), "ch": make(chan int)}
	require.Equal(t, `{"ch":null,"f":1.5,"i":7,"l":["b","a"],"m":{"y":"2","z":"1"},"u":8}`, string(Canonical(v)))
}
