package source

import (
	"bytes"
	"fmt"
	"io"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// readDocument reads a whole document for the parsers that need it at once (CSV, the
// portal's answers), without a UTF-8 byte-order mark, and the zone its dates without one
// are read in.
func readDocument(r io.Reader, name string, src passerelle.Source) ([]byte, *time.Location, error) {
	loc, err := location(src)
	if err != nil {
		return nil, nil, err
	}
	raw, err := io.ReadAll(r)
	if err != nil {
		return nil, nil, fmt.Errorf("%s: %w", name, err)
	}
	return bytes.TrimPrefix(raw, []byte("\xef\xbb\xbf")), loc, nil
}
