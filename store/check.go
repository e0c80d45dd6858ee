package store

import (
	"bytes"
	"context"
	"encoding/binary"
	"fmt"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// CheckReport is what Check found: how much the store holds and what is wrong with it.
type CheckReport struct {
	SchemaVersion int            `json:"schema_version"`
	Counts        map[string]int `json:"counts"` // bucket name → keys
	// Problems describe each inconsistency in words fit for `passerelle check`; empty
	// means the store is sound. At most maxProblems are listed; Truncated says more exist.
	Problems  []string `json:"problems,omitempty"`
	Truncated bool     `json:"truncated,omitempty"`
}

// OK reports whether Check found nothing wrong.
func (r *CheckReport) OK() bool { return len(r.Problems) == 0 }

const maxProblems = 1000

func (r *CheckReport) add(format string, args ...any) {
	if len(r.Problems) >= maxProblems {
		r.Truncated = true
		return
	}
	r.Problems = append(r.Problems, fmt.Sprintf(format, args...))
}

// Check verifies the store in one read transaction: bbolt's own page checks, then that
// every value decodes and every secondary index (updated times, match ranks, fingerprints,
// aliases, feedback counts, key hashes, feed tokens) agrees with the records it indexes.
// Problems are reported, not fixed; the error is for failures to run the check at all.
func (db *DB) Check(ctx context.Context) (CheckReport, error) {
	rep := CheckReport{Counts: map[string]int{}}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		for err := range tx.Check() {
			rep.add("bbolt: %v", err)
		}
		var err error
		if rep.SchemaVersion, err = schemaVersion(tx); err != nil {
			rep.add("%v", err)
		}
		if latest := migrations[len(migrations)-1].version; rep.SchemaVersion != latest {
			rep.add("schema version %d, expected %d", rep.SchemaVersion, latest)
		}
		all := [][]byte{bucketMeta, bucketOpportunities, bucketRevisions, bucketOppUpdated, bucketFingerprints,
			bucketAliases, bucketMembers, bucketSources, bucketFetchState, bucketRules, bucketMatches,
			bucketMatchRank, bucketFeedbackCount, bucketRuns, bucketKeys, bucketKeyHashes, bucketFeedTokens,
			bucketFeedMembers, bucketDeliveries, bucketDeliveriesByMember, bucketDigests, bucketDigestsOpen,
			bucketDigestItems, bucketPending, bucketStaffUsers, bucketStaffEmails, bucketSignInLinks, bucketSessions, bucketSecrets, bucketDigestReminded}
		for _, name := range all {
			b := tx.Bucket(name)
			if b == nil {
				rep.add("bucket %s is missing", name)
				continue
			}
			rep.Counts[string(name)] = b.Stats().KeyN
		}
		if len(rep.Problems) > 0 {
			return nil // the rest would only repeat the damage
		}
		if err := ctx.Err(); err != nil {
			return err
		}
		checkOpportunities(tx, &rep)
		if err := ctx.Err(); err != nil {
			return err
		}
		checkMatches(tx, &rep)
		checkSimple(tx, &rep)
		checkKeys(tx, &rep)
		checkDeliveries(tx, &rep)
		checkStaff(tx, &rep)
		return nil
	})
	return rep, err
}

func checkOpportunities(tx *bolt.Tx, rep *CheckReport) {
	ops, idx := tx.Bucket(bucketOpportunities), tx.Bucket(bucketOppUpdated)
	revisionOf := map[string]int{}
	_ = ops.ForEach(func(k, v []byte) error {
		var o passerelle.Opportunity
		if err := decode(v, &o); err != nil {
			rep.add("opportunity %q: %v", k, err)
			return nil
		}
		if o.ID != string(k) {
			rep.add("opportunity %q is stored under key %q", o.ID, k)
		}
		if idx.Get(updatedKey(o.Updated, string(k))) == nil {
			rep.add("opportunity %q: no entry for its updated time %s in %s", k, o.Updated.Format("2006-01-02T15:04:05.999999999Z07:00"), bucketOppUpdated)
		}
		revisionOf[string(k)] = o.Revision
		return nil
	})
	if n, m := idx.Stats().KeyN, len(revisionOf); n != m {
		rep.add("%s has %d entries for %d opportunities", bucketOppUpdated, n, m)
	}
	_ = idx.ForEach(func(k, _ []byte) error {
		if len(k) <= 8 {
			rep.add("%s: malformed key %q", bucketOppUpdated, k)
		} else if _, ok := revisionOf[string(k[8:])]; !ok {
			rep.add("%s: entry for missing opportunity %q", bucketOppUpdated, k[8:])
		}
		return nil
	})
	_ = tx.Bucket(bucketRevisions).ForEach(func(k, v []byte) error {
		if len(k) < 9 || k[len(k)-9] != 0 {
			rep.add("revisions: malformed key %q", k)
			return nil
		}
		id, n := string(k[:len(k)-9]), int(binary.BigEndian.Uint64(k[len(k)-8:]))
		var r passerelle.Revision
		if err := decode(v, &r); err != nil {
			rep.add("revision %d of %q: %v", n, id, err)
		}
		rev, ok := revisionOf[id]
		switch {
		case !ok:
			rep.add("revision %d of missing opportunity %q", n, id)
		case n > rev || r.N != n:
			rep.add("revision %d of %q: beyond its revision %d or numbered %d", n, id, rev, r.N)
		}
		return nil
	})
	for _, name := range [][]byte{bucketFingerprints, bucketAliases} {
		_ = tx.Bucket(name).ForEach(func(k, v []byte) error {
			if _, ok := revisionOf[string(v)]; !ok {
				rep.add("%s: %q points at missing opportunity %q", name, k, v)
			}
			return nil
		})
	}
	_ = tx.Bucket(bucketAliases).ForEach(func(k, _ []byte) error {
		if _, ok := revisionOf[string(k)]; ok {
			rep.add("aliases: %q is also an opportunity of its own", k)
		}
		return nil
	})
}

func checkMatches(tx *bolt.Tx, rep *CheckReport) {
	ms, rank, members := tx.Bucket(bucketMatches), tx.Bucket(bucketMatchRank), tx.Bucket(bucketMembers)
	counts := map[string]uint64{}
	n := 0
	_ = ms.ForEach(func(k, v []byte) error {
		n++
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			rep.add("match %q: %v", k, err)
			return nil
		}
		if !bytes.Equal(k, matchKey(m.Member, m.Opportunity)) {
			rep.add("match (%s, %s) is stored under key %q", m.Member, m.Opportunity, k)
		}
		if members.Get([]byte(m.Member)) == nil {
			rep.add("match (%s, %s): member %q does not exist", m.Member, m.Opportunity, m.Member)
		}
		if st := rank.Get(rankKey(&m)); st == nil || string(st) != string(m.State) {
			rep.add("match (%s, %s): %s entry is %q, state is %q", m.Member, m.Opportunity, bucketMatchRank, st, m.State)
		}
		if m.Feedback != nil {
			counts[string(feedbackCountKey(m.Feedback.RulesVersion, m.Feedback.Verdict))]++
		}
		return nil
	})
	if r := rank.Stats().KeyN; r != n {
		rep.add("%s has %d entries for %d matches", bucketMatchRank, r, n)
	}
	fc := tx.Bucket(bucketFeedbackCount)
	_ = fc.ForEach(func(k, v []byte) error {
		if len(v) != 8 || len(k) < 8 {
			rep.add("feedback_counts: malformed entry %q", k)
			return nil
		}
		if got, want := binary.BigEndian.Uint64(v), counts[string(k)]; got != want {
			rep.add("feedback count for rules %d %s is %d, matches say %d", binary.BigEndian.Uint64(k[:8]), k[8:], got, want)
		}
		delete(counts, string(k))
		return nil
	})
	for k, c := range counts {
		rep.add("feedback count for rules %d %s is missing, matches say %d", binary.BigEndian.Uint64([]byte(k)[:8]), k[8:], c)
	}
}

// checkSimple decodes the records no index refers to.
func checkSimple(tx *bolt.Tx, rep *CheckReport) {
	for _, c := range []struct {
		name []byte
		new  func() any
	}{
		{bucketMembers, func() any { return new(passerelle.Member) }},
		{bucketSources, func() any { return new(passerelle.Source) }},
		{bucketFetchState, func() any { return new(FetchState) }},
		{bucketRules, func() any { return new(passerelle.Rules) }},
		{bucketRuns, func() any { return new(passerelle.Run) }},
	} {
		_ = tx.Bucket(c.name).ForEach(func(k, v []byte) error {
			if err := decode(v, c.new()); err != nil {
				rep.add("%s %q: %v", c.name, k, err)
			}
			return nil
		})
	}
}

func checkKeys(tx *bolt.Tx, rep *CheckReport) {
	keys, hashes, members := tx.Bucket(bucketKeys), tx.Bucket(bucketKeyHashes), tx.Bucket(bucketMembers)
	_ = keys.ForEach(func(id, v []byte) error {
		var k storedKey
		if err := decode(v, &k); err != nil {
			rep.add("key %q: %v", id, err)
			return nil
		}
		if got := hashes.Get([]byte(k.Hash)); string(got) != string(id) {
			rep.add("key %q: its hash maps to %q", id, got)
		}
		if k.Role == passerelle.RoleMember && members.Get([]byte(k.Member)) == nil {
			rep.add("key %q: member %q does not exist", id, k.Member)
		}
		return nil
	})
	_ = hashes.ForEach(func(h, id []byte) error {
		if keys.Get(id) == nil {
			rep.add("key_hashes: a hash points at missing key %q", id)
		}
		return nil
	})
	tokens, owners := tx.Bucket(bucketFeedTokens), tx.Bucket(bucketFeedMembers)
	_ = tokens.ForEach(func(member, token []byte) error {
		if got := owners.Get(token); string(got) != string(member) {
			rep.add("feed token of member %q maps back to %q", member, got)
		}
		if members.Get(member) == nil {
			rep.add("feed token of missing member %q", member)
		}
		return nil
	})
	if a, b := tokens.Stats().KeyN, owners.Stats().KeyN; a != b {
		rep.add("%d feed tokens but %d token owners", a, b)
	}
}

func checkDeliveries(tx *bolt.Tx, rep *CheckReport) {
	b, byMember, members := tx.Bucket(bucketDeliveries), tx.Bucket(bucketDeliveriesByMember), tx.Bucket(bucketMembers)
	_ = b.ForEach(func(k, v []byte) error {
		var d Delivery
		if err := decode(v, &d); err != nil {
			rep.add("delivery %q: %v", k, err)
			return nil
		}
		if byMember.Get(join([]byte(d.Member), k)) == nil {
			rep.add("delivery %s: missing from %s", d.ID, bucketDeliveriesByMember)
		}
		if members.Get([]byte(d.Member)) == nil {
			rep.add("delivery %s: member %q does not exist", d.ID, d.Member)
		}
		return nil
	})
	if a, c := b.Stats().KeyN, byMember.Stats().KeyN; a != c {
		rep.add("%d deliveries but %d entries in %s", a, c, bucketDeliveriesByMember)
	}
}
