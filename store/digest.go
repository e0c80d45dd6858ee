package store

import (
	"context"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// A Digest is the durable intent of telling one member, once for one period (a day, a
// week), of its best new matches, and the state of each channel that carries it. It is
// stored before anything is sent, so that a crash leaves a record that says what is still
// owed, and its ID names every copy of it (the e-mail's Message-ID, the webhook-id), so a
// resend after a crash is recognisable by whoever receives it.
type Digest struct {
	ID      string    `json:"id"`
	Member  string    `json:"member"`
	Period  string    `json:"period"` // "2026-03-02" (daily) or "2026-W10" (weekly)
	Run     string    `json:"run,omitempty"`
	Created time.Time `json:"created"`
	// Items are the opportunities the digest carries, best first.
	Items []string `json:"items"`
	// Held are the member's other new matches of the period, beyond max_per_digest: the
	// digest says how many wait on the member's page, and no later digest sends them.
	Held []string `json:"held,omitempty"`
	// Closing are matches told of as closing soon, Changed the changes told of matches
	// already sent, saved or seen; each reminder is sent once (Reminders).
	Closing  []string          `json:"closing,omitempty"`
	Changed  []ChangedRef      `json:"changed,omitempty"`
	Channels []ChannelDelivery `json:"channels"`
}

// ChannelDelivery is where one channel of a digest stands.
type ChannelDelivery struct {
	Channel  string       `json:"channel"` // email, webhook
	Target   string       `json:"target,omitempty"`
	State    ChannelState `json:"state"`
	Attempts int          `json:"attempts"`
	// Last is when the last attempt started; Delivered when one succeeded.
	Last      *time.Time `json:"last,omitempty"`
	Delivered *time.Time `json:"delivered,omitempty"`
	Error     string     `json:"error,omitempty"`
	// MessageID is the id the channel's message carries (an e-mail's Message-ID, a
	// webhook's webhook-id): what a member's mail system or receiver can be searched for.
	MessageID string `json:"message_id,omitempty"`
}

// ChannelState is the life of one channel of a digest.
type ChannelState string

const (
	// ChannelPending: recorded, not tried yet.
	ChannelPending ChannelState = "pending"
	// ChannelSending: an attempt started and its outcome was not recorded — the process
	// died meanwhile. The next run sends again, with the same id.
	ChannelSending ChannelState = "sending"
	// ChannelFailed: the last attempt failed; the next run tries again.
	ChannelFailed ChannelState = "failed"
	// ChannelSent: delivered. Never sent again.
	ChannelSent ChannelState = "sent"
	// ChannelAbandoned: failed MaxDigestAttempts times; staff see it, nobody retries it.
	ChannelAbandoned ChannelState = "abandoned"
)

// MaxDigestAttempts is how many runs try a failing channel before it is abandoned.
const MaxDigestAttempts = 8

// Open reports whether the channel still owes a delivery.
func (c *ChannelDelivery) Open() bool {
	return c.State == ChannelPending || c.State == ChannelSending || c.State == ChannelFailed
}

// Unfinished reports whether a channel of d still owes a delivery.
func (d *Digest) Unfinished() bool {
	for i := range d.Channels {
		if d.Channels[i].Open() {
			return true
		}
	}
	return false
}

func digestKey(member, period string) []byte { return join([]byte(member), []byte(period)) }

// CreateDigest records d as the member's digest of its period, with its items and held
// matches marked as digested, in one transaction. When the member already has a digest
// for that period, nothing is written and that one is returned with created false: at
// most one digest per member per period, however many runs ask.
func (db *DB) CreateDigest(ctx context.Context, d Digest) (Digest, bool, error) {
	if err := checkID("member", d.Member); err != nil {
		return Digest{}, false, err
	}
	if d.Period == "" || d.ID == "" || len(d.Items)+len(d.Closing)+len(d.Changed) == 0 {
		return Digest{}, false, passerelle.Errorf(passerelle.EINVALID, "digest of member %s: period, id and items or reminders are required", d.Member)
	}
	created := false
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigests)
		if err != nil {
			return err
		}
		k := digestKey(d.Member, d.Period)
		if v := b.Get(k); v != nil {
			return decode(v, &d)
		}
		if err := putJSON(b, k, &d); err != nil {
			return err
		}
		created = true
		if err := putReminders(tx, &d); err != nil {
			return err
		}
		items, err := bucket(tx, bucketDigestItems)
		if err != nil {
			return err
		}
		for _, ids := range [][]string{d.Items, d.Held} {
			for _, o := range ids {
				if err := items.Put(matchKey(d.Member, o), []byte(d.Period)); err != nil {
					return err
				}
			}
		}
		if d.Unfinished() {
			open, err := bucket(tx, bucketDigestsOpen)
			if err != nil {
				return err
			}
			return open.Put(k, nil)
		}
		return nil
	})
	return d, created, err
}

// DigestOf returns the member's digest of a period; ENOTFOUND when there is none.
func (db *DB) DigestOf(ctx context.Context, member, period string) (Digest, error) {
	var d Digest
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigests)
		if err != nil {
			return err
		}
		v := b.Get(digestKey(member, period))
		if v == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "member %s has no digest for %s", member, period)
		}
		return decode(v, &d)
	})
	return d, err
}

// UnfinishedDigests returns the digests with a channel that still owes a delivery, oldest
// period first per member: what a run must finish before anything new is sent.
func (db *DB) UnfinishedDigests(ctx context.Context) ([]Digest, error) {
	var ds []Digest
	err := db.view(ctx, func(tx *bolt.Tx) error {
		open, err := bucket(tx, bucketDigestsOpen)
		if err != nil {
			return err
		}
		b, err := bucket(tx, bucketDigests)
		if err != nil {
			return err
		}
		return open.ForEach(func(k, _ []byte) error {
			v := b.Get(k)
			if v == nil {
				return fmt.Errorf("store damaged: open digest %q has no record", k)
			}
			var d Digest
			if err := decode(v, &d); err != nil {
				return fmt.Errorf("digest %q: %w", k, err)
			}
			ds = append(ds, d)
			return nil
		})
	})
	return ds, err
}

// Digests returns a member's digests, oldest period first.
func (db *DB) Digests(ctx context.Context, member string) ([]Digest, error) {
	var ds []Digest
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigests)
		if err != nil {
			return err
		}
		return prefixScan(b, memberPrefix(member), func(k, v []byte) error {
			var d Digest
			if err := decode(v, &d); err != nil {
				return fmt.Errorf("digest %q: %w", k, err)
			}
			ds = append(ds, d)
			return nil
		})
	})
	return ds, err
}

// Digested returns the opportunities of the member that a digest already carried or held:
// they are never put in another one.
func (db *DB) Digested(ctx context.Context, member string) (map[string]bool, error) {
	out := map[string]bool{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigestItems)
		if err != nil {
			return err
		}
		prefix := memberPrefix(member)
		return prefixScan(b, prefix, func(k, _ []byte) error {
			out[string(k[len(prefix):])] = true
			return nil
		})
	})
	return out, err
}

// UpdateDigestChannel applies change to one channel of a digest and stores it, in one
// transaction with what follows from it: a delivery record for staff when the attempt
// ended (the change set an outcome), and, when the channel delivered, the digest's matches
// still new marked notified. The pipeline calls it with state sending before an attempt
// (the intent) and with sent or failed after.
func (db *DB) UpdateDigestChannel(ctx context.Context, member, period, channel string, now time.Time, change func(*ChannelDelivery)) (Digest, error) {
	var d Digest
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketDigests)
		if err != nil {
			return err
		}
		k := digestKey(member, period)
		v := b.Get(k)
		if v == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "member %s has no digest for %s", member, period)
		}
		if err := decode(v, &d); err != nil {
			return err
		}
		var c *ChannelDelivery
		for i := range d.Channels {
			if d.Channels[i].Channel == channel {
				c = &d.Channels[i]
			}
		}
		if c == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "digest %s of member %s has no channel %s", d.ID, member, channel)
		}
		before := c.State
		change(c)
		if c.State == ChannelFailed && c.Attempts >= MaxDigestAttempts {
			c.State = ChannelAbandoned
		}
		if err := putJSON(b, k, &d); err != nil {
			return err
		}
		open, err := bucket(tx, bucketDigestsOpen)
		if err != nil {
			return err
		}
		if d.Unfinished() {
			err = open.Put(k, nil)
		} else {
			err = open.Delete(k)
		}
		if err != nil {
			return err
		}
		if c.State == before || c.State == ChannelSending || c.State == ChannelPending {
			return nil
		}
		if err := addDelivery(tx, &Delivery{Run: d.Run, Member: member, Channel: channel, Target: c.Target,
			Opportunities: d.Items, At: now, OK: c.State == ChannelSent, Error: c.Error}); err != nil {
			return err
		}
		if c.State == ChannelSent {
			return markNotified(ctx, tx, member, d.Items, now)
		}
		return nil
	})
	return d, err
}

// markNotified moves the member's matches among ids from new to notified; matches in
// another state (seen, saved, dismissed) or gone are left as they are.
func markNotified(ctx context.Context, tx *bolt.Tx, member string, ids []string, now time.Time) error {
	ms, err := bucket(tx, bucketMatches)
	if err != nil {
		return err
	}
	var sent []passerelle.Match
	for _, o := range ids {
		v := ms.Get(matchKey(member, o))
		if v == nil {
			continue
		}
		var m passerelle.Match
		if err := decodeMatch(v, &m); err != nil {
			return fmt.Errorf("match (%s, %s): %w", member, o, err)
		}
		if m.State != passerelle.MatchNew {
			continue
		}
		m.State = passerelle.MatchNotified
		sent = append(sent, m)
	}
	if len(sent) == 0 {
		return nil
	}
	_, err = putMatches(ctx, tx, sent, now)
	return err
}

// deleteMemberDigests removes a member's digests with the member.
func deleteMemberDigests(tx *bolt.Tx, member string) error {
	prefix := memberPrefix(member)
	for _, name := range [][]byte{bucketDigests, bucketDigestsOpen, bucketDigestItems, bucketDigestReminded} {
		b, err := bucket(tx, name)
		if err != nil {
			return err
		}
		var doomed [][]byte
		if err := prefixScan(b, prefix, func(k, _ []byte) error {
			doomed = append(doomed, append([]byte(nil), k...))
			return nil
		}); err != nil {
			return err
		}
		for _, k := range doomed {
			if err := b.Delete(k); err != nil {
				return err
			}
		}
	}
	return nil
}
