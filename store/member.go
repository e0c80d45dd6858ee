package store

import (
	"context"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

func notFoundMember(id string) error {
	return passerelle.Errorf(passerelle.ENOTFOUND, "member %q not found", id)
}

// checkMember puts m in its canonical form (profiles given, the top-level matching
// fields the first) and validates it.
func checkMember(m *passerelle.Member) error {
	m.Normalize()
	if err := m.Validate(); err != nil {
		return err
	}
	return checkID("member", m.ID)
}

// CreateMember stores a new member with Created = Updated = now. It fails with EINVALID for
// a bad profile and ECONFLICT when the id is taken.
func (db *DB) CreateMember(ctx context.Context, m passerelle.Member, now time.Time) (passerelle.Member, error) {
	if err := checkMember(&m); err != nil {
		return passerelle.Member{}, err
	}
	m.Created, m.Updated = now, now
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		if b.Get([]byte(m.ID)) != nil {
			return passerelle.Errorf(passerelle.ECONFLICT, "member %q already exists", m.ID)
		}
		return putJSON(b, []byte(m.ID), &m)
	})
	if err != nil {
		return passerelle.Member{}, err
	}
	return m, nil
}

// PutMember creates or replaces a member. A replaced member keeps its Created time;
// Updated becomes now. Its matches are left alone: re-matching is the caller's business.
func (db *DB) PutMember(ctx context.Context, m passerelle.Member, now time.Time) (passerelle.Member, error) {
	if err := checkMember(&m); err != nil {
		return passerelle.Member{}, err
	}
	err := db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		var old passerelle.Member
		found, err := getJSON(b, []byte(m.ID), &old)
		if err != nil {
			return err
		}
		m.Created, m.Updated = now, now
		if found {
			m.Created = old.Created
		}
		return putJSON(b, []byte(m.ID), &m)
	})
	if err != nil {
		return passerelle.Member{}, err
	}
	return m, nil
}

// Member returns one member; ENOTFOUND naming the id when there is none.
func (db *DB) Member(ctx context.Context, id string) (passerelle.Member, error) {
	var m passerelle.Member
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		found, err := getJSON(b, []byte(id), &m)
		if err == nil && !found {
			err = notFoundMember(id)
		}
		return err
	})
	return m, err
}

// Members returns every member in id order.
func (db *DB) Members(ctx context.Context) ([]passerelle.Member, error) {
	var ms []passerelle.Member
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		return b.ForEach(func(k, v []byte) error {
			var m passerelle.Member
			if err := decode(v, &m); err != nil {
				return fmt.Errorf("member %q: %w", k, err)
			}
			ms = append(ms, m)
			return nil
		})
	})
	return ms, err
}

// CountMembers returns how many members the store holds.
func (db *DB) CountMembers(ctx context.Context) (int, error) { return db.count(ctx, bucketMembers) }

// DeleteMember removes a member with everything that belongs to it: its matches (and their
// feedback, which leaves the feedback counts), its API keys, its feed token and its
// deliveries.
func (db *DB) DeleteMember(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		if b.Get([]byte(id)) == nil {
			return notFoundMember(id)
		}
		if err := b.Delete([]byte(id)); err != nil {
			return err
		}
		if err := deleteMemberMatches(tx, id, nil); err != nil {
			return err
		}
		if err := deleteMemberKeys(tx, id); err != nil {
			return err
		}
		if err := deleteMemberDeliveries(tx, id); err != nil {
			return err
		}
		if err := deleteMemberDigests(tx, id); err != nil {
			return err
		}
		return deleteFeedToken(tx, id)
	})
}
