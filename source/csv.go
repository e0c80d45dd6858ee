package source

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"

	"github.com/passerelle/passerelle"
)

// ParseCSV reads a table with a header row, one opportunity a row. Columns are mapped by
// src.Options ("csv.title": "Intitulé", "csv.deadline": "Date limite"…, see mappedFields),
// else recognised by their name in FR/EN/NL/DE. The delimiter is "csv.delimiter" or the
// most frequent of , ; and tab in the header. "csv.date_format" is a Go layout for dates
// the usual formats don't cover. A file that is not valid UTF-8 is read as Windows-1252,
// the encoding of spreadsheets exported on Windows. A row of more than 1,000 columns or a
// field of more than 1 MiB fails the document with a clear error (see checkCSVBounds).
func ParseCSV(ctx context.Context, r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	raw, loc, err := readDocument(r, name, src)
	if err != nil {
		return nil, err
	}
	if !utf8.Valid(raw) {
		if raw, err = charmap.Windows1252.NewDecoder().Bytes(raw); err != nil {
			return nil, fmt.Errorf("%s: neither UTF-8 nor Windows-1252: %w", name, err)
		}
	}
	comma := csvDelimiter(raw, src.Options["csv.delimiter"])
	if err := checkCSVBounds(raw, comma, name); err != nil {
		return nil, err
	}
	cr := csv.NewReader(bytes.NewReader(raw))
	cr.Comma = comma
	cr.ReuseRecord = true // the fields are copied into the record; the row slice is not kept
	cr.FieldsPerRecord = -1
	cr.LazyQuotes = true
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("%s: no header row: %w", name, err)
	}
	header = append([]string(nil), header...) // ReuseRecord: the next Read overwrites it
	for i := range header {
		header[i] = strings.TrimSpace(header[i])
	}
	fm, err := fieldMap("csv", src.Options, header)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	if fm["title"] == "" {
		return nil, passerelle.Errorf(passerelle.EINVALID, "%s: no title column; set option csv.title (columns: %s)", name, strings.Join(header, ", "))
	}
	col := map[string]int{}
	for i, h := range header {
		if _, dup := col[h]; !dup {
			col[h] = i
		}
	}
	var (
		out  []passerelle.Opportunity
		errs RecordErrors
	)
	for rec := 1; ; rec++ {
		if err := ctx.Err(); err != nil {
			return out, err
		}
		row, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		line, _ := cr.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				line = pe.StartLine
			}
			errs.add(name, rec, line, "", err)
			continue
		}
		if len(row) == 1 && strings.TrimSpace(row[0]) == "" {
			rec--
			continue
		}
		get := func(field string) string {
			if i, ok := col[fm[field]]; ok && fm[field] != "" && i < len(row) {
				return row[i]
			}
			return ""
		}
		o, err := buildRecord(get, src, loc, src.Options["csv.date_format"])
		if err != nil {
			var fe *fieldError
			if errors.As(err, &fe) {
				errs.add(name, rec, line, fm[fe.field], fe.err)
			} else {
				errs.add(name, rec, line, "", err)
			}
			continue
		}
		out = append(out, o)
	}
	return out, errs.err()
}

// csvDelimiter returns the delimiter option, else the one sniffCSV finds (the one Detect
// saw), else the most frequent of , ; tab in the first line (outside quotes, roughly:
// European exports use ';' because ',' is the decimal separator).
func csvDelimiter(raw []byte, opt string) rune {
	switch opt {
	case "\\t", "tab", "\t":
		return '\t'
	case "":
	default:
		r, _ := utf8.DecodeRuneInString(opt)
		return r
	}
	if d, ok := sniffCSV(raw[:min(len(raw), DetectSize)]); ok {
		return d
	}
	line := raw
	if i := bytes.IndexByte(raw, '\n'); i >= 0 {
		line = raw[:i]
	}
	best, n := ',', -1
	for _, d := range []rune{',', ';', '\t'} {
		if c := bytes.Count(line, []byte(string(d))); c > n {
			best, n = d, c
		}
	}
	return best
}

// sniffCSV tells whether head (the start of a document, possibly cut anywhere) is a
// delimited table, and with which delimiter: for one of , ; tab, a header row of at least
// two named columns followed by at least one row, every complete row having as many
// fields as the header (quoted fields may hold delimiters and newlines). Prose and
// logs rarely keep a constant count of these characters line after line, so they are
// left for the caller to reject. When several delimiters fit, the one giving the most
// columns wins (a ";" export whose cells hold decimal commas still has more ";" per row).
func sniffCSV(head []byte) (rune, bool) {
	head = bytes.TrimPrefix(head, []byte("\xef\xbb\xbf"))
	for _, c := range head {
		// Control bytes mean a binary file; CSV holds text (any 8-bit encoding).
		if c < 0x20 && c != '\t' && c != '\r' && c != '\n' || c == 0x7f {
			return 0, false
		}
	}
	// The head may stop in the middle of a record: that record is not judged.
	cut := len(head) > 0 && head[len(head)-1] != '\n'
	best, bestCols := rune(0), 1
	for _, d := range []rune{',', ';', '\t'} {
		cr := csv.NewReader(bytes.NewReader(head))
		cr.Comma = d
		cr.FieldsPerRecord = -1
		cr.LazyQuotes = true
		cr.ReuseRecord = false
		var recs [][]string
		for {
			rec, err := cr.Read()
			if err != nil {
				break // EOF, or a record the reader gives up on: judge what came before
			}
			recs = append(recs, rec)
		}
		if cut && len(recs) > 0 {
			recs = recs[:len(recs)-1]
		}
		if len(recs) < 2 || !csvHeader(recs[0]) {
			continue
		}
		cols := len(recs[0])
		ok := true
		for _, r := range recs[1:] {
			if len(r) != cols {
				ok = false
				break
			}
		}
		if ok && cols > bestCols {
			best, bestCols = d, cols
		}
	}
	return best, best != 0
}

// csvHeader tells whether a record looks like a header row: at least two columns, every
// name short, at most one left empty, most names holding a letter and none a bare number
// or date ("#" is a name, "2026" a value: a table of figures without a header cannot be
// mapped to fields anyway).
func csvHeader(rec []string) bool {
	if len(rec) < 2 {
		return false
	}
	empty, named := 0, 0
	for _, f := range rec {
		f = strings.TrimSpace(f)
		switch {
		case f == "":
			empty++
		case utf8.RuneCountInString(f) > 80:
			return false
		case strings.IndexFunc(f, unicode.IsLetter) >= 0:
			named++
		case strings.IndexFunc(f, unicode.IsDigit) >= 0:
			return false
		}
	}
	return empty <= 1 && named > 0 && 2*named >= len(rec)-empty
}
