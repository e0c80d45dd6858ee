package store

import (
	"context"
	"fmt"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// RebuildIndexes rebuilds every secondary index from the records it indexes, in one write
// transaction: opportunities by updated time, matches by score, feedback counts,
// fingerprints, key hashes, feed token owners, deliveries by member. Records themselves
// (opportunities, revisions, members, matches, keys, ...) are never touched, so it is safe
// whatever Check found: the worst a rebuild can do is leave a problem it cannot fix, which
// Check will still report. A record that does not decode fails the rebuild with its key.
func (db *DB) RebuildIndexes(ctx context.Context) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketOppUpdated, bucketMatchRank, bucketFingerprints,
			bucketFeedbackCount, bucketKeyHashes, bucketFeedMembers, bucketDeliveriesByMember,
			bucketDigestsOpen, bucketDigestItems, bucketStaffEmails} {
			if tx.Bucket(name) != nil {
				if err := tx.DeleteBucket(name); err != nil {
					return fmt.Errorf("drop %s: %w", name, err)
				}
			}
		}
		for _, step := range []struct {
			name  string
			apply func(*bolt.Tx) error
		}{
			{"opportunities by updated time", migrateUpdatedIndex},
			{"matches by score", migrateMatchRank},
			{"fingerprints", migrateFingerprints},
			{"feedback counts", rebuildFeedbackCounts},
			{"key hashes", rebuildKeyHashes},
			{"feed token owners", rebuildFeedOwners},
			{"deliveries by member", rebuildDeliveriesByMember},
			{"open digests and digested matches", rebuildDigestIndexes},
			{"staff addresses", rebuildStaffEmails},
		} {
			if err := step.apply(tx); err != nil {
				return fmt.Errorf("rebuild %s: %w", step.name, err)
			}
		}
		return nil
	})
}

func rebuildFeedbackCounts(tx *bolt.Tx) error {
	counts, err := tx.CreateBucketIfNotExists(bucketFeedbackCount)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketMatches).ForEach(func(k, v []byte) error {
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			return fmt.Errorf("match %q: %w", k, err)
		}
		if m.Feedback == nil {
			return nil
		}
		return addFeedbackCount(counts, m.Feedback, 1)
	})
}

func rebuildKeyHashes(tx *bolt.Tx) error {
	hashes, err := tx.CreateBucketIfNotExists(bucketKeyHashes)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketKeys).ForEach(func(id, v []byte) error {
		var k storedKey
		if err := decode(v, &k); err != nil {
			return fmt.Errorf("key %q: %w", id, err)
		}
		return hashes.Put([]byte(k.Hash), id)
	})
}

func rebuildFeedOwners(tx *bolt.Tx) error {
	owners, err := tx.CreateBucketIfNotExists(bucketFeedMembers)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketFeedTokens).ForEach(func(member, token []byte) error {
		return owners.Put(token, member)
	})
}

func rebuildDeliveriesByMember(tx *bolt.Tx) error {
	byMember, err := tx.CreateBucketIfNotExists(bucketDeliveriesByMember)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDeliveries).ForEach(func(k, v []byte) error {
		var d Delivery
		if err := decode(v, &d); err != nil {
			return fmt.Errorf("delivery %q: %w", k, err)
		}
		return byMember.Put(join([]byte(d.Member), k), nil)
	})
}

// rebuildDigestIndexes derives digests_open and digest_items from the digest records.
func rebuildDigestIndexes(tx *bolt.Tx) error {
	open, err := tx.CreateBucketIfNotExists(bucketDigestsOpen)
	if err != nil {
		return err
	}
	items, err := tx.CreateBucketIfNotExists(bucketDigestItems)
	if err != nil {
		return err
	}
	return tx.Bucket(bucketDigests).ForEach(func(k, v []byte) error {
		var d Digest
		if err := decode(v, &d); err != nil {
			return fmt.Errorf("digest %q: %w", k, err)
		}
		if d.Unfinished() {
			if err := open.Put(k, nil); err != nil {
				return err
			}
		}
		for _, ids := range [][]string{d.Items, d.Held} {
			for _, o := range ids {
				if err := items.Put(matchKey(d.Member, o), []byte(d.Period)); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
