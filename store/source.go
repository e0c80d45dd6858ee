package store

import (
	"context"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// PutSource creates or replaces a source after validating it.
func (db *DB) PutSource(ctx context.Context, s passerelle.Source) error {
	if err := s.Validate(); err != nil {
		return err
	}
	if err := checkID("source", s.ID); err != nil {
		return err
	}
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(s.ID), &s)
	})
}

// Source returns one source; ENOTFOUND naming the id when there is none.
func (db *DB) Source(ctx context.Context, id string) (passerelle.Source, error) {
	var s passerelle.Source
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		found, err := getJSON(b, []byte(id), &s)
		if err == nil && !found {
			err = passerelle.Errorf(passerelle.ENOTFOUND, "source %q not found", id)
		}
		return err
	})
	return s, err
}

// Sources returns every source in id order.
func (db *DB) Sources(ctx context.Context) ([]passerelle.Source, error) {
	var ss []passerelle.Source
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var s passerelle.Source
			if err := decode(v, &s); err != nil {
				return fmt.Errorf("source %q: %w", k, err)
			}
			ss = append(ss, s)
			return nil
		})
	})
	return ss, err
}

// DeleteSource removes a source and its fetch state. Its opportunities stay: they were
// published, members may have matched or saved them, and the store never loses them.
func (db *DB) DeleteSource(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSources)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "source %q not found", id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		fs, err := bucket(tx, bucketFetchState)
		if err != nil {
			return err
		}
		return fs.Delete([]byte(id))
	})
}

// FetchState is what a conditional GET of a source needs from its previous fetch.
type FetchState struct {
	ETag         string    `json:"etag,omitempty"`
	LastModified string    `json:"last_modified,omitempty"`
	Checked      time.Time `json:"checked"`
}

// FetchState returns the last fetch state of a source, or the zero value if none.
func (db *DB) FetchState(ctx context.Context, source string) (FetchState, error) {
	var st FetchState
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFetchState)
		if err != nil {
			return err
		}
		_, err = getJSON(b, []byte(source), &st)
		return err
	})
	return st, err
}

// PutFetchState records the fetch state of a source.
func (db *DB) PutFetchState(ctx context.Context, source string, st FetchState) error {
	if err := checkID("source", source); err != nil {
		return err
	}
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFetchState)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(source), &st)
	})
}
