package source

import (
	"unicode/utf8"

	"github.com/passerelle/passerelle"
)

// Bounds of a CSV document. encoding/csv makes a string and a slice entry of every field
// before the parser sees the row, so a row of a million empty columns costs tens of bytes of
// memory per byte of input; a field of hundreds of megabytes is no call's description. A
// real export has tens of columns and fields of a few kilobytes: these limits are far above.
const (
	maxCSVColumns    = 1000
	maxCSVFieldBytes = 1 << 20
)

// checkCSVBounds scans raw once, before it is parsed, and fails on the first record with
// more than maxCSVColumns fields or a field longer than maxCSVFieldBytes, naming its line.
// Quotes are followed as encoding/csv reads them (a delimiter or newline inside quotes
// belongs to the field).
func checkCSVBounds(raw []byte, comma rune, name string) error {
	var delim [utf8.UTFMax]byte
	dl := utf8.EncodeRune(delim[:], comma)
	line, recLine := 1, 1
	fields, size := 1, 0
	inQuotes, fieldStart := false, true
	for i := 0; i < len(raw); i++ {
		c := raw[i]
		switch {
		case c == '"' && (inQuotes || fieldStart):
			inQuotes = !inQuotes
		case c == '\n':
			line++
			if !inQuotes {
				fields, size, fieldStart, recLine = 1, 0, true, line
				continue
			}
		case !inQuotes && c == delim[0] && (dl == 1 || i+dl <= len(raw) && string(raw[i:i+dl]) == string(delim[:dl])):
			fields++
			if fields > maxCSVColumns {
				return passerelle.Errorf(passerelle.EINVALID, "%s: line %d: more than %d columns; not a table of calls (or set the right csv.delimiter)", name, recLine, maxCSVColumns)
			}
			size, fieldStart = 0, true
			i += dl - 1
			continue
		}
		fieldStart = false
		size++
		if size > maxCSVFieldBytes {
			return passerelle.Errorf(passerelle.EINVALID, "%s: line %d: a field longer than %d bytes; not a table of calls", name, recLine, maxCSVFieldBytes)
		}
	}
	return nil
}
