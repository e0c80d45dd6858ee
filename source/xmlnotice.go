package source

import (
	"fmt"
	"io"
	"time"

	"github.com/passerelle/passerelle"
)

// xmlNotice is what a one-notice-per-document XML format (TED XML, eForms) tells the shared
// skeleton: whether a root element is one of its notices, and how to read one.
type xmlNotice struct {
	format string // named in the error of a wrong root ("not a TED XML notice")
	want   string // what the root should be, for that error ("<TED_EXPORT>")
	isRoot func(root *node) bool
	read   func(root *node, loc *time.Location) (o passerelle.Opportunity, field string, err error)
}

// parse is the skeleton both formats share: the source's zone, the whole document as a tree,
// the root checked, the notice read — a notice that cannot be read is its record error,
// naming the field — and its id "<source>:<external id>".
func (x xmlNotice) parse(r io.Reader, name string, src passerelle.Source) ([]passerelle.Opportunity, error) {
	loc, err := location(src)
	if err != nil {
		return nil, err
	}
	root, err := parseXMLTree(r)
	if err != nil {
		return nil, fmt.Errorf("%s: not well-formed XML: %w", name, err)
	}
	if !x.isRoot(root) {
		return nil, fmt.Errorf("%s: not %s (root element <%s>%s)", name, x.format, root.name, x.want)
	}
	o, field, err := x.read(root, loc)
	if err != nil {
		var errs RecordErrors
		errs.add(name, 1, 0, field, err)
		return nil, errs.err()
	}
	o.ID = src.ID + ":" + o.ExternalID
	for i, a := range o.Aliases {
		o.Aliases[i] = src.ID + ":" + a
	}
	return []passerelle.Opportunity{o}, nil
}
