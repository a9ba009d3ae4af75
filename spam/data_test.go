package spam

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

func TestReadSpamTSV(t *testing.T) {
	in := "Label\tSMS\nham\tGo until jurong point, \"crazy\"\r\nspam\tFREE entry\twith a tab\n\nSPAM\tWin\n"
	got, err := ReadTSV(strings.NewReader(in))
	if err != nil {
		t.Fatal(err)
	}
	want := []Sample{{false, `Go until jurong point, "crazy"`}, {true, "FREE entry\twith a tab"}, {true, "Win"}}
	if !slices.Equal(got, want) {
		t.Fatalf("got %+v\nwant %+v", got, want)
	}
	// Without a header, the first line is data.
	if got, err := ReadTSV(strings.NewReader("spam\tx\n")); err != nil || len(got) != 1 {
		t.Fatalf("no header: %v %v", got, err)
	}
	for _, bad := range []string{"ham\tok\nmaybe\tx\n", "ham\tok\nno tab here\n", "Label\tSMS\nLabel\tSMS\n"} {
		if _, err := ReadTSV(strings.NewReader(bad)); !errors.Is(err, ErrTSV) || !strings.Contains(err.Error(), "line 2") {
			t.Errorf("%q: err %v, want ErrTSV at line 2", bad, err)
		}
	}
	if _, err := ReadTSV(strings.NewReader("ham\t" + strings.Repeat("x", tsvMaxLine+1))); !errors.Is(err, ErrTSV) {
		t.Errorf("over-long line: err %v", err)
	}
}

func TestSpamDedupAndSplit(t *testing.T) {
	var s []Sample
	for i := range 100 {
		s = append(s, Sample{Spam: i%10 == 0, Text: strings.Repeat("x", i%50+1)})
	}
	d := Dedup(s)
	if len(d) != 50 {
		t.Fatalf("dedup kept %d, want 50", len(d))
	}
	train, test := Split(slices.Clone(d), 0.2, 7)
	if len(train)+len(test) != 50 || len(test) != 10 {
		t.Fatalf("split %d/%d", len(train), len(test))
	}
	spam := func(x []Sample) (n int) {
		for _, v := range x {
			if v.Spam {
				n++
			}
		}
		return n
	}
	if spam(test) != 1 || spam(train) != 4 { // stratified: 5 spam → 1 held out
		t.Errorf("stratification: %d spam in test, %d in train", spam(test), spam(train))
	}
	train2, test2 := Split(slices.Clone(d), 0.2, 7)
	_, test3 := Split(slices.Clone(d), 0.2, 8)
	if !slices.Equal(test, test2) || !slices.Equal(train, train2) {
		t.Error("same seed gave a different split")
	}
	if slices.Equal(test, test3) {
		t.Error("different seeds gave the same split")
	}
}

func FuzzReadSpamTSV(f *testing.F) {
	f.Add("Label\tSMS\nham\thello\nspam\tWIN £100 now\n")
	f.Add("spam\t\"quoted\ttext\"\r\n\n")
	f.Add("ham\n")
	f.Add("\xff\xfe\tx")
	f.Fuzz(func(t *testing.T, in string) {
		got, err := ReadTSV(strings.NewReader(in))
		if err != nil {
			return
		}
		// Every sample came from one line of input.
		for _, s := range got {
			if strings.ContainsAny(s.Text, "\n") || !strings.Contains(in, s.Text) {
				t.Fatalf("sample %q not from a single input line", s.Text)
			}
		}
	})
}
