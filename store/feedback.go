package store

import (
	"context"
	"fmt"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Judged returns the matches that carry a verdict: a member's when member is set, else
// every member's; only those judged under rulesVersion when it is above 0. Staff read them
// to tune the rules. It walks the matches of the range (there is no index of verdicts: they
// are few and read rarely, by staff), in member then opportunity order.
func (db *DB) Judged(ctx context.Context, member string, rulesVersion int) ([]passerelle.Match, error) {
	out := []passerelle.Match{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMatches)
		if err != nil {
			return err
		}
		keep := func(k, v []byte) error {
			var m passerelle.Match
			if err := decodeMatch(v, &m); err != nil {
				return fmt.Errorf("match %q: %w", k, err)
			}
			if m.Feedback == nil || (rulesVersion > 0 && m.Feedback.RulesVersion != rulesVersion) {
				return nil
			}
			out = append(out, m)
			return nil
		}
		if member != "" {
			return prefixScan(b, memberPrefix(member), keep)
		}
		return b.ForEach(keep)
	})
	return out, err
}
