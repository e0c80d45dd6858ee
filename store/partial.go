package store

import (
	"bytes"
	"fmt"
	"sort"
	"time"

	"github.com/passerelle/passerelle"
)

// An OCDS publisher may send, in a later package, only what changed in a contracting
// process (a tender amendment with the new deadline, an award): a partial release. The
// parser marks it Partial; here, in the write transaction that stores it, it is merged into
// the notice stored under the same id, by the OCDS merge rule: the newer release's fields
// win, the fields it leaves out keep the other's value. A partial release whose notice is
// not stored yet waits in pending_partials and completes the notice when that one comes
// (packages are not ordered), so nothing a source sent is lost.

var bucketPendingPartials = []byte("pending_partials")

// keepPartial stores partial record o until its notice arrives.
func (w *oppWriter) keepPartial(o *passerelle.Opportunity) (PutOutcome, error) {
	b, err := w.tx.CreateBucketIfNotExists(bucketPendingPartials)
	if err != nil {
		return PutOutcome{}, err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return PutOutcome{}, err
	}
	if err := putJSON(b, join([]byte(o.ID), u64(seq)), o); err != nil {
		return PutOutcome{}, err
	}
	return PutOutcome{Result: PutPending, ID: o.ID}, nil
}

// takePartials merges into o, about to be stored, the partial releases that waited for it,
// oldest release first, and removes them.
func (w *oppWriter) takePartials(o *passerelle.Opportunity, now time.Time) error {
	b := w.tx.Bucket(bucketPendingPartials)
	if b == nil {
		return nil
	}
	prefix := append([]byte(o.ID), 0)
	var keys [][]byte
	var parts []passerelle.Opportunity
	c := b.Cursor()
	for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
		var p passerelle.Opportunity
		if err := decode(v, &p); err != nil {
			return fmt.Errorf("pending partial release %q: %w", k, err)
		}
		keys = append(keys, append([]byte(nil), k...))
		parts = append(parts, p)
	}
	sort.SliceStable(parts, func(i, j int) bool { return olderRelease(&parts[i], &parts[j]) })
	for i := range parts {
		*o = mergePartial(o, &parts[i], now)
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// staleCopy reports whether in is an older release of the stored notice: both dated, in
// strictly before. The OCDS merge rule is by date, whichever arrives last.
func staleCopy(in, stored *passerelle.Opportunity) bool {
	return in.Published != nil && stored.Published != nil && in.Published.Before(*stored.Published)
}

// olderRelease orders releases by date; one without a date counts as older.
func olderRelease(a, b *passerelle.Opportunity) bool {
	return a.Published == nil && b.Published != nil || a.Published != nil && b.Published != nil && a.Published.Before(*b.Published)
}

// mergePartial merges partial release p into notice o: whichever is newer (by release
// date; p when it has none) wins on every field it has, the other fills the rest. Identity
// and bookkeeping (id, sources, first seen, revision) stay o's; p's cancellation stands.
func mergePartial(o, p *passerelle.Opportunity, now time.Time) passerelle.Opportunity {
	newer, older := *p, *o
	if p.Published != nil && olderRelease(p, o) {
		newer, older = *o, *p
	}
	m := newer
	fillEmpty(&m, &older)
	m.ID, m.Source, m.Sources, m.ExternalID = o.ID, o.Source, o.Sources, o.ExternalID
	m.FirstSeen, m.Updated, m.Revision, m.Revisions = o.FirstSeen, o.Updated, o.Revision, nil
	m.Partial = false
	if m.Source == "" {
		m.Source = p.Source
	}
	// A partial release says nothing of the status unless it cancels: the stored one
	// stands, then follows the (maybe new) deadline.
	m.Status = o.Status
	if p.Status == passerelle.StatusCancelled {
		m.Status = passerelle.StatusCancelled
	}
	m.Status = m.ComputeStatus(now)
	return m
}

// fillEmpty fills every field x leaves empty from y.
func fillEmpty(x, y *passerelle.Opportunity) {
	str := func(a *string, b string) {
		if *a == "" {
			*a = b
		}
	}
	list := func(a *[]string, b []string) {
		if len(*a) == 0 {
			*a = b
		}
	}
	if x.Kind == "" || x.Kind == passerelle.KindOther && y.Kind != "" {
		x.Kind = y.Kind
	}
	str(&x.Title, y.Title)
	str(&x.Description, y.Description)
	str(&x.Language, y.Language)
	str(&x.URL, y.URL)
	str(&x.Buyer, y.Buyer)
	str(&x.Pole, y.Pole)
	str(&x.Country, y.Country)
	str(&x.Programme, y.Programme)
	str(&x.ActionType, y.ActionType)
	str(&x.Changes, y.Changes)
	list(&x.NUTS, y.NUTS)
	list(&x.CPV, y.CPV)
	list(&x.Clusters, y.Clusters)
	list(&x.Sectors, y.Sectors)
	list(&x.Aliases, y.Aliases)
	if x.Deadline == nil {
		x.Deadline, x.DeadlineUntrusted, x.DeadlineEvidence = y.Deadline, y.DeadlineUntrusted, y.DeadlineEvidence
	}
	if x.Published == nil {
		x.Published = y.Published
	}
	if len(x.Stages) == 0 {
		x.Stages = y.Stages
	}
	if x.Value == nil {
		x.Value = y.Value
	}
	if len(y.Translations) > 0 {
		t := cloneTexts(y.Translations)
		for lang, v := range x.Translations {
			t[lang] = v
		}
		x.Translations = t
	}
}
