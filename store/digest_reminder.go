package store

import (
	"context"
	"fmt"

	bolt "go.etcd.io/bbolt"
)

// ChangedRef is a change a digest told of: the opportunity's revisions after From, up to
// and including To.
type ChangedRef struct {
	Opportunity string `json:"opportunity"`
	From        int    `json:"from"`
	To          int    `json:"to"`
}

// Reminder is what the member was already told of a match besides its first news: that it
// closes soon (the period of the digest that said so) and the last revision it was told of.
// It is written with the digest that tells it, so that no reminder is ever sent twice, however
// many runs or crashes come after.
type Reminder struct {
	Closing string `json:"closing,omitempty"`
	Changed int    `json:"changed,omitempty"`
}

// Reminders returns, per opportunity, what the member's digests already reminded it of.
func (db *DB) Reminders(ctx context.Context, member string) (map[string]Reminder, error) {
	out := map[string]Reminder{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigestReminded)
		if err != nil {
			return err
		}
		prefix := memberPrefix(member)
		return prefixScan(b, prefix, func(k, v []byte) error {
			var r Reminder
			if err := decode(v, &r); err != nil {
				return fmt.Errorf("reminder %q: %w", k, err)
			}
			out[string(k[len(prefix):])] = r
			return nil
		})
	})
	return out, err
}

// putReminders records the reminders d carries, in the transaction that creates it.
func putReminders(tx *bolt.Tx, d *Digest) error {
	if len(d.Closing) == 0 && len(d.Changed) == 0 {
		return nil
	}
	b, err := bucket(tx, bucketDigestReminded)
	if err != nil {
		return err
	}
	change := func(opp string, fn func(*Reminder)) error {
		k := matchKey(d.Member, opp)
		var r Reminder
		if _, err := getJSON(b, k, &r); err != nil {
			return err
		}
		fn(&r)
		return putJSON(b, k, &r)
	}
	for _, o := range d.Closing {
		if err := change(o, func(r *Reminder) { r.Closing = d.Period }); err != nil {
			return err
		}
	}
	for _, c := range d.Changed {
		if err := change(c.Opportunity, func(r *Reminder) { r.Changed = max(r.Changed, c.To) }); err != nil {
			return err
		}
	}
	return nil
}
