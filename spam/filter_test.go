package spam

import (
	"context"
	"math"
	"slices"
	"strings"
	"sync"
	"testing"
	"unicode/utf8"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func testFilter(t testing.TB, opts ...Option) *Filter {
	t.Helper()
	f, err := NewFilter(opts...)
	require.NoError(t, err)
	return f
}

func text(s string) Input { return Input{Fields: map[string]string{"message": s}} }

// Each reason code fires on crafted inputs and stays silent on a clean counterpart.
func TestSpamGoldenReasons(t *testing.T) {
	cases := []struct {
		code  string
		fire  []Input
		clean []Input
	}{
		{ReasonEmailInvalid,
			[]Input{{Email: "not-an-email"}, {Email: "a@b"}, {Email: "John <john@example.com>"},
				{Email: "x@1.2.3.4"}, {Email: "x@-bad-.com"}, {Email: strings.Repeat("a", 65) + "@example.com"}},
			[]Input{{Email: "john.smith@example.com"}, {Email: "o'brien+tag@mail.example.co.uk"}}},
		{ReasonEmailDisposable,
			[]Input{{Email: "x@mailinator.com"}, {Email: "x@inbox.sub.yopmail.com"}, {Email: "X@GuerrillaMail.COM"}},
			[]Input{{Email: "x@example.com"}, {Email: "x@notmailinator.com"}}},
		{ReasonEmailRandomLocal,
			[]Input{{Email: "48213377991@example.com"}, {Email: "xkqzjwvbt@example.com"}},
			[]Input{{Email: "maria.garcia@example.com"}, {Email: "j.smith1987@example.com"}}},
		{ReasonURLs,
			[]Input{text("see http://a.example/x"), text("go to www.example.com now"),
				text("visit cheap-pills.ru today")},
			[]Input{text("see our docs page, e.g. the FAQ. Ok.so what now")}},
		{ReasonMarkup,
			[]Input{text(`nice <a href="http://x.example">site</a>`), text("[url=http://x.example]x[/url]"),
				text("[click](https://x.example)")},
			[]Input{text("if a < b then [see note 2]")}},
		{ReasonCaps,
			[]Input{text("BUY THE BEST PRODUCTS TODAY AT LOW PRICES")},
			[]Input{text("Hello, I would like to ask about the NASA API."), text("OK FINE")}},
		{ReasonKeywords,
			[]Input{text("Buy viagra at our online pharmacy"), text("Лучшее казино и ставки на спорт"),
				text("Haz clic aquí y gana dinero"), text("Jetzt klicken und Geld verdienen!"),
				text("Cliquez ici pour gagner de l'argent"), text("Clique aqui e ganhe dinheiro"),
				text("Новая криптовалюта для всех")},
			[]Input{text("I'd like to book a table for two on Friday."), text("Я признаться не понял вопрос")}},
		{ReasonGibberish,
			[]Input{text("dsdsdsdsd mbmnm qwqwwqw"), text("asdfgh"), text("hello xkcdqwrtp bbcvnmzx")},
			[]Input{text("Hmmmm okay, thanks a lot"), text("strengths and rhythms"),
				text("Please call me back")}},
		{ReasonRepeat,
			[]Input{text("heeeeeeelp me"), text("buy buy buy buy buy now")},
			[]Input{text("Well...... maybe later"), text("the cat and the dog and the bird")}},
		{ReasonInjection,
			[]Input{text("1' OR '1'='1"), text("<script>alert(1)</script>"),
				text("x UNION SELECT password FROM users"), text("hi\nBcc: victim@example.com"),
				{Email: "a@example.com\r\nBcc: x@example.com"}, text("<img src=x onerror=alert(1)>")},
			[]Input{text("Please select one option from the union list"), text("Dear team,\nthanks")}},
		{ReasonTooShort,
			[]Input{text("hi"), text("?")},
			[]Input{text("hello there")}},
	}
	f := testFilter(t)
	ctx := context.Background()
	for _, c := range cases {
		t.Run(c.code, func(t *testing.T) {
			for _, in := range c.fire {
				r := f.Classify(ctx, in)
				assert.Contains(t, r.Reasons, c.code, "%+v", in)
				assert.Positive(t, r.Score, "%+v", in)
			}
			for _, in := range c.clean {
				assert.NotContains(t, f.Classify(ctx, in).Reasons, c.code, "%+v", in)
			}
		})
	}
}

func TestSpamLowerAndCounts(t *testing.T) {
	for _, s := range []string{"", "abc", "ABC def", "Ünïcödé ÀÉ", "ǅemal Ⅷ Ⓐ İstanbul", "Привет МИР", "日本語", "x\xffY"} {
		if a := analyze(s); utf8.ValidString(s) {
			assert.Equal(t, strings.ToLower(s), a.lower, "%q", s)
		}
	}
	a := analyze("HELLO wörld Привет")
	assert.Equal(t, 6, a.upper, "upper")
	assert.Equal(t, 16, a.cased, "cased")
	assert.Equal(t, 10, a.scripts[latin], "Latin")
	assert.Equal(t, 6, a.scripts[cyrillic], "Cyrillic")
}

func TestSpamScriptMismatch(t *testing.T) {
	f := testFilter(t)
	ctx := context.Background()
	ru := "Здравствуйте, хочу узнать цену доставки"
	cases := []struct {
		text  string
		langs []string
		want  bool
	}{
		{ru, []string{"en-US", "en"}, true},
		{ru, []string{"en-US", "ru;q=0.8"}, false},
		{ru, []string{"uk"}, false}, // also Cyrillic
		{ru, []string{"el", "de"}, true},
		{ru, nil, false},                                                    // no languages: cannot judge
		{ru, []string{"xx-unknown"}, false},                                 // unknown tag: no guess
		{"Hello, I want to know the delivery price", []string{"ru"}, false}, // Latin never mismatches
		{"こんにちは、配送料金を知りたいです", []string{"ja"}, false},
		{"こんにちは、配送料金を知りたいです", []string{"de-DE"}, true},
	}
	for _, c := range cases {
		r := f.Classify(ctx, Input{Fields: map[string]string{"m": c.text}, Languages: c.langs})
		assert.Equal(t, c.want, slices.Contains(r.Reasons, ReasonScriptMismatch), "%q %v: mismatch (%v)", c.text, c.langs, r.Reasons)
	}
}

func TestSpamFreeMailIsInformational(t *testing.T) {
	f := testFilter(t)
	r := f.Classify(context.Background(), Input{Email: "someone@gmail.com"})
	require.Contains(t, r.Reasons, ReasonEmailFree)
	require.Zero(t, r.Score)
	require.Equal(t, Good, r.Class)
}

func TestSpamURLPoints(t *testing.T) {
	f := testFilter(t)
	score := func(s string) float64 {
		return f.Classify(context.Background(), text(s+" please have a look")).Score
	}
	one, two := score("http://a.example/"), score("http://a.example/ http://b.example/")
	short, ip := score("https://bit.ly/abc"), score("http://203.0.113.7/login")
	assert.Positive(t, one, "one URL")
	assert.Greater(t, two, one, "more links must cost more")
	assert.Greater(t, short, one, "want plain < shortener < IP")
	assert.Greater(t, ip, short, "want plain < shortener < IP")
	many := score(strings.Repeat("http://203.0.113.7/ https://bit.ly/x ", 20))
	assert.LessOrEqual(t, many, 3.0, "URL points, capped at 3")
}

func TestSpamBandsAndThresholds(t *testing.T) {
	ctx := context.Background()
	f := testFilter(t)
	clean := f.Classify(ctx, Input{Fields: map[string]string{"name": "Ann", "message": "Can I change my booking to Friday?"},
		Email: "ann@example.com", Languages: []string{"en"}})
	assert.Equal(t, Good, clean.Class, "clean submission: %+v", clean)
	assert.Zero(t, clean.Score, "clean submission: %+v", clean)
	assert.Empty(t, clean.Reasons, "clean submission: %+v", clean)
	r := f.Classify(ctx, text("<script>alert(1)</script> please look"))
	assert.Equal(t, Neutral, r.Class, "injection alone (1.5): %+v", r)
	bad := f.Classify(ctx, Input{Email: "x@mailinator.com", Fields: map[string]string{"m": "Buy viagra and cialis now"}})
	assert.Equal(t, Bad, bad.Class, "disposable + keywords: %+v", bad)
	assert.GreaterOrEqual(t, bad.Score, 2.0, "disposable + keywords: %+v", bad)
	// Custom thresholds move the bands; a zero scale switches a signal off.
	strict := testFilter(t, WithBands(0.2, 1.0))
	r = strict.Classify(ctx, text("hi"))
	assert.Equal(t, Neutral, r.Class, "strict thresholds, TOO_SHORT 0.3: %+v", r)
	off := testFilter(t, WithScale(map[string]float64{ReasonEmailDisposable: 0}))
	r = off.Classify(ctx, Input{Email: "x@mailinator.com"})
	assert.Zero(t, r.Score, "disposable scaled to 0: %+v", r)
	assert.Empty(t, r.Reasons, "disposable scaled to 0: %+v", r)
	double := testFilter(t, WithScale(map[string]float64{ReasonEmailDisposable: 2}))
	r = double.Classify(ctx, Input{Email: "x@mailinator.com"})
	assert.Equal(t, 4.0, r.Score, "disposable scaled ×2: %+v", r)
}

func TestSpamOptionsValidation(t *testing.T) {
	bad := map[string]Option{
		"neutral above bad": WithBands(2, 1),
		"negative neutral":  WithBands(-1, 0),
		"infinite bad":      WithBands(0, math.Inf(1)),
		"negative scale":    WithScale(map[string]float64{ReasonCaps: -1}),
		"NaN scale":         WithScale(map[string]float64{ReasonCaps: math.NaN()}),
	}
	for name, o := range bad {
		_, err := NewFilter(o)
		assert.ErrorIs(t, err, ErrConfig, name)
	}
	_, err := NewFilter(WithModelFile("/nonexistent/model.json"))
	assert.Error(t, err, "missing model file")
	_, err = NewFilter(WithDisposableFile("/nonexistent/list.conf"))
	assert.ErrorIs(t, err, ErrDomainList, "missing list file")
}

// Field order in the map must not change the verdict or the reason order.
func TestSpamDeterministicFields(t *testing.T) {
	f := testFilter(t)
	in := Input{Fields: map[string]string{
		"a": "CHEAP VIAGRA HERE", "b": "http://x.example http://y.example", "c": "dsdsdsdsd mbmnm", "d": "", "e": "qwqwwqw"}}
	first := f.Classify(context.Background(), in)
	for range 20 {
		r := f.Classify(context.Background(), in)
		require.Equal(t, first.Score, r.Score)
		require.Equal(t, first.Reasons, r.Reasons)
	}
}

func TestSpamClassifyConcurrent(t *testing.T) {
	res := &fakeResolver{mx: map[string][]string{"example.com": {"mx.example.com."}}}
	f := testFilter(t, WithMXLookup(res), WithMXLimits(0, 0, 4), WithDuplicates(newSpamFakeCounter()))
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 50 {
				f.Classify(context.Background(), Input{
					Email:  string(rune('a'+j%26)) + "@d" + string(rune('a'+i)) + ".example.com",
					Fields: map[string]string{"m": "the same message sent by many people at once"}})
			}
		}()
	}
	wg.Wait()
}

// Form fields and e-mail are outside input: Classify must not panic, and its verdict must be
// consistent with its score.
func FuzzSpamClassify(f *testing.F) {
	f.Add("dsdsdsdsd mbmnm qwqwwqw", "x@mailinator.com", "en")
	f.Add("<a href=http://1.2.3.4>x</a> UNION SELECT", "a@b", "ru")
	f.Add("Здравствуйте http://bit.ly/x £100 call 09061701461", "John <j@x.example>", "")
	f.Add("\xff\xfe\r\nBcc: x", "\r\n", "*;q=0.1")
	flt := testFilter(f, WithDuplicates(newSpamFakeCounter()))
	f.Fuzz(func(t *testing.T, text, email, lang string) {
		r := flt.Classify(context.Background(), Input{Fields: map[string]string{"m": text, "n": text}, Email: email, Languages: []string{lang}})
		require.False(t, math.IsNaN(r.Score), "NaN score")
		require.GreaterOrEqual(t, r.Score, 0.0)
		want := Good
		if r.Score >= 2 {
			want = Bad
		} else if r.Score >= 1 {
			want = Neutral
		}
		require.Equal(t, want, r.Class, "class for score %v", r.Score)
		require.Len(t, slices.Compact(slices.Sorted(slices.Values(r.Reasons))), len(r.Reasons), "duplicate reasons %v", r.Reasons)
		// The fused lower-casing pass agrees with strings.ToLower on valid UTF-8.
		if a := analyze(text); utf8.ValidString(text) {
			require.Equal(t, strings.ToLower(text), a.lower)
		}
	})
}
