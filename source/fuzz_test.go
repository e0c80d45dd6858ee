package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"sort"
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
	seed(f, "testdata/calls.rss", "testdata/calls.atom", "testdata/notices.jsonl", "testdata/error.html", "testdata/calls.csv")
	f.Add([]byte("a\tb\n\"x\ty\"\tz\n"))
	f.Fuzz(func(t *testing.T, b []byte) {
		format, err := Detect(b, "fuzz")
		if err == nil && !utf8.ValidString(format) {
			t.Error("bad format name")
		}
		// The CSV guess is a last resort: it never takes markup or JSON.
		if first := strings.TrimLeft(strings.TrimPrefix(string(b), "\xef\xbb\xbf"), " \t\r\n"); format == "csv" && first != "" && strings.ContainsRune("<{[", rune(first[0])) {
			t.Errorf("markup or JSON taken for CSV: %.60q", b)
		}
	})
}

func FuzzFindDeadline(f *testing.F) {
	f.Add("Date limite de dépôt : 15 mars 2026 à 12h00.")
	f.Add("Uiterste datum voor indiening: 31/03/2026 om 17:00")
	loc := brusselsF(f)
	f.Fuzz(func(t *testing.T, s string) {
		d, words := findDeadline(s, loc)
		if d != nil && (d.Year() < 1900 || d.Year() > 2200) {
			t.Errorf("implausible deadline %v from %q", d, s)
		}
		if d != nil && (words == "" || !strings.Contains(oneLine(s), words)) {
			t.Errorf("evidence %q is not quoted from %q", words, s)
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

// smallest returns the n smallest files matching pattern: the fuzzer crawls on big seeds.
func smallest(f *testing.F, pattern string, n int) []string {
	paths, err := filepath.Glob(pattern)
	if err != nil {
		f.Fatal(err)
	}
	sort.Slice(paths, func(i, j int) bool {
		a, _ := os.Stat(paths[i])
		b, _ := os.Stat(paths[j])
		return a.Size() < b.Size()
	})
	return paths[:min(n, len(paths))]
}

func FuzzParseTED(f *testing.F) {
	f.Add([]byte(`<TED_EXPORT DOC_ID="1-2020"><CODED_DATA_SECTION><NOTICE_DATA><ORIGINAL_CPV CODE="72000000"/><PERFORMANCE_NUTS CODE="BE1"/></NOTICE_DATA><CODIF_DATA><TD_DOCUMENT_TYPE CODE="3"/><DT_DATE_FOR_SUBMISSION>20200101 10:00</DT_DATE_FOR_SUBMISSION></CODIF_DATA></CODED_DATA_SECTION><FORM_SECTION><F02_2014 LG="EN" CATEGORY="ORIGINAL"><CONTRACTING_BODY><ADDRESS_CONTRACTING_BODY><OFFICIALNAME>B</OFFICIALNAME><COUNTRY VALUE="UK"/></ADDRESS_CONTRACTING_BODY></CONTRACTING_BODY><OBJECT_CONTRACT><TITLE><P>t<FT>x</FT></P></TITLE><CPV_MAIN><CPV_CODE CODE="72000000"/></CPV_MAIN></OBJECT_CONTRACT><PROCEDURE><DATE_RECEIPT_TENDERS>2020-01-02</DATE_RECEIPT_TENDERS><TIME_RECEIPT_TENDERS>10:00</TIME_RECEIPT_TENDERS></PROCEDURE></F02_2014></FORM_SECTION></TED_EXPORT>`))
	if !testing.Short() {
		// Real notices as seeds; with -short, fuzz from the small one above only (the
		// fuzzer makes little progress from seeds of several kilobytes).
		for _, p := range smallest(f, "../testdata/ted/[0-9]*.xml", 4) {
			seed(f, p)
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseTED(context.Background(), strings.NewReader(string(b)), "fuzz.xml", testSrc)
		checkParse(t, ops, err)
	})
}

func FuzzParseEForms(f *testing.F) {
	for _, p := range smallest(f, "../testdata/ted/*Notice*.xml", 2) {
		seed(f, p)
	}
	for _, p := range smallest(f, "../testdata/ted/eforms_*.xml", 2) {
		seed(f, p)
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseEForms(context.Background(), strings.NewReader(string(b)), "fuzz.xml", testSrc)
		checkParse(t, ops, err)
	})
}

func FuzzParseOCDS(f *testing.F) {
	seed(f, "testdata/releases.ocds.json", "testdata/records.ocds.json")
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseOCDS(context.Background(), strings.NewReader(string(b)), "fuzz.json", testSrc)
		checkParse(t, ops, err)
	})
}

func FuzzParseCSV(f *testing.F) {
	seed(f, "testdata/calls.csv")
	f.Add([]byte("title\tdeadline\n\"a\"\"b\"\t2026-01-01\n"))
	src := passerelle.Source{ID: "s", Options: map[string]string{"csv.value": "Montant estimé"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseCSV(context.Background(), strings.NewReader(string(b)), "fuzz.csv", src)
		checkParse(t, ops, err)
	})
}

func FuzzParseJSON(f *testing.F) {
	seed(f, "testdata/calls.json")
	src := passerelle.Source{ID: "s", Options: map[string]string{"json.items": "data.results", "json.deadline": "dates.closing", "json.url": "links.0.href"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseJSON(context.Background(), strings.NewReader(string(b)), "fuzz.json", src)
		checkParse(t, ops, err)
	})
}

func FuzzParseHTML(f *testing.F) {
	seed(f, "testdata/calls.html")
	src := passerelle.Source{ID: "s", Options: map[string]string{"html.item": "article", "html.deadline": "time"}}
	f.Fuzz(func(t *testing.T, b []byte) {
		ops, err := ParseHTML(context.Background(), strings.NewReader(string(b)), "https://x.example/p", src)
		checkParse(t, ops, err)
	})
}
