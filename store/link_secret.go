package store

import (
	"context"
	"crypto/rand"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// The server's secret for signed links (digest buttons, unsubscribe) lives in the store, so
// that every process working on one data directory — the server, a `notify` run — signs and
// checks with the same key, and a restart keeps the links of yesterday's e-mails working.
// A backup carries it: whoever holds a copy of the store could forge links anyway.

var (
	bucketSecrets        = []byte("secrets")
	bucketDigestReminded = []byte("digest_reminders")
	keyLinkSecret        = []byte("link")
)

// linkSecretSize is the HMAC key's length: SHA-256's block is larger, its output 32 bytes.
const linkSecretSize = 32

// migrateLinkSecretAndReminders creates the secrets bucket with a fresh link secret, and the
// bucket that remembers which reminders (closing soon, changed) a member was already sent.
func migrateLinkSecretAndReminders(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketSecrets, bucketDigestReminded} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	_, err := linkSecret(tx)
	return err
}

// linkSecret returns the stored secret, making it first if there is none.
func linkSecret(tx *bolt.Tx) ([]byte, error) {
	b, err := tx.CreateBucketIfNotExists(bucketSecrets)
	if err != nil {
		return nil, err
	}
	if v := b.Get(keyLinkSecret); len(v) == linkSecretSize {
		return append([]byte(nil), v...), nil
	}
	s := make([]byte, linkSecretSize)
	if _, err := rand.Read(s); err != nil {
		return nil, fmt.Errorf("make link secret: %w", err)
	}
	if err := b.Put(keyLinkSecret, s); err != nil {
		return nil, err
	}
	return s, nil
}

// LinkSecret is the key that signs and checks the links of digests.
func (db *DB) LinkSecret(ctx context.Context) ([]byte, error) {
	var s []byte
	err := db.view(ctx, func(tx *bolt.Tx) error {
		if b := tx.Bucket(bucketSecrets); b != nil {
			if v := b.Get(keyLinkSecret); len(v) == linkSecretSize {
				s = append([]byte(nil), v...)
			}
		}
		return nil
	})
	if err != nil || s != nil {
		return s, err
	}
	// Written by migration 11 on open; made here only if it was lost.
	err = db.update(ctx, func(tx *bolt.Tx) error {
		s, err = linkSecret(tx)
		return err
	})
	return s, err
}
