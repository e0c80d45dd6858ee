package store

import (
	"bytes"
	"context"
	"sort"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Daily packages are not ordered: a corrigendum (TED F14, an eForms change notice) may
// arrive before the notice it changes, and a source may send an original notice again after
// its corrigendum. A change is stored as its own record as always, and kept under every id
// its target may have; whenever a notice stored under one of them (or an alias of it)
// arrives, its known changes are applied (again: applying a change twice changes nothing).
//
//	pending_changes                     (created on first use)
//	  <target id> 0x00 <change id>      → empty

var bucketPendingChanges = []byte("pending_changes")

// KeepPendingChanges records that each change waits for a notice under one of its target
// ids. Keeping the same change twice is harmless.
func (db *DB) KeepPendingChanges(ctx context.Context, pending map[string][]string) error {
	if len(pending) == 0 {
		return nil
	}
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := tx.CreateBucketIfNotExists(bucketPendingChanges)
		if err != nil {
			return err
		}
		for change, targets := range pending {
			if err := checkID("change", change); err != nil {
				return err
			}
			for _, t := range targets {
				if checkID("target", t) != nil {
					continue
				}
				if err := b.Put(join([]byte(t), []byte(change)), nil); err != nil {
					return err
				}
			}
		}
		return nil
	})
}

// PendingChanges returns the stored changes waiting for each of ids (keyed by that id),
// oldest publication first, then by id. They stay: a crash between reading and applying them
// loses nothing, and applying a change twice changes nothing the second time. One read transaction serves a whole batch.
func (db *DB) PendingChanges(ctx context.Context, ids []string) (map[string][]passerelle.Opportunity, error) {
	out := map[string][]passerelle.Opportunity{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketPendingChanges)
		if b == nil || b.Stats().KeyN == 0 {
			return nil
		}
		for _, id := range ids {
			if id == "" {
				continue
			}
			prefix := append([]byte(id), 0)
			c := b.Cursor()
			for k, _ := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, _ = c.Next() {
				var o passerelle.Opportunity
				found, err := getOpportunity(tx, string(k[len(prefix):]), &o)
				if err != nil {
					return err
				}
				if found {
					out[id] = append(out[id], o)
				}
			}
		}
		return nil
	})
	for _, list := range out {
		sort.SliceStable(list, func(i, j int) bool {
			a, b := list[i].Published, list[j].Published
			switch {
			case a != nil && b != nil && !a.Equal(*b):
				return a.Before(*b)
			case (a == nil) != (b == nil):
				return a == nil
			}
			return list[i].ID < list[j].ID
		})
	}
	return out, err
}
