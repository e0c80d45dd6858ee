package store

import (
	"bytes"
	"context"
	"fmt"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// PutResult says what PutOpportunities did with one record.
type PutResult int

const (
	// PutUnchanged: the opportunity was known and no material field changed. Non-material
	// fields (url, nuts, cpv, sources...) may still have been refreshed; see PutOutcome.
	PutUnchanged PutResult = iota
	// PutNew: a new opportunity, stored with revision 1.
	PutNew
	// PutUpdated: a material field changed; a revision with the diff was stored.
	PutUpdated
	// PutMerged: the record is another source's copy of a stored opportunity (same TED
	// publication number, or same title, buyer and deadline date) and was merged into it:
	// PutOutcome.ID names that opportunity, whose Sources now include the record's source.
	// Also returned when a later copy fills fields the opportunity lacked.
	PutMerged
	// PutPending: a partial record (Opportunity.Partial) of a notice not stored yet; it is
	// kept, and completes the notice when it arrives.
	PutPending
)

func (r PutResult) String() string {
	switch r {
	case PutUnchanged:
		return "unchanged"
	case PutNew:
		return "new"
	case PutUpdated:
		return "updated"
	case PutMerged:
		return "merged"
	case PutPending:
		return "pending"
	}
	return "PutResult(" + strconv.Itoa(int(r)) + ")"
}

// PutOutcome is the detailed result of storing one record.
type PutOutcome struct {
	Result PutResult
	// ID is the id the record is stored under.
	ID string
	// Refreshed is true when non-material fields changed without a revision: a derived
	// index may want to pick them up even though Result is PutUnchanged.
	Refreshed bool
}

// PutOpportunities upserts ops in one transaction and returns one result per record.
//
// A new id is stored with FirstSeen = Updated = now and Revision 1. For a known id the
// first-seen time and first source are kept and the sources are merged; when a material
// field (title, description, deadline, status, value, stages, translated texts) differs,
// Revision is incremented, Updated set to now and the diff stored as a passerelle.Revision.
// Other fields are refreshed silently. Records are validated first: one bad record
// rejects the batch, with an error naming it, and nothing is written.
func (db *DB) PutOpportunities(ctx context.Context, ops []passerelle.Opportunity, now time.Time) ([]PutResult, error) {
	outs, err := db.PutOpportunitiesDetailed(ctx, ops, now)
	if err != nil {
		return nil, err
	}
	res := make([]PutResult, len(outs))
	for i, o := range outs {
		res[i] = o.Result
	}
	return res, nil
}

// PutOpportunitiesDetailed is PutOpportunities returning, for each record, the id it is
// stored under and whether non-material fields were refreshed.
func (db *DB) PutOpportunitiesDetailed(ctx context.Context, ops []passerelle.Opportunity, now time.Time) ([]PutOutcome, error) {
	for i := range ops {
		if err := checkOpportunity(&ops[i]); err != nil {
			return nil, fmt.Errorf("opportunity %d: %w", i, err)
		}
	}
	outs := make([]PutOutcome, len(ops))
	err := db.update(ctx, func(tx *bolt.Tx) error {
		w, err := newOppWriter(tx)
		if err != nil {
			return err
		}
		for i := range ops {
			if i%256 == 0 {
				if err := ctx.Err(); err != nil {
					return err
				}
			}
			out, err := w.put(&ops[i], now)
			if err != nil {
				return fmt.Errorf("opportunity %d (%q): %w", i, ops[i].ID, err)
			}
			// The work the change calls for is recorded with the change itself.
			if k, ok := pendingFor(out); ok {
				if err := markPending(w.pending, out.ID, k); err != nil {
					return err
				}
			}
			outs[i] = out
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	return outs, nil
}

func checkOpportunity(o *passerelle.Opportunity) error {
	if err := checkID("opportunity", o.ID); err != nil {
		return err
	}
	return nil
}

// oppWriter holds the buckets one batch writes to.
type oppWriter struct {
	tx                               *bolt.Tx
	ops, revs, updated, fps, aliases *bolt.Bucket
	pending                          *bolt.Bucket
}

func newOppWriter(tx *bolt.Tx) (*oppWriter, error) {
	w := &oppWriter{tx: tx}
	var err error
	if w.ops, err = bucket(tx, bucketOpportunities); err != nil {
		return nil, err
	}
	if w.revs, err = bucket(tx, bucketRevisions); err != nil {
		return nil, err
	}
	if w.updated, err = bucket(tx, bucketOppUpdated); err != nil {
		return nil, err
	}
	if w.fps, err = bucket(tx, bucketFingerprints); err != nil {
		return nil, err
	}
	if w.aliases, err = bucket(tx, bucketAliases); err != nil {
		return nil, err
	}
	if w.pending, err = bucket(tx, bucketPending); err != nil {
		return nil, err
	}
	return w, nil
}

func (w *oppWriter) put(in *passerelle.Opportunity, now time.Time) (PutOutcome, error) {
	key := []byte(in.ID)
	o := *in
	o.Revisions = nil
	var old passerelle.Opportunity
	found, err := getJSON(w.ops, key, &old)
	if err != nil {
		return PutOutcome{}, err
	}
	// A partial release completes the stored notice, or waits for it (partial.go).
	if in.Partial {
		if c := w.aliases.Get(key); !found && c != nil { // merged into another source's copy
			key = append([]byte(nil), c...)
			if found, err = getJSON(w.ops, key, &old); err != nil {
				return PutOutcome{}, err
			}
		}
		if !found {
			return w.keepPartial(&o)
		}
		o = mergePartial(&old, &o, now)
	} else if err := w.takePartials(&o, now); err != nil {
		return PutOutcome{}, err
	} else if found && staleCopy(&o, &old) {
		// An older release sent again (an OCDS package re-published, a full release dated
		// before the amendment merged since) fills gaps, never overwrites what is newer.
		o = mergePartial(&old, &o, now)
	}
	if !found {
		// Not known under its id: maybe as another source's opportunity.
		canonical := string(w.aliases.Get(key))
		if canonical == "" {
			if canonical, err = w.findDuplicate(&o); err != nil {
				return PutOutcome{}, err
			}
		}
		if canonical != "" {
			return w.mergeCopy(canonical, &o, now)
		}
		o.Sources = mergeSources(nil, o.Source, o.Sources)
		if o.Source == "" && len(o.Sources) > 0 {
			o.Source = o.Sources[0]
		}
		o.FirstSeen, o.Updated, o.Revision = now, now, 1
		if err := w.write(&o, nil); err != nil {
			return PutOutcome{}, err
		}
		return PutOutcome{Result: PutNew, ID: o.ID}, nil
	}

	o.FirstSeen = old.FirstSeen
	if old.Source != "" {
		o.Source = old.Source
	}
	o.Sources = mergeSources(mergeSources(nil, old.Source, old.Sources), in.Source, in.Sources)
	if o.Source == "" && len(o.Sources) > 0 {
		o.Source = o.Sources[0]
	}
	if len(o.Sources) > 1 {
		// Other sources filled gaps this record leaves (a value, a translation): a source
		// that never had a field is not removing it, and dropping it would make the
		// opportunity flip between versions on every run. A field the record does carry wins.
		fillFrom(&o, &old)
	}
	changes := MaterialChanges(&old, &o)
	if len(changes) == 0 {
		o.Updated, o.Revision = old.Updated, old.Revision
		same, err := sameJSON(&old, &o)
		if err != nil || same {
			return PutOutcome{Result: PutUnchanged, ID: o.ID}, err
		}
		if err := putJSON(w.ops, key, &o); err != nil {
			return PutOutcome{}, err
		}
		if err := w.indexFingerprints(&o, &old); err != nil {
			return PutOutcome{}, err
		}
		return PutOutcome{Result: PutUnchanged, ID: o.ID, Refreshed: true}, nil
	}
	o.Revision = old.Revision + 1
	o.Updated = now
	rev := passerelle.Revision{N: o.Revision, At: now, Source: in.Source, Changes: changes}
	if err := putJSON(w.revs, revisionKey(o.ID, o.Revision), &rev); err != nil {
		return PutOutcome{}, err
	}
	if err := w.write(&o, &old); err != nil {
		return PutOutcome{}, err
	}
	return PutOutcome{Result: PutUpdated, ID: o.ID}, nil
}

// write stores o and moves its entries in the updated-time and fingerprint indexes.
func (w *oppWriter) write(o, old *passerelle.Opportunity) error {
	if err := w.indexFingerprints(o, old); err != nil {
		return err
	}
	if err := w.indexAliases(o); err != nil { // notice_alias.go
		return err
	}
	if old != nil {
		if err := w.updated.Delete(updatedKey(old.Updated, old.ID)); err != nil {
			return err
		}
	}
	if err := w.updated.Put(updatedKey(o.Updated, o.ID), nil); err != nil {
		return err
	}
	return putJSON(w.ops, []byte(o.ID), o)
}

func sameJSON(a, b any) (bool, error) {
	x, err := codec.Marshal(a)
	if err != nil {
		return false, err
	}
	y, err := codec.Marshal(b)
	if err != nil {
		return false, err
	}
	return bytes.Equal(x, y), nil
}

// mergeSources appends first and then rest to have, skipping empties and repeats, so the
// first source ever seen stays first.
func mergeSources(have []string, first string, rest []string) []string {
	add := func(s string) {
		if s == "" {
			return
		}
		for _, h := range have {
			if h == s {
				return
			}
		}
		have = append(have, s)
	}
	add(first)
	for _, s := range rest {
		add(s)
	}
	return have
}

// MaterialChanges lists the material fields that differ between old and new, each with
// its old and new value as text. An empty result means the change is not worth a revision.
func MaterialChanges(old, new *passerelle.Opportunity) []passerelle.FieldChange {
	var ch []passerelle.FieldChange
	diff := func(field, a, b string) {
		if a != b {
			ch = append(ch, passerelle.FieldChange{Field: field, Old: a, New: b})
		}
	}
	diff("title", old.Title, new.Title)
	diff("description", old.Description, new.Description)
	if !sameTime(old.Deadline, new.Deadline) {
		ch = append(ch, passerelle.FieldChange{Field: "deadline", Old: timeText(old.Deadline), New: timeText(new.Deadline)})
	}
	diff("status", string(old.Status), string(new.Status))
	diff("value", moneyText(old.Value), moneyText(new.Value))
	if !sameStages(old.Stages, new.Stages) {
		ch = append(ch, passerelle.FieldChange{Field: "stages", Old: stagesText(old.Stages), New: stagesText(new.Stages)})
	}
	langs := make([]string, 0, len(old.Translations)+len(new.Translations))
	for l := range old.Translations {
		langs = append(langs, l)
	}
	for l := range new.Translations {
		if _, ok := old.Translations[l]; !ok {
			langs = append(langs, l)
		}
	}
	sort.Strings(langs)
	for _, l := range langs {
		a, b := old.Translations[l], new.Translations[l]
		diff("translations."+l+".title", a.Title, b.Title)
		diff("translations."+l+".description", a.Description, b.Description)
	}
	return ch
}

func sameTime(a, b *time.Time) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Equal(*b)
}

func timeText(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.Format(time.RFC3339)
}

func moneyText(m *passerelle.Money) string {
	if m == nil {
		return ""
	}
	s := strconv.FormatFloat(m.Amount, 'f', -1, 64)
	if m.Currency != "" {
		s += " " + m.Currency
	}
	return s
}

func sameStages(a, b []passerelle.Stage) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i].Name != b[i].Name || !sameTime(a[i].Deadline, b[i].Deadline) {
			return false
		}
	}
	return true
}

func stagesText(st []passerelle.Stage) string {
	parts := make([]string, len(st))
	for i, s := range st {
		parts[i] = s.Name
		if s.Deadline != nil {
			parts[i] += " " + timeText(s.Deadline)
		}
	}
	return strings.Join(parts, "; ")
}

func revisionKey(id string, n int) []byte { return join([]byte(id), u64(uint64(n))) }

func updatedKey(t time.Time, id string) []byte { return append(timeKey(t), id...) }

func notFoundOpportunity(id string) error {
	return passerelle.Errorf(passerelle.ENOTFOUND, "opportunity %q not found", id)
}

// getOpportunity reads an opportunity by its id or by an alias (the id a second source
// gave it, see dedup.go). found is false when neither exists.
func getOpportunity(tx *bolt.Tx, id string, o *passerelle.Opportunity) (bool, error) {
	b, err := bucket(tx, bucketOpportunities)
	if err != nil {
		return false, err
	}
	found, err := getJSON(b, []byte(id), o)
	if found || err != nil {
		return found, err
	}
	aliases, err := bucket(tx, bucketAliases)
	if err != nil {
		return false, err
	}
	if canonical := aliases.Get([]byte(id)); canonical != nil {
		return getJSON(b, canonical, o)
	}
	return false, nil
}

// Opportunity returns one opportunity, without its revisions. An id that a second source
// gave to the same notice finds the opportunity it was merged into (whose ID differs).
func (db *DB) Opportunity(ctx context.Context, id string) (passerelle.Opportunity, error) {
	var o passerelle.Opportunity
	err := db.view(ctx, func(tx *bolt.Tx) error {
		found, err := getOpportunity(tx, id, &o)
		if err == nil && !found {
			err = notFoundOpportunity(id)
		}
		return err
	})
	return o, err
}

// OpportunityWithRevisions returns one opportunity with its revisions, oldest first.
func (db *DB) OpportunityWithRevisions(ctx context.Context, id string) (passerelle.Opportunity, error) {
	var o passerelle.Opportunity
	err := db.view(ctx, func(tx *bolt.Tx) error {
		found, err := getOpportunity(tx, id, &o)
		if err != nil {
			return err
		}
		if !found {
			return notFoundOpportunity(id)
		}
		revs, err := bucket(tx, bucketRevisions)
		if err != nil {
			return err
		}
		return prefixScan(revs, append([]byte(o.ID), 0), func(k, v []byte) error {
			// The prefix "id\x00" could also match a longer id only if ids held NUL bytes,
			// which checkID forbids; the fixed 8-byte suffix makes sure.
			if len(k) != len(o.ID)+1+8 {
				return nil
			}
			var r passerelle.Revision
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("revision %q: %w", k, err)
			}
			o.Revisions = append(o.Revisions, r)
			return nil
		})
	})
	return o, err
}

// Opportunities returns the opportunities with the given ids (or aliases), in the same
// order; ids not in the store are skipped.
func (db *DB) Opportunities(ctx context.Context, ids []string) ([]passerelle.Opportunity, error) {
	out := make([]passerelle.Opportunity, 0, len(ids))
	err := db.view(ctx, func(tx *bolt.Tx) error {
		for _, id := range ids {
			var o passerelle.Opportunity
			found, err := getOpportunity(tx, id, &o)
			if err != nil {
				return err
			}
			if found {
				out = append(out, o)
			}
		}
		return nil
	})
	return out, err
}

// forEachChunk is how long scans read: a few hundred records per read transaction, fn
// called outside it. A long-lived read transaction would stall writers when the file has
// to grow, and fn may well want to write to the store itself.
const forEachChunk = 256

// ForEachOpportunity calls fn for every opportunity in id order. fn must not keep o.
// The scan is not one snapshot: records written meanwhile may or may not be seen.
func (db *DB) ForEachOpportunity(ctx context.Context, fn func(o *passerelle.Opportunity) error) error {
	var after []byte
	for {
		var chunk []passerelle.Opportunity
		err := db.view(ctx, func(tx *bolt.Tx) error {
			b, err := bucket(tx, bucketOpportunities)
			if err != nil {
				return err
			}
			c := b.Cursor()
			var k, v []byte
			if after == nil {
				k, v = c.First()
			} else if k, v = c.Seek(after); k != nil && bytes.Equal(k, after) {
				k, v = c.Next()
			}
			for ; k != nil && len(chunk) < forEachChunk; k, v = c.Next() {
				var o passerelle.Opportunity
				if err := decode(v, &o); err != nil {
					return fmt.Errorf("opportunity %q: %w", k, err)
				}
				chunk = append(chunk, o)
				after = append(after[:0], k...)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range chunk {
			if err := fn(&chunk[i]); err != nil {
				return err
			}
		}
		if len(chunk) < forEachChunk {
			return ctx.Err()
		}
	}
}

// CountOpportunities returns how many opportunities the store holds.
func (db *DB) CountOpportunities(ctx context.Context) (int, error) {
	return db.count(ctx, bucketOpportunities)
}

func (db *DB) count(ctx context.Context, name []byte) (int, error) {
	var n int
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, name)
		if err != nil {
			return err
		}
		n = b.Stats().KeyN
		return nil
	})
	return n, err
}

// UpdatedSince returns the ids of opportunities whose Updated time is at or after t, oldest
// change first. It reads the updated-time index, not the opportunities.
func (db *DB) UpdatedSince(ctx context.Context, t time.Time) ([]string, error) {
	var ids []string
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOppUpdated)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, _ := c.Seek(timeKey(t)); k != nil; k, _ = c.Next() {
			ids = append(ids, string(k[8:]))
		}
		return nil
	})
	return ids, err
}

// OpportunityIDs returns every opportunity id in order.
func (db *DB) OpportunityIDs(ctx context.Context) ([]string, error) {
	var ids []string
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketOpportunities)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, _ []byte) error {
			ids = append(ids, string(k))
			return nil
		})
	})
	return ids, err
}
