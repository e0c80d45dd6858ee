package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// PutRules validates r and stores it as a new version (the last one + 1) created now.
// Old versions are never changed: matches and feedback refer to them.
func (db *DB) PutRules(ctx context.Context, r passerelle.Rules, now time.Time) (passerelle.Rules, error) {
	if err := r.Validate(); err != nil {
		return passerelle.Rules{}, err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRules)
		if err != nil {
			return err
		}
		last := 0
		if k, _ := b.Cursor().Last(); k != nil {
			last = int(binary.BigEndian.Uint64(k))
		}
		r.Version, r.Created = last+1, now
		return putJSON(b, u64(uint64(r.Version)), &r)
	})
	if err != nil {
		return passerelle.Rules{}, err
	}
	return r, nil
}

// CurrentRules returns the latest rules version; ENOTFOUND "no rules yet" when none.
func (db *DB) CurrentRules(ctx context.Context) (passerelle.Rules, error) {
	var r passerelle.Rules
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRules)
		if err != nil {
			return err
		}
		k, v := b.Cursor().Last()
		if k == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "no rules yet")
		}
		return decode(v, &r)
	})
	return r, err
}

// RulesVersion returns version n of the rules.
func (db *DB) RulesVersion(ctx context.Context, n int) (passerelle.Rules, error) {
	var r passerelle.Rules
	if n <= 0 {
		return r, passerelle.Errorf(passerelle.ENOTFOUND, "rules version %d not found", n)
	}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRules)
		if err != nil {
			return err
		}
		found, err := getJSON(b, u64(uint64(n)), &r)
		if err == nil && !found {
			err = passerelle.Errorf(passerelle.ENOTFOUND, "rules version %d not found", n)
		}
		return err
	})
	return r, err
}

// RulesVersions returns every rules version, oldest first.
func (db *DB) RulesVersions(ctx context.Context) ([]passerelle.Rules, error) {
	var rs []passerelle.Rules
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketRules)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var r passerelle.Rules
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("rules version %d: %w", binary.BigEndian.Uint64(k), err)
			}
			rs = append(rs, r)
			return nil
		})
	})
	return rs, err
}
