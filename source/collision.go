package source

import (
	"fmt"
	"reflect"
	"time"

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

// joinBatch joins the documents of one batch. Within a document, a repeated id is one
// opportunity seen twice (Normalize keeps the later copy). Across documents, the same id
// holding the same notice (one notice in two daily packages) is kept once; holding a
// different notice, it is a collision: the first stays, the other is reported, never
// written over the first.
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
			if !dup {
				seen[o.ID] = owner{doc: d, pos: len(out)}
				out = append(out, o)
				continue
			}
			if sameNotice(&out[prev.pos], &o) {
				continue
			}
			errs = append(errs, RecordError{File: doc.name, Record: i + 1, Field: "id",
				Err: &ErrIDCollision{ID: o.ID, First: docs[prev.doc].name}})
		}
	}
	return out, errs
}

// sameNotice tells a copy of a notice from a different notice under the same id: the fields
// a notice is made of must all agree.
func sameNotice(a, b *passerelle.Opportunity) bool {
	return a.Title == b.Title && a.Description == b.Description && a.Kind == b.Kind &&
		a.Buyer == b.Buyer && a.Changes == b.Changes && sameTime(a.Deadline, b.Deadline) &&
		sameTime(a.Published, b.Published) && reflect.DeepEqual(a.Value, b.Value) &&
		reflect.DeepEqual(a.Translations, b.Translations)
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}
