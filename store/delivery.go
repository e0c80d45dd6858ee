package store

import (
	"context"
	"encoding/binary"
	"fmt"
	"time"

	bolt "go.etcd.io/bbolt"
)

// Delivery records one digest sent (or not) to a member: staff see them in the console,
// and they answer "did acme get told about ted:123, and when?".
//
// It lives here rather than in the root package because only the store and its callers
// (pipeline, api) speak it; notify reports its own results, which the pipeline turns into
// Deliveries.
type Delivery struct {
	ID            string    `json:"id"` // assigned by AddDelivery: zero-padded sequence
	Run           string    `json:"run,omitempty"`
	Member        string    `json:"member"`
	Channel       string    `json:"channel"`          // email, webhook
	Target        string    `json:"target,omitempty"` // address or URL, never a secret
	Opportunities []string  `json:"opportunities,omitempty"`
	At            time.Time `json:"at"`
	OK            bool      `json:"ok"`
	Error         string    `json:"error,omitempty"`
}

const deliveryIDWidth = 9

// AddDelivery stores d under the next sequence number and returns it with its ID set.
func (db *DB) AddDelivery(ctx context.Context, d Delivery) (Delivery, error) {
	if err := checkID("member", d.Member); err != nil {
		return Delivery{}, err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error { return addDelivery(tx, &d) })
	if err != nil {
		return Delivery{}, err
	}
	return d, nil
}

func addDelivery(tx *bolt.Tx, d *Delivery) error {
	b, err := bucket(tx, bucketDeliveries)
	if err != nil {
		return err
	}
	byMember, err := bucket(tx, bucketDeliveriesByMember)
	if err != nil {
		return err
	}
	seq, err := b.NextSequence()
	if err != nil {
		return err
	}
	d.ID = fmt.Sprintf("%0*d", deliveryIDWidth, seq)
	if err := putJSON(b, u64(seq), d); err != nil {
		return err
	}
	return byMember.Put(join([]byte(d.Member), u64(seq)), nil)
}

// Deliveries returns up to limit deliveries, newest first: all members' when member is
// empty, else that member's. limit <= 0 means all.
func (db *DB) Deliveries(ctx context.Context, member string, limit int) ([]Delivery, error) {
	var ds []Delivery
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDeliveries)
		if err != nil {
			return err
		}
		add := func(k, v []byte) error {
			var d Delivery
			if err := decode(v, &d); err != nil {
				return fmt.Errorf("delivery %d: %w", binary.BigEndian.Uint64(k), err)
			}
			ds = append(ds, d)
			return nil
		}
		if member == "" {
			c := b.Cursor()
			for k, v := c.Last(); k != nil && (limit <= 0 || len(ds) < limit); k, v = c.Prev() {
				if err := add(k, v); err != nil {
					return err
				}
			}
			return nil
		}
		byMember, err := bucket(tx, bucketDeliveriesByMember)
		if err != nil {
			return err
		}
		// Walk the member's range backwards: seek just past it, then step back.
		prefix := memberPrefix(member)
		end := append(append([]byte(nil), prefix...), 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff)
		c := byMember.Cursor()
		k, _ := c.Seek(end)
		if k == nil {
			k, _ = c.Last()
		} else {
			k, _ = c.Prev()
		}
		for ; k != nil && len(k) == len(prefix)+8 && string(k[:len(prefix)]) == string(prefix) && (limit <= 0 || len(ds) < limit); k, _ = c.Prev() {
			seq := k[len(prefix):]
			v := b.Get(seq)
			if v == nil {
				return fmt.Errorf("store damaged: delivery %d of member %q is missing", binary.BigEndian.Uint64(seq), member)
			}
			if err := add(seq, v); err != nil {
				return err
			}
		}
		return nil
	})
	return ds, err
}

// deleteMemberDeliveries removes a member's deliveries with the member: their targets are
// the member's addresses, which are not kept once the member is gone.
func deleteMemberDeliveries(tx *bolt.Tx, member string) error {
	b, err := bucket(tx, bucketDeliveries)
	if err != nil {
		return err
	}
	byMember, err := bucket(tx, bucketDeliveriesByMember)
	if err != nil {
		return err
	}
	prefix := memberPrefix(member)
	var doomed [][]byte
	if err := prefixScan(byMember, prefix, func(k, _ []byte) error {
		doomed = append(doomed, append([]byte(nil), k...))
		return nil
	}); err != nil {
		return err
	}
	for _, k := range doomed {
		if err := b.Delete(k[len(prefix):]); err != nil {
			return err
		}
		if err := byMember.Delete(k); err != nil {
			return err
		}
	}
	return nil
}
