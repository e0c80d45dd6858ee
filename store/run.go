package store

import (
	"context"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// runIDWidth zero-pads run ids so that their byte order is their creation order. Six digits
// hold a million runs — millennia of nightly runs, years of runs every minute.
const runIDWidth = 6

// CreateRun stores a new run under the next sequence number, as a zero-padded id
// ("000042"), and returns it with its ID set.
func (db *DB) CreateRun(ctx context.Context, r passerelle.Run) (passerelle.Run, error) {
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		seq, err := b.NextSequence()
		if err != nil {
			return err
		}
		r.ID = fmt.Sprintf("%0*d", runIDWidth, seq)
		return putJSON(b, []byte(r.ID), &r)
	})
	if err != nil {
		return passerelle.Run{}, err
	}
	return r, nil
}

// PutRun replaces a run created by CreateRun; ENOTFOUND for an unknown id.
func (db *DB) PutRun(ctx context.Context, r passerelle.Run) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		if b.Get([]byte(r.ID)) == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "run %q not found", r.ID)
		}
		return putJSON(b, []byte(r.ID), &r)
	})
}

// Run returns one run; ENOTFOUND naming the id when there is none.
func (db *DB) Run(ctx context.Context, id string) (passerelle.Run, error) {
	var r passerelle.Run
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		found, err := getJSON(b, []byte(id), &r)
		if err == nil && !found {
			err = passerelle.Errorf(passerelle.ENOTFOUND, "run %q not found", id)
		}
		return err
	})
	return r, err
}

// Runs returns up to limit runs, newest first; limit <= 0 means all.
func (db *DB) Runs(ctx context.Context, limit int) ([]passerelle.Run, error) {
	var rs []passerelle.Run
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		c := b.Cursor()
		for k, v := c.Last(); k != nil && (limit <= 0 || len(rs) < limit); k, v = c.Prev() {
			var r passerelle.Run
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("run %q: %w", k, err)
			}
			rs = append(rs, r)
		}
		return nil
	})
	return rs, err
}

// InterruptRuns marks every run still recorded as running as interrupted, finished at now,
// with msg as its error, and returns them. Only a process that owns the store (the file lock)
// may call it, before starting runs of its own.
func (db *DB) InterruptRuns(ctx context.Context, now time.Time, msg string) ([]passerelle.Run, error) {
	var out []passerelle.Run
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRuns)
		if err != nil {
			return err
		}
		var changed []passerelle.Run
		err = b.ForEach(func(k, v []byte) error {
			var r passerelle.Run
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("run %q: %w", k, err)
			}
			if r.Status == passerelle.RunRunning {
				r.Status, r.Finished, r.Error = passerelle.RunInterrupted, &now, msg
				changed = append(changed, r)
			}
			return nil
		})
		if err != nil {
			return err
		}
		for i := range changed {
			if err := putJSON(b, []byte(changed[i].ID), &changed[i]); err != nil {
				return err
			}
		}
		out = changed
		return nil
	})
	return out, err
}
