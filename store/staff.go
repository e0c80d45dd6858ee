package store

import (
	"context"
	"fmt"
	"net/mail"
	"sort"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// Staff users are the association's named people. A staff key has no person behind it; a staff
// user signs in by e-mail link (signin.go), so the audit log can say who made a change.

var (
	bucketStaffUsers  = []byte("staff_users")
	bucketStaffEmails = []byte("staff_emails")
	bucketSignInLinks = []byte("signin_links")
	bucketSessions    = []byte("sessions")
)

// StaffUser is one named member of the association's staff.
type StaffUser struct {
	ID      string    `json:"id"`
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Created time.Time `json:"created"`
}

func migrateSignIn(tx *bolt.Tx) error {
	for _, name := range [][]byte{bucketStaffUsers, bucketStaffEmails, bucketSignInLinks, bucketSessions} {
		if _, err := tx.CreateBucketIfNotExists(name); err != nil {
			return fmt.Errorf("create bucket %s: %w", name, err)
		}
	}
	return nil
}

// NormalEmail is the form an address is compared in: its address part, lower-cased. An
// address is case-insensitive in practice (every provider treats it so), and people type it
// both ways. "" when s is not an address.
func NormalEmail(s string) string {
	a, err := mail.ParseAddress(strings.TrimSpace(s))
	if err != nil || strings.ContainsAny(a.Address, " \t\r\n") {
		return ""
	}
	return strings.ToLower(a.Address)
}

// AddStaffUser stores a new staff user. EINVALID for a missing name or a bad address,
// ECONFLICT when a staff user already has the address.
func (db *DB) AddStaffUser(ctx context.Context, name, email string, now time.Time) (StaffUser, error) {
	var v passerelle.ValidationError
	name = strings.TrimSpace(name)
	if name == "" {
		v.Add("name", "is required: the audit log names the person")
	}
	addr := NormalEmail(email)
	if addr == "" {
		v.Add("email", fmt.Sprintf("%q is not an e-mail address", email))
	}
	if err := v.Err(); err != nil {
		return StaffUser{}, err
	}
	id, err := randomHex(6)
	if err != nil {
		return StaffUser{}, err
	}
	u := StaffUser{ID: "su_" + id, Name: name, Email: addr, Created: now.UTC()}
	err = db.update(ctx, func(tx *bolt.Tx) error {
		users, err := bucket(tx, bucketStaffUsers)
		if err != nil {
			return err
		}
		emails, err := bucket(tx, bucketStaffEmails)
		if err != nil {
			return err
		}
		if other := emails.Get([]byte(addr)); other != nil {
			return passerelle.Errorf(passerelle.ECONFLICT, "a staff user already has the address %s (%s)", addr, other)
		}
		if users.Get([]byte(u.ID)) != nil {
			return fmt.Errorf("staff user id %s already taken", u.ID)
		}
		if err := putJSON(users, []byte(u.ID), &u); err != nil {
			return err
		}
		return emails.Put([]byte(addr), []byte(u.ID))
	})
	if err != nil {
		return StaffUser{}, err
	}
	return u, nil
}

// StaffUsers returns every staff user, by name.
func (db *DB) StaffUsers(ctx context.Context) ([]StaffUser, error) {
	out := []StaffUser{}
	err := db.view(ctx, func(tx *bolt.Tx) error {
		users, err := bucket(tx, bucketStaffUsers)
		if err != nil {
			return err
		}
		return users.ForEach(func(k, v []byte) error {
			var u StaffUser
			if err := decode(v, &u); err != nil {
				return fmt.Errorf("staff user %q: %w", k, err)
			}
			out = append(out, u)
			return nil
		})
	})
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	return out, err
}

// StaffUser returns one staff user; ENOTFOUND otherwise.
func (db *DB) StaffUser(ctx context.Context, id string) (StaffUser, error) {
	var u StaffUser
	err := db.view(ctx, func(tx *bolt.Tx) error {
		users, err := bucket(tx, bucketStaffUsers)
		if err != nil {
			return err
		}
		found, err := getJSON(users, []byte(id), &u)
		if err == nil && !found {
			err = passerelle.Errorf(passerelle.ENOTFOUND, "staff user %q not found", id)
		}
		return err
	})
	return u, err
}

// RemoveStaffUser deletes a staff user with its open sessions and unused sign-in links, in one
// transaction: a person removed is signed out at once.
func (db *DB) RemoveStaffUser(ctx context.Context, id string) (StaffUser, error) {
	var u StaffUser
	err := db.update(ctx, func(tx *bolt.Tx) error {
		users, err := bucket(tx, bucketStaffUsers)
		if err != nil {
			return err
		}
		emails, err := bucket(tx, bucketStaffEmails)
		if err != nil {
			return err
		}
		found, err := getJSON(users, []byte(id), &u)
		if err != nil {
			return err
		}
		if !found {
			return passerelle.Errorf(passerelle.ENOTFOUND, "staff user %q not found", id)
		}
		if err := users.Delete([]byte(id)); err != nil {
			return err
		}
		if err := emails.Delete([]byte(u.Email)); err != nil {
			return err
		}
		gone := func(p Principal) bool { return p.Staff == id }
		if err := deleteWhere(tx, bucketSessions, func(v []byte) (bool, error) {
			var s storedSession
			err := decode(v, &s)
			return err == nil && gone(s.Principal), err
		}); err != nil {
			return err
		}
		return deleteWhere(tx, bucketSignInLinks, func(v []byte) (bool, error) {
			var l storedLink
			err := decode(v, &l)
			return err == nil && gone(l.Principal), err
		})
	})
	return u, err
}

// deleteWhere deletes the records of a bucket that doomed picks.
func deleteWhere(tx *bolt.Tx, name []byte, doomed func(v []byte) (bool, error)) error {
	b, err := bucket(tx, name)
	if err != nil {
		return err
	}
	var keys [][]byte
	if err := b.ForEach(func(k, v []byte) error {
		d, err := doomed(v)
		if err != nil {
			return fmt.Errorf("%s %x: %w", name, k, err)
		}
		if d {
			keys = append(keys, append([]byte(nil), k...))
		}
		return nil
	}); err != nil {
		return err
	}
	for _, k := range keys {
		if err := b.Delete(k); err != nil {
			return err
		}
	}
	return nil
}

// checkStaff reports staff users and their address index that disagree (Check).
func checkStaff(tx *bolt.Tx, rep *CheckReport) {
	users, emails := tx.Bucket(bucketStaffUsers), tx.Bucket(bucketStaffEmails)
	_ = users.ForEach(func(id, v []byte) error {
		var u StaffUser
		if err := decode(v, &u); err != nil {
			rep.add("staff user %q: %v", id, err)
			return nil
		}
		if got := emails.Get([]byte(u.Email)); string(got) != string(id) {
			rep.add("staff user %q: address %s maps to %q", id, u.Email, got)
		}
		return nil
	})
	_ = emails.ForEach(func(addr, id []byte) error {
		if users.Get(id) == nil {
			rep.add("%s: %s points at missing staff user %q", bucketStaffEmails, addr, id)
		}
		return nil
	})
}

// rebuildStaffEmails makes the address index again from the staff users (RebuildIndexes).
func rebuildStaffEmails(tx *bolt.Tx) error {
	emails, err := tx.CreateBucketIfNotExists(bucketStaffEmails)
	if err != nil {
		return err
	}
	users, err := bucket(tx, bucketStaffUsers)
	if err != nil {
		return err
	}
	return users.ForEach(func(id, v []byte) error {
		var u StaffUser
		if err := decode(v, &u); err != nil {
			return fmt.Errorf("staff user %q: %w", id, err)
		}
		return emails.Put([]byte(u.Email), append([]byte(nil), id...))
	})
}
