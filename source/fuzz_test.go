package source

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/passerelle/passerelle"
)

func seed(f *testing.F, paths ...string) {
	for _, p := range paths {
		b, err := os.ReadFile(p)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
}

// checkParse holds what every parser promises whatever the input: no panic, records carry
// an id and a title, and a *RecordErrors comes with at least one record error.
func checkParse(t *testing.T, ops []passerelle.Opportunity, err error) {
	for _, o := range ops {
		if o.ID == "" || o.Title == "" {
			t.Errorf("record without id or title: %+v", o)
		}
	}
	var re *RecordErrors
	if errors.As(err, &re) && len(re.Errs) == 0 {
		t.Error("empty RecordErrors returned as an error")
	}
}

func FuzzParseJSONL(f *testing.F) {
	// Seeds stay small: the fuzzer crawls on inputs of tens of kilobytes.
	seed(f, "testdata/bad.jsonl")
	if b, err := os.ReadFile("testdata/notices.jsonl"); err == nil {
		for _, line := range strings.SplitAfter(string(b), "\n")[:4] {
			f.Add([]byte(line))
		}
	}
	f.Add([]byte(`{"id":"x","title":"t","deadline":"2026-01-01T10:00","stages":[{"name":"a","deadline":"2026-02-01"}],"value":{"amount":1e3}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseJSONL(context.Background(), strings.NewReader(string(b)), "fuzz.jsonl", testSrc)
		checkParse(t, ops, err)
	})
}

func FuzzParseRSS(f *testing.F) {
	seed(f, "testdata/calls.rss", "testdata/calls.atom")
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseFeed(context.Background(), strings.NewReader(string(b)), "fuzz.rss", testSrc)
		checkParse(t, ops, err)
	})
}

func FuzzDetect(f *testing.F) {
	seed(f, "testdata/calls.rss", "testdata/calls.atom", "testdata/notices.jsonl", "testdata/error.html")
	f.Fuzz(func(t *testing.T, b []byte) {
		format, err := Detect(b, "fuzz")
		if err == nil && !utf8.ValidString(format) {
			t.Error("bad format name")
		}
	})
}

func FuzzFindDeadline(f *testing.F) {
	f.Add("Date limite de dépôt : 15 mars 2026 à 12h00.")
	f.Add("Uiterste datum voor indiening: 31/03/2026 om 17:00")
	loc := brusselsF(f)
	f.Fuzz(func(t *testing.T, s string) {
		if d := findDeadline(s, loc); d != nil && (d.Year() < 1900 || d.Year() > 2200) {
			t.Errorf("implausible deadline %v from %q", d, s)
		}
	})
}

func brusselsF(f *testing.F) *time.Location {
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		f.Fatal(err)
	}
	return loc
}
