package source

import (
	"bytes"
	"context"
	"encoding/json"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"

	"github.com/passerelle/passerelle"
)

// Parser is the one signature every format has. name is the file name or URL (for messages
// and detection). Good records are returned even when some are bad: err is then a
// *RecordErrors listing each bad record. A document that cannot be read at all returns no
// records and an error naming the file.
type Parser func(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error)

// RecordError is one bad record of a document.
type RecordError struct {
	File   string // document name
	Record int    // 1-based position of the record in the document
	Line   int    // 1-based line where the record starts, 0 when unknown
	Field  string // the offending field, "" when the record as a whole is bad
	Err    error
}

func (e RecordError) Error() string {
	var b strings.Builder
	b.WriteString(e.File)
	b.WriteString(": record ")
	b.WriteString(strconv.Itoa(e.Record))
	if e.Line > 0 {
		b.WriteString(" (line ")
		b.WriteString(strconv.Itoa(e.Line))
		b.WriteString(")")
	}
	b.WriteString(": ")
	if e.Field != "" {
		b.WriteString(e.Field)
		b.WriteString(": ")
	}
	if e.Err != nil {
		b.WriteString(e.Err.Error())
	} else {
		b.WriteString("invalid")
	}
	return b.String()
}

func (e RecordError) Unwrap() error { return e.Err }

// RecordErrors lists the bad records of one or more documents.
type RecordErrors struct {
	Errs []RecordError
}

// maxListed is how many record errors Error spells out before summarising the rest.
const maxListed = 3

func (e *RecordErrors) Error() string {
	if len(e.Errs) == 0 {
		return "no record errors"
	}
	n := min(len(e.Errs), maxListed)
	parts := make([]string, 0, n+1)
	for _, r := range e.Errs[:n] {
		parts = append(parts, r.Error())
	}
	if len(e.Errs) > n {
		parts = append(parts, fmt.Sprintf("and %d more bad records", len(e.Errs)-n))
	}
	return strings.Join(parts, "; ")
}

// Unwrap lets errors.Is/As reach each record's error.
func (e *RecordErrors) Unwrap() []error {
	out := make([]error, len(e.Errs))
	for i := range e.Errs {
		out[i] = e.Errs[i]
	}
	return out
}

// add records a bad record.
func (e *RecordErrors) add(file string, record, line int, field string, err error) {
	e.Errs = append(e.Errs, RecordError{File: file, Record: record, Line: line, Field: field, Err: err})
}

// err returns e when it holds at least one record error, nil otherwise, so that a parser
// can end with "return out, errs.err()".
func (e *RecordErrors) err() error {
	if e == nil || len(e.Errs) == 0 {
		return nil
	}
	return e
}

// registry is the one list of the formats this package parses, in the order they are
// documented: adding a format is adding its line here (and its name to the domain's
// passerelle.Formats, which a test keeps equal to this list). rss and atom share one
// parser: gofeed tells them apart itself, and sources often mislabel one as the other.
var registry = []struct {
	format string
	parse  Parser
}{
	{"rss", ParseFeed},
	{"atom", ParseFeed},
	{"jsonl", ParseJSONL},
	{"csv", ParseCSV},
	{"json", ParseJSON},
	{"ocds", ParseOCDS},
	{"ted-xml", ParseTED},
	{"eforms", ParseEForms},
	{"fts", ParseFTS},
	{"html", ParseHTML},
}

// Formats lists the formats this package can parse, in a stable order.
var Formats = func() []string {
	out := make([]string, len(registry))
	for i, r := range registry {
		out[i] = r.format
	}
	return out
}()

// parserFor returns the parser of a format.
func parserFor(format string) (Parser, bool) {
	for _, r := range registry {
		if r.format == format {
			return r.parse, true
		}
	}
	return nil, false
}

// Supported reports whether format names a parser of this package ("" and "auto" included).
func Supported(format string) bool {
	if format == "" || format == "auto" {
		return true
	}
	_, ok := parserFor(format)
	return ok
}

// DetectSize is how many leading bytes Detect needs to see.
const DetectSize = 8 << 10

// Parse parses r in the given format; format "" or "auto" detects it from the content and name.
func Parse(ctx context.Context, format string, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	if format == "" || format == "auto" {
		head := make([]byte, DetectSize)
		n, err := io.ReadFull(r, head)
		if err != nil && !errors.Is(err, io.ErrUnexpectedEOF) && !errors.Is(err, io.EOF) {
			return nil, fmt.Errorf("%s: %w", name, err)
		}
		head = head[:n]
		format, err = Detect(head, name)
		if err != nil {
			return nil, err
		}
		r = io.MultiReader(bytes.NewReader(head), r)
	}
	p, ok := parserFor(format)
	if !ok {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s: unknown format %q; known: %s", name, format, strings.Join(Formats, ", "))
	}
	return p(ctx, r, name, src)
}

// Detect names the format of a document from its first bytes (see DetectSize) and, when the
// content does not tell, its name. Content wins: a ".xml" file may be RSS, TED or eForms.
// When neither markup, JSON nor the name tells, a document whose first lines split into
// the same number of fields on , ; or tab under a header row is taken for CSV.
// An HTML page is never taken for a feed: it is what servers send when something went wrong
// (a login wall, a 503 page), so it is an error unless the source declares format "html".
func Detect(head []byte, name string) (string, error) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) > 0 {
		switch trimmed[0] {
		case '<':
			if f, err := detectXML(trimmed, name); f != "" || err != nil {
				return f, err
			}
		case '{':
			return detectJSONObject(trimmed, name), nil
		case '[':
			if isFTS(trimmed) {
				return "fts", nil
			}
			if isOCDS(trimmed) {
				return "ocds", nil
			}
			return "json", nil
		}
	}
	ext := strings.ToLower(path.Ext(stripQuery(name)))
	switch ext {
	case ".xml", ".rss", ".atom":
		// Named as markup but not markup: say so, rather than read it as a table.
		if len(trimmed) > 0 {
			return "", passerelle.Errorf(passerelle.EINVALID, "%s: not XML (starts with %q, a %s file should start with \"<\")", name, snippet(trimmed, 40), ext)
		}
	}
	switch ext {
	case ".jsonl", ".ndjson":
		return "jsonl", nil
	case ".rss":
		return "rss", nil
	case ".atom":
		return "atom", nil
	case ".csv", ".tsv":
		return "csv", nil
	case ".json":
		return "json", nil
	}
	if len(trimmed) == 0 {
		return "", passerelle.Errorf(passerelle.EINVALID, "%s: empty document, cannot tell its format", name)
	}
	// Last resort: a table under a name that does not say so (".txt", an export URL).
	// An HTML page that does not start with its markup is still an error page, not a table.
	lower := asciiLower(trimmed)
	if bytes.Contains(lower, []byte("<html")) || bytes.Contains(lower, []byte("<!doctype html")) {
		return "", htmlError(trimmed, name)
	}
	if _, ok := sniffCSV(head); ok { // head, not trimmed: a TSV may start with an empty column
		return "csv", nil
	}
	return "", passerelle.Errorf(passerelle.EINVALID, "%s: unknown format (starts with %q); set the source's format", name, snippet(trimmed, 40))
}

func stripQuery(name string) string {
	if i := strings.IndexAny(name, "?#"); i >= 0 {
		return name[:i]
	}
	return name
}

// detectXML reads tokens up to the root element. A head cut in the middle of the root
// element is fine: only its name and namespace matter.
func detectXML(head []byte, name string) (string, error) {
	lower := asciiLower(head[:min(len(head), 512)])
	if bytes.HasPrefix(lower, []byte("<!doctype html")) || bytes.HasPrefix(lower, []byte("<html")) {
		return "", htmlError(head, name)
	}
	d := xml.NewDecoder(bytes.NewReader(head))
	d.Strict = false
	for {
		tok, err := d.Token()
		if err != nil {
			if bytes.Contains(lower, []byte("<html")) {
				return "", htmlError(head, name)
			}
			return "", passerelle.Errorf(passerelle.EINVALID, "%s: not well-formed XML before the root element: %v", name, err)
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		space, local := se.Name.Space, se.Name.Local
		switch {
		case strings.EqualFold(local, "html"):
			return "", htmlError(head, name)
		case local == "rss" || (local == "RDF" && strings.Contains(string(head), "purl.org/rss")):
			return "rss", nil
		case local == "feed":
			return "atom", nil
		case local == "TED_EXPORT" || local == "TED_ESENDERS" || strings.Contains(space, "publications.europa.eu/resource/schema/ted"):
			return "ted-xml", nil
		case strings.HasPrefix(space, "urn:oasis:names:specification:ubl:schema:xsd:") &&
			(strings.HasSuffix(local, "Notice") || strings.Contains(space, "Notice")):
			return "eforms", nil
		}
		return "", passerelle.Errorf(passerelle.EINVALID, "%s: unknown XML document (root element <%s> in namespace %q); set the source's format", name, local, space)
	}
}

func htmlError(head []byte, name string) error {
	title := ""
	lower := asciiLower(head)
	if i := bytes.Index(lower, []byte("<title")); i >= 0 {
		if j := bytes.IndexByte(lower[i:], '>'); j >= 0 {
			rest := head[i+j+1:]
			if k := bytes.Index(asciiLower(rest), []byte("</title")); k >= 0 {
				title = strings.Join(strings.Fields(string(rest[:k])), " ")
			}
		}
	}
	if title != "" {
		title = fmt.Sprintf(" (title %q)", snippet([]byte(title), 80))
	}
	return passerelle.Errorf(passerelle.EINVALID, "%s: got an HTML page%s where a feed or data file was expected; if the page itself is the source, set format \"html\" with CSS selectors", name, title)
}

// detectJSONObject tells JSON Lines from one JSON document. JSONL holds a whole object on
// its first line; a pretty-printed document does not. OCDS packages and Funding & Tenders
// topics say so by their keys.
func detectJSONObject(head []byte, name string) string {
	if isOCDS(head) {
		return "ocds"
	}
	if isFTS(head) {
		return "fts"
	}
	line := head
	if i := bytes.IndexByte(head, '\n'); i >= 0 {
		line = head[:i]
		if isCompleteObject(line) {
			return "jsonl"
		}
		return "json"
	}
	// No newline in the head: one long line. Trust the name, else take a complete
	// object for a one-record JSONL file and anything cut short for JSONL too when the
	// name says nothing (canonical exports have long lines).
	switch strings.ToLower(path.Ext(stripQuery(name))) {
	case ".json":
		return "json"
	}
	return "jsonl"
}

// isOCDS reports OCDS documents: a release or record package, or bare releases (one, an
// array of them, or one per line), which carry an ocid beside the keys of a release.
func isOCDS(head []byte) bool {
	if !bytes.Contains(head, []byte(`"ocid"`)) {
		return false
	}
	for _, k := range []string{`"releases"`, `"records"`, `"tag"`, `"initiationType"`, `"tender"`, `"parties"`, `"buyer"`} {
		if bytes.Contains(head, []byte(k)) {
			return true
		}
	}
	return false
}

// isFTS reports answers of the Funding & Tenders portal's search API.
func isFTS(head []byte) bool {
	if isFTSEnvelope(head) {
		return true
	}
	if !bytes.Contains(head, []byte(`"callIdentifier"`)) {
		return false
	}
	// Flattened topics name their topicId; the API's own records an "identifier" in their
	// metadata, inside the {"results": [...]} envelope.
	return bytes.Contains(head, []byte(`"topicId"`)) || isFTSEnvelope(head)
}

// isFTSEnvelope reports the search API's own envelope, whose records may be long enough
// for their identifiers to lie beyond the head.
func isFTSEnvelope(head []byte) bool {
	return bytes.Contains(head, []byte(`"results"`)) && bytes.Contains(head, []byte(`"totalResults"`)) && bytes.Contains(head, []byte(`"metadata"`))
}

func isCompleteObject(b []byte) bool {
	b = bytes.TrimSpace(b)
	if len(b) < 2 || b[0] != '{' || b[len(b)-1] != '}' {
		return false
	}
	return json.Valid(b)
}

func snippet(b []byte, n int) string {
	s := strings.ToValidUTF8(string(b), "")
	if len([]rune(s)) > n {
		s = string([]rune(s)[:n]) + "…"
	}
	return s
}

// asciiLower lowers ASCII letters only, so that offsets found in the result are valid in
// the input (bytes.ToLower may change lengths on odd UTF-8).
func asciiLower(b []byte) []byte {
	out := make([]byte, len(b))
	for i, c := range b {
		if 'A' <= c && c <= 'Z' {
			c += 'a' - 'A'
		}
		out[i] = c
	}
	return out
}
