package store

import (
	"fmt"
	"strconv"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Bucket names. The tree is drawn in doc.go; keep both in step.
var (
	bucketMeta          = []byte("meta")
	bucketOpportunities = []byte("opportunities")
	bucketRevisions     = []byte("revisions")
	bucketOppUpdated    = []byte("opportunities_by_updated")
	bucketMembers       = []byte("members")
	bucketSources       = []byte("sources")
	bucketFetchState    = []byte("fetch_state")
	bucketRules         = []byte("rules")
	bucketMatches       = []byte("matches")
	bucketMatchRank     = []byte("matches_by_score")
	bucketFingerprints  = []byte("fingerprints")
	bucketAliases       = []byte("aliases")

	bucketDeliveries         = []byte("deliveries")
	bucketDeliveriesByMember = []byte("deliveries_by_member")
	bucketFeedbackCount      = []byte("feedback_counts")
	bucketRuns               = []byte("runs")
	bucketKeys               = []byte("keys")
	bucketKeyHashes          = []byte("key_hashes")
	bucketFeedTokens         = []byte("feed_tokens")
	bucketFeedMembers        = []byte("feed_token_members")
	bucketDigests            = []byte("digests")
	bucketDigestsOpen        = []byte("digests_open")
	bucketDigestItems        = []byte("digest_items")
	bucketPending            = []byte("pending")

	keySchemaVersion = []byte("schema_version")
)

// migration is one step of the schema. Steps run in order, each in the same write
// transaction as the schema_version bump, so a crash leaves the file at a whole step.
type migration struct {
	version int
	name    string
	apply   func(tx *bolt.Tx) error
}

// migrations is the ordered history of the schema. Append only: a released step never
// changes, since files in the field have already run it.
var migrations = []migration{
	{1, "create buckets", migrateCreateBuckets},
	{2, "index opportunities by updated time", migrateUpdatedIndex},
	{3, "index matches by member and score", migrateMatchRank},
	{4, "fingerprint opportunities to recognise copies from other sources", migrateFingerprints},
	{5, "create delivery buckets", migrateDeliveries},
	{6, "digests per member and period; feed tokens stored hashed", migrateDigestsAndFeedHashes},
	{7, "mark opportunities that still need matching", migratePending},
	{8, "create the audit log and key usage buckets", migrateAudit},
	{9, "staff users, sign-in links and sessions", migrateSignIn},
	{10, "give every member its profile and name it on its matches", migrateProfiles},
	{11, "a secret for signed links; reminders digests already sent", migrateLinkSecretAndReminders},
}

// migrateProfiles gives every member stored before profiles existed the one profile it
// had all along ("main": its top-level matching fields, see Member.Normalize), and names
// that profile on its matches, so that every match says which profile it came from and a
// member's matches read alike before and after it adds a second business line.
func migrateProfiles(tx *bolt.Tx) error {
	members, err := bucket(tx, bucketMembers)
	if err != nil {
		return err
	}
	type rec struct {
		key []byte
		m   passerelle.Member
	}
	var todo []rec
	err = members.ForEach(func(k, v []byte) error {
		var m passerelle.Member
		if err := decode(v, &m); err != nil {
			return fmt.Errorf("member %q: %w", k, err)
		}
		if len(m.Profiles) == 0 {
			todo = append(todo, rec{append([]byte(nil), k...), m})
		}
		return nil
	})
	if err != nil {
		return err
	}
	first := map[string]string{} // member → its first profile, named on its matches
	for _, r := range todo {
		r.m.Normalize()
		if err := putJSON(members, r.key, &r.m); err != nil {
			return err
		}
		first[r.m.ID] = r.m.Profiles[0].ID
	}
	matches, err := bucket(tx, bucketMatches)
	if err != nil {
		return err
	}
	// Keys first (bbolt forbids writing a bucket being iterated), each match read again to
	// be rewritten: a large store's matches need not all be held at once.
	var keys [][]byte
	err = matches.ForEach(func(k, v []byte) error {
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			return fmt.Errorf("match %q: %w", k, err)
		}
		if _, ok := first[m.Member]; ok && m.Profile == "" {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, k := range keys {
		var m passerelle.Match
		if _, err := getMatch(matches, k, &m); err != nil {
			return err
		}
		m.Profile = first[m.Member]
		if err := putMatch(matches, k, &m); err != nil {
			return err
		}
	}
	return nil
}

func migrateCreateBuckets(tx *bolt.Tx) error {
	for _, name := range [][]byte{
		bucketMeta, bucketOpportunities, bucketRevisions, bucketMembers, bucketSources,
		bucketFetchState, bucketRules, bucketMatches, bucketFeedbackCount, bucketRuns,
		bucketKeys, bucketKeyHashes, bucketFeedTokens, bucketFeedMembers,
	} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateUpdatedIndex builds the secondary index behind UpdatedSince from whatever
// opportunities the file already holds, so an older file gains it on open.
func migrateUpdatedIndex(tx *bolt.Tx) error {
	idx, err := tx.CreateBucketIfNotExists(bucketOppUpdated)
	if err != nil {
		return err
	}
	ops, err := bucket(tx, bucketOpportunities)
	if err != nil {
		return err
	}
	return ops.ForEach(func(k, v []byte) error {
		var o passerelle.Opportunity
		if err := decode(v, &o); err != nil {
			return fmt.Errorf("opportunity %q: %w", k, err)
		}
		return idx.Put(updatedKey(o.Updated, string(k)), nil)
	})
}

// migrateMatchRank builds the index behind MatchesPage from the matches already stored.
func migrateMatchRank(tx *bolt.Tx) error {
	rank, err := tx.CreateBucketIfNotExists(bucketMatchRank)
	if err != nil {
		return err
	}
	ms, err := bucket(tx, bucketMatches)
	if err != nil {
		return err
	}
	return ms.ForEach(func(k, v []byte) error {
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			return fmt.Errorf("match %q: %w", k, err)
		}
		return rank.Put(rankKey(&m), []byte(m.State))
	})
}

// migrateFingerprints indexes the stored opportunities' fingerprints, first id first. It
// merges nothing: opportunities already stored twice stay two, as they were.
func migrateFingerprints(tx *bolt.Tx) error {
	w := &oppWriter{}
	var err error
	if w.fps, err = tx.CreateBucketIfNotExists(bucketFingerprints); err != nil {
		return err
	}
	if _, err = tx.CreateBucketIfNotExists(bucketAliases); err != nil {
		return err
	}
	ops, err := bucket(tx, bucketOpportunities)
	if err != nil {
		return err
	}
	return ops.ForEach(func(k, v []byte) error {
		var o passerelle.Opportunity
		if err := decode(v, &o); err != nil {
			return fmt.Errorf("opportunity %q: %w", k, err)
		}
		return w.addFingerprints(fingerprints(&o), o.ID)
	})
}

func migrateDeliveries(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDeliveries, bucketDeliveriesByMember} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// migrateDigestsAndFeedHashes creates the digest buckets and replaces each stored feed
// token by its SHA-256, so that a copy of the store (a backup) holds no usable feed URL.
// Existing feed addresses keep working: the token in them hashes to the stored value.
func migrateDigestsAndFeedHashes(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketDigests, bucketDigestsOpen, bucketDigestItems} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	byMember, err := bucket(tx, bucketFeedTokens)
	if err != nil {
		return err
	}
	old, err := bucket(tx, bucketFeedMembers)
	if err != nil {
		return err
	}
	type pair struct{ member, token []byte }
	var ps []pair
	if err := byMember.ForEach(func(k, v []byte) error {
		ps = append(ps, pair{append([]byte(nil), k...), append([]byte(nil), v...)})
		return nil
	}); err != nil {
		return err
	}
	if err := tx.DeleteBucket(bucketFeedMembers); err != nil {
		return err
	}
	_ = old
	byHash, err := tx.CreateBucket(bucketFeedMembers)
	if err != nil {
		return err
	}
	for _, p := range ps {
		h := feedTokenHash(string(p.token))
		if err := byMember.Put(p.member, []byte(h)); err != nil {
			return err
		}
		if err := byHash.Put([]byte(h), p.member); err != nil {
			return err
		}
	}
	return nil
}

func schemaVersion(tx *bolt.Tx) (int, error) {
	meta := tx.Bucket(bucketMeta)
	if meta == nil {
		return 0, nil // a brand-new file
	}
	v := meta.Get(keySchemaVersion)
	if v == nil {
		return 0, nil
	}
	n, err := strconv.Atoi(string(v))
	if err != nil {
		return 0, fmt.Errorf("store damaged: meta/schema_version is %q, not a number", v)
	}
	return n, nil
}

// migrate applies the steps of ms newer than the file's version, one transaction each.
// A file newer than this program is refused rather than risk misreading it.
func (db *DB) migrate(ms []migration) error {
	var current int
	if err := db.bolt.View(func(tx *bolt.Tx) (err error) {
		current, err = schemaVersion(tx)
		return err
	}); err != nil {
		return err
	}
	if latest := ms[len(ms)-1].version; current > latest {
		return fmt.Errorf("store schema version %d is newer than this program knows (%d): upgrade passerelle", current, latest)
	}
	for _, m := range ms {
		if m.version <= current {
			continue
		}
		err := db.bolt.Update(func(tx *bolt.Tx) error {
			if err := m.apply(tx); err != nil {
				return err
			}
			meta, err := tx.CreateBucketIfNotExists(bucketMeta)
			if err != nil {
				return err
			}
			return meta.Put(keySchemaVersion, []byte(strconv.Itoa(m.version)))
		})
		if err != nil {
			return fmt.Errorf("migration %d (%s): %w", m.version, m.name, err)
		}
		current = m.version
	}
	return nil
}
