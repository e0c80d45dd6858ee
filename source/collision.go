package source

import (
	"fmt"
	"strings"

	"github.com/passerelle/passerelle"
)

// ErrIDCollision is the error of a record whose id is already taken, in the same batch, by a
// different notice of another document: two notices must never become one silently.
type ErrIDCollision struct {
	ID    string
	First string // the document that holds the notice kept under ID
}

func (e *ErrIDCollision) Error() string {
	return fmt.Sprintf("id %q is already used by a different notice in %s; this one was not stored (its identifier is not unique: fix the source or its id field)", e.ID, e.First)
}

// batchDoc is one parsed document of a batch, already normalised.
type batchDoc struct {
	name string
	ops  []passerelle.Opportunity
}

// joinBatch joins the documents of one batch. The same id twice, in one document or two, is
// one notice seen twice when both records name it alike (the same title): a feed repeating
// an item, a daily package repeating a notice with its deadline moved; the later record takes
// the place of the earlier. Under different titles they are two notices that must not become
// one: the first stays, the other is a record error of its document, never written over the
// first.
func joinBatch(docs []batchDoc) ([]passerelle.Opportunity, []RecordError) {
	type owner struct {
		doc int
		pos int // index in out
	}
	seen := map[string]owner{}
	var out []passerelle.Opportunity
	var errs []RecordError
	for d, doc := range docs {
		for i, o := range doc.ops {
			prev, dup := seen[o.ID]
			switch {
			case !dup:
				seen[o.ID] = owner{doc: d, pos: len(out)}
				out = append(out, o)
			case sameNotice(&out[prev.pos], &o):
				out[prev.pos] = o
			default:
				errs = append(errs, RecordError{File: doc.name, Record: i + 1, Field: "id",
					Err: &ErrIDCollision{ID: o.ID, First: docs[prev.doc].name}})
			}
		}
	}
	return out, errs
}

// sameNotice tells a record that names the same notice again (perhaps changed) from a
// different notice under the same id: its title, the notice's name, must agree (case and
// spacing aside).
func sameNotice(a, b *passerelle.Opportunity) bool {
	norm := func(s string) string { return strings.ToLower(strings.Join(strings.Fields(s), " ")) }
	return norm(a.Title) == norm(b.Title)
}
