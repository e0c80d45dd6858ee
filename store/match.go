package store

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"math"
	"sort"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

func matchKey(member, opportunity string) []byte {
	return join([]byte(member), []byte(opportunity))
}

func memberPrefix(member string) []byte { return append([]byte(member), 0) }

// rankKey is a match's key in matches_by_score: member 0x00 score(desc) opportunity. Its
// value is the match state, so that listings filtered by state need not decode matches.
func rankKey(m *passerelle.Match) []byte {
	k := memberPrefix(m.Member)
	k = append(k, scoreKeyDesc(m.Score)...)
	return append(k, m.Opportunity...)
}

// stateRank orders match states as they progress: a match goes from new to notified when its
// digest is sent, then to a state the member chose. PutMatches never moves a state back.
func stateRank(s passerelle.MatchState) int {
	switch s {
	case "", passerelle.MatchNew:
		return 0
	case passerelle.MatchNotified:
		return 1
	default:
		return 2
	}
}

func checkMatch(i int, m *passerelle.Match) error {
	if err := checkID("member", m.Member); err != nil {
		return fmt.Errorf("match %d: %w", i, err)
	}
	if err := checkID("opportunity", m.Opportunity); err != nil {
		return fmt.Errorf("match %d: %w", i, err)
	}
	if math.IsNaN(m.Score) || m.Score < 0 || m.Score > 100 {
		return passerelle.Errorf(passerelle.EINVALID, "match %d (%s, %s): score %v is not between 0 and 100", i, m.Member, m.Opportunity, m.Score)
	}
	switch m.State {
	case "", passerelle.MatchNew, passerelle.MatchNotified, passerelle.MatchSeen, passerelle.MatchSaved, passerelle.MatchDismissed:
	default:
		return passerelle.Errorf(passerelle.EINVALID, "match %d (%s, %s): unknown state %q", i, m.Member, m.Opportunity, m.State)
	}
	return nil
}

// PutMatches upserts matches by (member, opportunity) and returns how many it wrote.
//
// A known match keeps its Created time, its Feedback and its State, except that the state
// moves forward (new → notified → seen/saved/dismissed) when ms carries a later one, so the
// notifier can mark matches notified with this call and a re-score never resets what a
// member did. Score, Explanation, RulesVersion and Updated (= now) are replaced. Matches of
// members no longer in the store (deleted during a run) are skipped.
func (db *DB) PutMatches(ctx context.Context, ms []passerelle.Match, now time.Time) (int, error) {
	for i := range ms {
		if err := checkMatch(i, &ms[i]); err != nil {
			return 0, err
		}
	}
	var n int
	err := db.update(ctx, func(tx *bolt.Tx) error {
		var err error
		n, err = putMatches(ctx, tx, ms, now)
		return err
	})
	return n, err
}

func putMatches(ctx context.Context, tx *bolt.Tx, ms []passerelle.Match, now time.Time) (int, error) {
	b, err := bucket(tx, bucketMatches)
	if err != nil {
		return 0, err
	}
	members, err := bucket(tx, bucketMembers)
	if err != nil {
		return 0, err
	}
	counts, err := bucket(tx, bucketFeedbackCount)
	if err != nil {
		return 0, err
	}
	rank, err := bucket(tx, bucketMatchRank)
	if err != nil {
		return 0, err
	}
	n := 0
	lastMember, memberOK := "", false
	for i := range ms {
		if i%256 == 0 {
			if err := ctx.Err(); err != nil {
				return 0, err
			}
		}
		m := ms[i]
		if m.Member != lastMember {
			lastMember, memberOK = m.Member, members.Get([]byte(m.Member)) != nil
		}
		if !memberOK {
			continue
		}
		key := matchKey(m.Member, m.Opportunity)
		var old passerelle.Match
		found, err := getMatch(b, key, &old)
		if err != nil {
			return 0, err
		}
		if found {
			m.Created = old.Created
			m.Feedback = old.Feedback
			if stateRank(m.State) <= stateRank(old.State) {
				m.State = old.State
			}
			if err := rank.Delete(rankKey(&old)); err != nil {
				return 0, err
			}
		} else {
			m.Created = now
			if m.State == "" {
				m.State = passerelle.MatchNew
			}
			if m.Feedback != nil {
				if err := addFeedbackCount(counts, m.Feedback, 1); err != nil {
					return 0, err
				}
			}
		}
		m.Updated = now
		if err := putMatch(b, key, &m); err != nil {
			return 0, err
		}
		if err := rank.Put(rankKey(&m), []byte(m.State)); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

// ReplaceMemberMatches makes ms the full set of matches of one member (after a profile edit
// or a full re-match): that member's matches not in ms are removed unless they carry
// feedback, which is the member's own word and outlives a re-score; then ms is put as by
// PutMatches. Everything happens in one transaction.
func (db *DB) ReplaceMemberMatches(ctx context.Context, member string, ms []passerelle.Match, now time.Time) error {
	if err := checkID("member", member); err != nil {
		return err
	}
	keep := make(map[string]bool, len(ms))
	for i := range ms {
		if err := checkMatch(i, &ms[i]); err != nil {
			return err
		}
		if ms[i].Member != member {
			return passerelle.Errorf(passerelle.EINVALID, "match %d is for member %q, not %q", i, ms[i].Member, member)
		}
		keep[ms[i].Opportunity] = true
	}
	return db.update(ctx, func(tx *bolt.Tx) error {
		members, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		if members.Get([]byte(member)) == nil {
			return notFoundMember(member)
		}
		err = deleteMemberMatches(tx, member, func(m *passerelle.Match) bool {
			return keep[m.Opportunity] || m.Feedback != nil
		})
		if err != nil {
			return err
		}
		_, err = putMatches(ctx, tx, ms, now)
		return err
	})
}

// deleteMemberMatches removes the member's matches for which keep (if not nil) is false,
// and takes their feedback out of the counts.
func deleteMemberMatches(tx *bolt.Tx, member string, keep func(m *passerelle.Match) bool) error {
	b, err := bucket(tx, bucketMatches)
	if err != nil {
		return err
	}
	counts, err := bucket(tx, bucketFeedbackCount)
	if err != nil {
		return err
	}
	rank, err := bucket(tx, bucketMatchRank)
	if err != nil {
		return err
	}
	var doomed, doomedRank [][]byte
	err = prefixScan(b, memberPrefix(member), func(k, v []byte) error {
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			return fmt.Errorf("match %q: %w", k, err)
		}
		if keep != nil && keep(&m) {
			return nil
		}
		if m.Feedback != nil {
			if err := addFeedbackCount(counts, m.Feedback, -1); err != nil {
				return err
			}
		}
		doomed = append(doomed, append([]byte(nil), k...))
		doomedRank = append(doomedRank, rankKey(&m))
		return nil
	})
	if err != nil {
		return err
	}
	// Deleting while a cursor walks the bucket skips keys in bbolt; delete afterwards.
	for i, k := range doomed {
		if err := b.Delete(k); err != nil {
			return err
		}
		if err := rank.Delete(doomedRank[i]); err != nil {
			return err
		}
	}
	return nil
}

// Matches returns a member's matches, best score first, then by opportunity id.
func (db *DB) Matches(ctx context.Context, member string) ([]passerelle.Match, error) {
	var ms []passerelle.Match
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		return prefixScan(b, memberPrefix(member), func(k, v []byte) error {
			var m passerelle.Match
			if err := decodeMatchHint(v, &m, member); err != nil {
				return fmt.Errorf("match %q: %w", k, err)
			}
			ms = append(ms, m)
			return nil
		})
	})
	if err != nil {
		return nil, err
	}
	sort.SliceStable(ms, func(i, j int) bool { return ms[i].Score > ms[j].Score }) // scan order is opportunity order
	return ms, nil
}

// Match returns one match; ENOTFOUND naming the pair when there is none.
func (db *DB) Match(ctx context.Context, member, opportunity string) (passerelle.Match, error) {
	var m passerelle.Match
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		found, err := getMatch(b, matchKey(member, opportunity), &m)
		if err == nil && !found {
			err = notFoundMatch(member, opportunity)
		}
		return err
	})
	return m, err
}

func notFoundMatch(member, opportunity string) error {
	return passerelle.Errorf(passerelle.ENOTFOUND, "no match of opportunity %q for member %q", opportunity, member)
}

// CountMatches returns how many matches the store holds, all members together.
func (db *DB) CountMatches(ctx context.Context) (int, error) { return db.count(ctx, bucketMatches) }

// verdictState is the match state a verdict puts the match in.
func verdictState(v passerelle.Verdict) passerelle.MatchState {
	switch v {
	case passerelle.VerdictSaved:
		return passerelle.MatchSaved
	case passerelle.VerdictDismissed:
		return passerelle.MatchDismissed
	}
	return passerelle.MatchSeen
}

// SetFeedback records a member's verdict on a match and returns the updated match. The state
// becomes saved or dismissed for those verdicts and seen for relevant / not_relevant. The
// feedback is tied to the rules version that produced the match, and counted under it; a new
// verdict on the same match replaces the previous one in the counts.
func (db *DB) SetFeedback(ctx context.Context, member, opportunity string, fb passerelle.Feedback) (passerelle.Match, error) {
	if !fb.Verdict.Valid() {
		return passerelle.Match{}, passerelle.Errorf(passerelle.EINVALID,
			"verdict %q is not one of relevant, not_relevant, saved, dismissed", fb.Verdict)
	}
	if fb.At.IsZero() {
		fb.At = time.Now().UTC()
	}
	var m passerelle.Match
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		counts, err := bucket(tx, bucketFeedbackCount)
		if err != nil {
			return err
		}
		key := matchKey(member, opportunity)
		found, err := getMatch(b, key, &m)
		if err != nil {
			return err
		}
		if !found {
			return notFoundMatch(member, opportunity)
		}
		if m.Feedback != nil {
			if err := addFeedbackCount(counts, m.Feedback, -1); err != nil {
				return err
			}
		}
		fb.RulesVersion = m.RulesVersion
		m.Feedback = &fb
		m.State = verdictState(fb.Verdict)
		if err := addFeedbackCount(counts, m.Feedback, 1); err != nil {
			return err
		}
		return putRankedMatch(tx, b, key, &m)
	})
	if err != nil {
		return passerelle.Match{}, err
	}
	return m, nil
}

func feedbackCountKey(rulesVersion int, v passerelle.Verdict) []byte {
	return append(u64(uint64(rulesVersion)), v...)
}

func addFeedbackCount(b *bolt.Bucket, fb *passerelle.Feedback, delta int64) error {
	key := feedbackCountKey(fb.RulesVersion, fb.Verdict)
	var n int64
	if v := b.Get(key); len(v) == 8 {
		n = int64(binary.BigEndian.Uint64(v))
	}
	n += delta
	if n <= 0 {
		return b.Delete(key)
	}
	return b.Put(key, u64(uint64(n)))
}

// FeedbackCounts returns, for each rules version, how many matches carry each verdict.
func (db *DB) FeedbackCounts(ctx context.Context) (map[int]map[passerelle.Verdict]int, error) {
	out := map[int]map[passerelle.Verdict]int{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFeedbackCount)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			if len(k) < 8 || len(v) != 8 {
				return fmt.Errorf("store damaged: feedback count %q", k)
			}
			rv := int(binary.BigEndian.Uint64(k[:8]))
			if out[rv] == nil {
				out[rv] = map[passerelle.Verdict]int{}
			}
			out[rv][passerelle.Verdict(k[8:])] = int(binary.BigEndian.Uint64(v))
			return nil
		})
	})
	return out, err
}

// MatchQuery selects a page of a member's matches.
type MatchQuery struct {
	// State, when set, keeps only matches in that state.
	State passerelle.MatchState
	// MinScore keeps only matches scoring at least this much.
	MinScore float64
	// Limit is the page size; 0 or less means no limit.
	Limit int
	// Cursor is the Next of the previous page; empty for the first page.
	Cursor string
}

// MatchPage is one page of a member's matches.
type MatchPage struct {
	Matches []passerelle.Match `json:"matches"`
	// Next is the cursor of the following page; empty after the last one.
	Next string `json:"next,omitempty"`
	// Total is how many matches the query selects, all pages together.
	Total int `json:"total"`
}

// MatchesPage returns one page of a member's matches in the order of Matches (best score
// first, then opportunity id). It walks the score index, whose values carry the state, and
// decodes only the matches it returns: a page costs its size, not the member's total.
func (db *DB) MatchesPage(ctx context.Context, member string, q MatchQuery) (MatchPage, error) {
	prefix := memberPrefix(member)
	var after []byte
	if q.Cursor != "" {
		var err error
		after, err = base64.RawURLEncoding.DecodeString(q.Cursor)
		if err != nil || len(after) < 8 {
			return MatchPage{}, passerelle.Errorf(passerelle.EINVALID, "invalid cursor %q", q.Cursor)
		}
	}
	var pg MatchPage
	err := db.view(ctx, func(tx *bolt.Tx) error {
		rank, err := bucket(tx, bucketMatchRank)
		if err != nil {
			return err
		}
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		var last []byte // rank suffix of the last match returned
		c := rank.Cursor()
		for k, v := c.Seek(prefix); k != nil && bytes.HasPrefix(k, prefix); k, v = c.Next() {
			rest := k[len(prefix):]
			if len(rest) < 8 {
				return fmt.Errorf("store damaged: match rank key %q", k)
			}
			if scoreFromKeyDesc(rest[:8]) < q.MinScore {
				break // scores only go down from here
			}
			if q.State != "" && string(v) != string(q.State) {
				continue
			}
			pg.Total++
			if after != nil && bytes.Compare(rest, after) <= 0 {
				continue // on an earlier page
			}
			if q.Limit > 0 && len(pg.Matches) == q.Limit {
				if pg.Next == "" {
					pg.Next = base64.RawURLEncoding.EncodeToString(last)
				}
				continue // counted, not returned
			}
			var m passerelle.Match
			found, err := getMatch(b, matchKey(member, string(rest[8:])), &m)
			if err != nil {
				return err
			}
			if !found {
				return fmt.Errorf("store damaged: match rank key %q has no match", k)
			}
			pg.Matches = append(pg.Matches, m)
			last = append(last[:0], rest...)
		}
		return nil
	})
	if err != nil {
		return MatchPage{}, err
	}
	return pg, nil
}

// ClearFeedback takes back a member's verdict on a match: the verdict leaves the counts and
// the match becomes seen (the member has looked at it; saved or dismissed no more). A match
// without a verdict is returned unchanged.
func (db *DB) ClearFeedback(ctx context.Context, member, opportunity string) (passerelle.Match, error) {
	var m passerelle.Match
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		key := matchKey(member, opportunity)
		found, err := getMatch(b, key, &m)
		if err != nil {
			return err
		}
		if !found {
			return notFoundMatch(member, opportunity)
		}
		if m.Feedback == nil {
			return nil
		}
		counts, err := bucket(tx, bucketFeedbackCount)
		if err != nil {
			return err
		}
		if err := addFeedbackCount(counts, m.Feedback, -1); err != nil {
			return err
		}
		m.Feedback = nil
		m.State = passerelle.MatchSeen
		return putRankedMatch(tx, b, key, &m)
	})
	if err != nil {
		return passerelle.Match{}, err
	}
	return m, nil
}

// putRankedMatch stores m with its entry in the member's ranking (which keeps its state),
// as a change of state or feedback must.
func putRankedMatch(tx *bolt.Tx, b *bolt.Bucket, key []byte, m *passerelle.Match) error {
	rank, err := bucket(tx, bucketMatchRank)
	if err != nil {
		return err
	}
	if err := rank.Put(rankKey(m), []byte(m.State)); err != nil {
		return err
	}
	return putMatch(b, key, m)
}
