package store

import (
	"context"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Pending work: which opportunities still have to be indexed and matched. A marker is
// written in the same transaction as the opportunity change that makes it necessary, and
// removed in the transaction that stores the opportunity's matches, so whatever a crash
// interrupts (store, index or match) the next run finds the marker and finishes the job.
// Matching is idempotent (PutMatches keeps states and feedback), so doing a step twice after
// a crash is harmless; skipping one would lose matches for good.
//
// The value is a generation number (the bucket's sequence) followed by the kind: a marker
// re-written while a run is matching the opportunity gets a new generation, and clearing
// the old one then leaves the new one in place.

// PendingKind says what an opportunity still needs.
type PendingKind byte

const (
	// PendingIndex: non-material fields changed; the search index must be refreshed.
	PendingIndex PendingKind = 'i'
	// PendingMatch: new or materially changed; it must be indexed and matched.
	PendingMatch PendingKind = 'm'
)

// Pending is one opportunity's marker.
type Pending struct {
	ID   string
	Kind PendingKind
	Gen  uint64
}

func pendingValue(gen uint64, k PendingKind) []byte { return append(u64(gen), byte(k)) }

func decodePending(id string, v []byte) (Pending, error) {
	if len(v) != 9 {
		return Pending{}, fmt.Errorf("store damaged: pending marker of %q has %d bytes", id, len(v))
	}
	return Pending{ID: id, Kind: PendingKind(v[8]), Gen: beU64(v[:8])}, nil
}

func beU64(b []byte) uint64 {
	var n uint64
	for _, c := range b {
		n = n<<8 | uint64(c)
	}
	return n
}

// markPending records that id needs k. A match marker is never downgraded to an index one.
func markPending(b *bolt.Bucket, id string, k PendingKind) error {
	if old := b.Get([]byte(id)); len(old) == 9 && PendingKind(old[8]) == PendingMatch {
		k = PendingMatch
	}
	gen, err := b.NextSequence()
	if err != nil {
		return err
	}
	return b.Put([]byte(id), pendingValue(gen, k))
}

// pendingFor is the marker a put outcome calls for, if any.
func pendingFor(out PutOutcome) (PendingKind, bool) {
	switch {
	case out.Result == PutPending: // nothing stored to index or match yet
		return 0, false
	case out.Result != PutUnchanged:
		return PendingMatch, true
	case out.Refreshed:
		return PendingIndex, true
	}
	return 0, false
}

// PendingWork lists the pending markers in id order.
func (db *DB) PendingWork(ctx context.Context) ([]Pending, error) {
	var out []Pending
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketPending)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			p, err := decodePending(string(k), v)
			if err != nil {
				return err
			}
			out = append(out, p)
			return nil
		})
	})
	return out, err
}

// CountPending is how many opportunities still wait for indexing or matching.
func (db *DB) CountPending(ctx context.Context) (int, error) { return db.count(ctx, bucketPending) }

// clearPending removes the markers in done whose generation has not moved since they were read.
func clearPending(tx *bolt.Tx, done []Pending) error {
	b, err := bucket(tx, bucketPending)
	if err != nil {
		return err
	}
	for _, p := range done {
		v := b.Get([]byte(p.ID))
		if v == nil {
			continue
		}
		cur, err := decodePending(p.ID, v)
		if err != nil {
			return err
		}
		if cur.Gen == p.Gen {
			if err := b.Delete([]byte(p.ID)); err != nil {
				return err
			}
		}
	}
	return nil
}

// ClearPending removes markers whose work is done without matches to store (index-only
// refreshes, or opportunities that no longer exist).
func (db *DB) ClearPending(ctx context.Context, done []Pending) error {
	return db.update(ctx, func(tx *bolt.Tx) error { return clearPending(tx, done) })
}

// PutMatchesDone is PutMatches that also clears the markers of the opportunities the matches
// were computed for, in the same transaction: either the matches are stored and the work is
// known done, or neither.
func (db *DB) PutMatchesDone(ctx context.Context, ms []passerelle.Match, done []Pending, now time.Time) (int, error) {
	for i := range ms {
		if err := checkMatch(i, &ms[i]); err != nil {
			return 0, err
		}
	}
	var n int
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		if n, err = putMatches(ctx, tx, ms, now); err != nil {
			return err
		}
		return clearPending(tx, done)
	})
	return n, err
}

// MarkAllPending marks every stored opportunity as needing a match (`match --full`, a
// rules change): the work is then durable like any other.
func (db *DB) MarkAllPending(ctx context.Context) (int, error) {
	n := 0
	err := db.update(ctx, func(tx *bolt.Tx) error {
		ops, err := bucket(tx, bucketOpportunities)
		if err != nil {
			return err
		}
		b, err := bucket(tx, bucketPending)
		if err != nil {
			return err
		}
		return ops.ForEach(func(k, _ []byte) error {
			n++
			return markPending(b, string(k), PendingMatch)
		})
	})
	return n, err
}

// migratePending creates the pending bucket and marks what an older store may have left
// unmatched. Before this step, a run matched what changed since the start of the last run
// that went through, and a killed run left opportunities stored but never matched: every
// opportunity updated since the start of the last ok (or partial) run, or of any run that
// never finished well, is marked; with no such run at all, every opportunity is. Matching
// again is harmless (states and feedback are kept), missing a match is not.
func migratePending(tx *bolt.Tx) error {
	pb, err := tx.CreateBucketIfNotExists(bucketPending)
	if err != nil {
		return err
	}
	runs, err := bucket(tx, bucketRuns)
	if err != nil {
		return err
	}
	var since time.Time
	lastGood := time.Time{}
	var bad []time.Time
	err = runs.ForEach(func(k, v []byte) error {
		var r passerelle.Run
		if err := decode(v, &r); err != nil {
			return fmt.Errorf("run %q: %w", k, err)
		}
		switch r.Status {
		case passerelle.RunOK, passerelle.RunPartial:
			if r.Started.After(lastGood) {
				lastGood = r.Started
			}
		default:
			bad = append(bad, r.Started)
		}
		return nil
	})
	if err != nil {
		return err
	}
	all := lastGood.IsZero()
	since = lastGood
	for _, t := range bad {
		if t.Before(since) {
			since = t
		}
	}
	ops, err := bucket(tx, bucketOpportunities)
	if err != nil {
		return err
	}
	return ops.ForEach(func(k, v []byte) error {
		if !all {
			var o passerelle.Opportunity
			if err := decode(v, &o); err != nil {
				return fmt.Errorf("opportunity %q: %w", k, err)
			}
			if o.Updated.Before(since) {
				return nil
			}
		}
		return markPending(pb, string(k), PendingMatch)
	})
}
