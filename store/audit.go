package store

import (
	"context"
	"encoding/base64"
	"fmt"
	"strconv"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// The audit log keeps every change staff make (sources, members, keys, rules), so that three
// people sharing one console can tell who changed what, and undo it by hand. Entries are keyed
// by a sequence number: append-only, newest last, read newest first.

var (
	bucketAudit    = []byte("audit")
	bucketKeyUsage = []byte("key_last_used")
)

// AuditEntry is one staff change.
type AuditEntry struct {
	Seq   uint64    `json:"seq"`
	At    time.Time `json:"at"`
	Actor string    `json:"actor"` // who: the staff user id (or a member contact's address) when signed in, else the key id
	// ActorName names the person signed in ("Claire Dubois <claire@…>"); empty for a key.
	ActorName string `json:"actor_name,omitempty"`
	Action    string `json:"action"` // what kind: source.create, member.update, key.revoke, rules.update…
	Target    string `json:"target"` // the id of what changed
	// Changes names each field that changed with its value before and after.
	Changes []AuditChange `json:"changes"`
}

// AuditChange is one changed field; Before is absent on creation, After on deletion.
type AuditChange struct {
	Field  string `json:"field"`
	Before any    `json:"before,omitempty"`
	After  any    `json:"after,omitempty"`
}

// AuditPage is one page of the audit log, newest first.
type AuditPage struct {
	Entries []AuditEntry
	Next    string // cursor of the next page; "" at the end
}

func migrateAudit(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketAudit, bucketKeyUsage} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// AppendAudit records one change and returns it with its sequence number.
func (db *DB) AppendAudit(ctx context.Context, e AuditEntry) (AuditEntry, error) {
	if e.Action == "" {
		return e, passerelle.Errorf(passerelle.EINVALID, "audit entry without an action")
	}
	if e.Changes == nil {
		e.Changes = []AuditChange{}
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketAudit)
		if err != nil {
			return err
		}
		if e.Seq, err = b.NextSequence(); err != nil {
			return err
		}
		return putJSON(b, u64(e.Seq), &e)
	})
	return e, err
}

// Audit returns up to limit entries, newest first, from the cursor a previous page gave.
func (db *DB) Audit(ctx context.Context, limit int, cursor string) (AuditPage, error) {
	var before uint64 // 0: from the newest
	if cursor != "" {
		raw, err := base64.RawURLEncoding.DecodeString(cursor)
		n, perr := strconv.ParseUint(string(raw), 10, 64)
		if err != nil || perr != nil || n == 0 {
			return AuditPage{}, passerelle.Errorf(passerelle.EINVALID, "cursor is not one this server gave")
		}
		before = n
	}
	page := AuditPage{Entries: []AuditEntry{}}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketAudit)
		if err != nil {
			return err
		}
		c := b.Cursor()
		var k, v []byte
		if before == 0 {
			k, v = c.Last()
		} else {
			c.Seek(u64(before))
			k, v = c.Prev()
		}
		for ; k != nil; k, v = c.Prev() {
			if len(page.Entries) == limit {
				last := page.Entries[len(page.Entries)-1].Seq
				page.Next = base64.RawURLEncoding.EncodeToString([]byte(strconv.FormatUint(last, 10)))
				return nil
			}
			var e AuditEntry
			if err := decode(v, &e); err != nil {
				return fmt.Errorf("audit entry %x: %w", k, err)
			}
			page.Entries = append(page.Entries, e)
		}
		return nil
	})
	return page, err
}

// MarkKeyUsed records when a key was last used. Callers throttle it: one write per key per
// minute is enough to answer "is this key still in use?".
func (db *DB) MarkKeyUsed(ctx context.Context, id string, at time.Time) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketKeyUsage)
		if err != nil {
			return err
		}
		return b.Put([]byte(id), []byte(at.UTC().Format(time.RFC3339Nano)))
	})
}

// KeysLastUsed returns when each key was last used; a key never used is absent.
func (db *DB) KeysLastUsed(ctx context.Context) (map[string]time.Time, error) {
	out := map[string]time.Time{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketKeyUsage)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			t, err := time.Parse(time.RFC3339Nano, string(v))
			if err != nil {
				return fmt.Errorf("key %q last used: %w", k, err)
			}
			out[string(k)] = t
			return nil
		})
	})
	return out, err
}
