package source

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

func TestDetect(t *testing.T) {
	read := func(p string) string {
		b, err := os.ReadFile(p)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}
	tests := []struct {
		name, head, want, errHas string
	}{
		{name: "feed.xml", head: read("testdata/calls.rss"), want: "rss"},
		{name: "x", head: read("testdata/calls.atom"), want: "atom"},
		{name: "https://x/feed", head: "\xef\xbb\xbf  <?xml version=\"1.0\"?>\n<!-- c --><rss version=\"2.0\"><channel>", want: "rss"},
		{name: "rdf", head: `<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">`, want: "rss"},
		{name: "n.xml", head: `<?xml version="1.0" encoding="UTF-8"?><TED_EXPORT xmlns="http://publications.europa.eu/resource/schema/ted/R2.0.9/publication" VERSION="R2.0.9.S03.E01">`, want: "ted-xml"},
		{name: "n.xml", head: `<?xml version="1.0" encoding="UTF-8"?><ContractNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractNotice-2" xmlns:cbc="x">`, want: "eforms"},
		{name: "n.xml", head: `<ContractAwardNotice xmlns="urn:oasis:names:specification:ubl:schema:xsd:ContractAwardNotice-2">`, want: "eforms"},
		{name: "notices.jsonl", head: read("testdata/notices.jsonl")[:DetectSize], want: "jsonl"},
		{name: "dump", head: "{\"id\":\"a\",\"title\":\"t\"}\n{\"id\":\"b\"", want: "jsonl"},
		{name: "api", head: "{\n  \"results\": [", want: "json"},
		{name: "api", head: `[{"a":1}]`, want: "json"},
		{name: "pkg.json", head: `{"uri":"x","releases":[{"ocid":"ocds-1"`, want: "ocds"},
		{name: "list.csv", head: "Intitulé;Date limite\nA;B\n", want: "csv"},
		{name: "x.ndjson", head: "", want: "jsonl"},
		{name: "https://x/feed", head: read("testdata/error.html"), errHas: `got an HTML page (title "503 Service Temporarily Unavailable")`},
		{name: "x", head: "<html><body>login</body></html>", errHas: "HTML page"},
		{name: "x", head: `<?xml version="1.0"?><foo xmlns="urn:x">`, errHas: "unknown XML document (root element <foo>"},
		{name: "x", head: "", errHas: "empty document"},
		{name: "x.bin", head: "\x00\x01binary", errHas: "unknown format"},
	}
	for _, tt := range tests {
		got, err := Detect([]byte(tt.head), tt.name)
		if tt.errHas != "" {
			if err == nil || !strings.Contains(err.Error(), tt.errHas) || !strings.Contains(err.Error(), tt.name) {
				t.Errorf("Detect(%s, %.30q) = %q, %v; want an error naming it with %q", tt.name, tt.head, got, err, tt.errHas)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Detect(%s, %.30q) = %q, %v; want %q", tt.name, tt.head, got, err, tt.want)
		}
	}
}

func TestParseAuto(t *testing.T) {
	for _, p := range []string{"testdata/calls.rss", "testdata/calls.atom", "testdata/notices.jsonl"} {
		ops, err := parseFile(t, p, passerelle.Source{ID: "s", Format: "auto"})
		if err != nil || len(ops) == 0 {
			t.Errorf("%s: %d records, %v", p, len(ops), err)
		}
	}
	_, err := parseFile(t, "testdata/error.html", passerelle.Source{ID: "s"})
	if passerelle.ErrorCode(err) != passerelle.EINVALID {
		t.Errorf("HTML page: err = %v, want an invalid-input error", err)
	}
	_, err = Parse(context.Background(), "pdf", strings.NewReader("x"), "x.pdf", passerelle.Source{ID: "s"})
	if err == nil || !strings.Contains(err.Error(), `unknown format "pdf"`) {
		t.Errorf("unknown format: err = %v", err)
	}
}

func TestRecordErrorsSummary(t *testing.T) {
	var re RecordErrors
	if re.err() != nil {
		t.Fatal("empty RecordErrors must be no error")
	}
	cause := errors.New("boom")
	for i := 1; i <= 5; i++ {
		re.add("f.jsonl", i, i+1, "title", cause)
	}
	msg := re.err().Error()
	if !strings.HasPrefix(msg, "f.jsonl: record 1 (line 2): title: boom; ") || !strings.HasSuffix(msg, "and 2 more bad records") {
		t.Errorf("summary = %q", msg)
	}
	if !errors.Is(re.err(), cause) {
		t.Error("errors.Is must reach a record's cause")
	}
	if got := (RecordError{File: "a.rss", Record: 3, Err: cause}).Error(); got != "a.rss: record 3: boom" {
		t.Errorf("without line and field: %q", got)
	}
}
