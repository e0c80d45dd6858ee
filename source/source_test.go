package source

import (
	"bytes"
	"context"
	"errors"
	"fmt"
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
		// Tables the name does not announce: detected by a constant field count under a header.
		{name: "export.txt", head: read("testdata/calls.csv"), want: "csv"},
		{name: "https://x/export?id=3", head: "Reference,Title,Deadline,CPV\r\nA-1,Web site,2026-03-15,72413000\r\nA-2,\"Servers, backups\",2026-04-01,50312000\r\n", want: "csv"},
		{name: "marches.txt", head: "Référence;Intitulé;Date limite;Montant\n" +
			"2026-1;\"Entretien; espaces verts\";15/03/2026;1.200,50\n" +
			"2026-2;\"Nettoyage\nsur deux lignes\";\"30/04/2026\";\"3,5\"\n", want: "csv"},
		{name: "appels.txt", head: "\tTitle\tDeadline\n1\tA\t2026-03-01\n2\tB\t2026-03-02\n", want: "csv"},
		{name: "big.txt", head: bigCSV()[:DetectSize], want: "csv"},
		{name: "readme.txt", head: "Bonjour, voici la liste.\nElle est vide.\n", errHas: "unknown format"},
		{name: "log.txt", head: "Title,Deadline\nA,2026-01-01\nB,2026-01-02,extra\n", errHas: "unknown format"},
		{name: "data.txt", head: "1,2,3\n4,5,6\n", errHas: "unknown format"},
		{name: "header-only.txt", head: "Title;Deadline\n", errHas: "unknown format"},
		{name: "page", head: "Error 502, bad gateway\n<html><body>oops</body></html>\n", errHas: "HTML page"},
		{name: "x.txt", head: "Title,Deadline\nA\x00,B\n", errHas: "unknown format"},
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

// bigCSV is a comma table longer than DetectSize, so that Detect sees a row cut short.
func bigCSV() string {
	var b strings.Builder
	b.WriteString("id,title,deadline,description\n")
	for i := 0; b.Len() < 2*DetectSize; i++ {
		fmt.Fprintf(&b, "%d,\"Call %d, lot %d\",2026-05-%02d,\"Line one\nline two\"\n", i, i, i%7, i%28+1)
	}
	return b.String()
}

func TestParseAuto(t *testing.T) {
	for _, p := range []string{"testdata/calls.rss", "testdata/calls.atom", "testdata/notices.jsonl"} {
		ops, err := parseFile(t, p, passerelle.Source{ID: "s", Format: "auto"})
		if err != nil || len(ops) == 0 {
			t.Errorf("%s: %d records, %v", p, len(ops), err)
		}
	}
	// A semicolon table with quoted fields under a name that says nothing.
	csvBody, err := os.ReadFile("testdata/calls.csv")
	if err != nil {
		t.Fatal(err)
	}
	want, err := Parse(context.Background(), "csv", bytes.NewReader(csvBody), "calls.csv", passerelle.Source{ID: "s"})
	if len(want) == 0 {
		t.Fatalf("calls.csv: no records, %v", err)
	}
	got, _ := Parse(context.Background(), "auto", bytes.NewReader(csvBody), "calls.txt", passerelle.Source{ID: "s"})
	if len(got) != len(want) || got[1].Title != "Maintenance des serveurs; sauvegardes" {
		t.Errorf("calls.txt auto: %d records (want %d), %+v", len(got), len(want), got)
	}
	_, err = parseFile(t, "testdata/error.html", passerelle.Source{ID: "s"})
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

// The parser registry is the one list of formats: the domain's list of the formats a source
// may declare is "auto" and the registry's, in the same order, and every one parses.
func TestRegistryIsTheListOfFormats(t *testing.T) {
	if got, want := strings.Join(passerelle.Formats, ","), "auto,"+strings.Join(Formats, ","); got != want {
		t.Errorf("passerelle.Formats = %s, want %s (add the format to the registry and the domain list)", got, want)
	}
	for _, f := range Formats {
		if !Supported(f) {
			t.Errorf("%s is listed but has no parser", f)
		}
	}
	if Supported("pdf") {
		t.Error("pdf is not a format")
	}
}
