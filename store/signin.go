package store

import (
	"context"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// People sign in by e-mail link. A link's token and a session's secret are, like API keys,
// stored as their SHA-256 only: a copy of the store (a backup) opens no session. A link is
// deleted in the transaction that uses it, so it opens one session at most; a session names
// the person it is for, and is refused as soon as that person is no longer known (a staff user
// removed, a contact taken off its member).

const (
	linkPrefix    = "pl_"
	sessionPrefix = "ps_"
)

// Principal is the person behind a sign-in link or a session: a staff user, or a contact of
// a member (who reaches what that member's key reaches).
type Principal struct {
	Role   passerelle.Role `json:"role"`
	Staff  string          `json:"staff,omitempty"`  // staff user id
	Member string          `json:"member,omitempty"` // member id, for a member's contact
	Email  string          `json:"email"`
}

type storedLink struct {
	Principal Principal `json:"principal"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
}

type storedSession struct {
	Principal Principal `json:"principal"`
	Created   time.Time `json:"created"`
	Expires   time.Time `json:"expires"`
	CSRF      string    `json:"csrf"`
}

// Session is an open session as the API sees it.
type Session struct {
	Principal
	Name    string    `json:"name"` // the staff user's or the contact's name
	Created time.Time `json:"created"`
	Expires time.Time `json:"expires"`
	// CSRF is the token a request made with the session's cookie must repeat in a header: a
	// page of this site can read it (whoami), another site cannot.
	CSRF string `json:"-"`
}

// PrincipalFor finds who an address belongs to: a staff user first, else a contact of a
// member (the first member in id order, when several share the address). ok is false for an
// address nobody has.
func (db *DB) PrincipalFor(ctx context.Context, email string) (p Principal, ok bool, err error) {
	addr := NormalEmail(email)
	if addr == "" {
		return Principal{}, false, nil
	}
	err = db.view(ctx, func(tx *bolt.Tx) error {
		emails, err := bucket(tx, bucketStaffEmails)
		if err != nil {
			return err
		}
		if id := emails.Get([]byte(addr)); id != nil {
			p, ok = Principal{Role: passerelle.RoleStaff, Staff: string(id), Email: addr}, true
			return nil
		}
		members, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		c := members.Cursor()
		for k, v := c.First(); k != nil && !ok; k, v = c.Next() {
			var m passerelle.Member
			if err := decode(v, &m); err != nil {
				return err
			}
			if _, has := contactNamed(m, addr); has {
				p, ok = Principal{Role: passerelle.RoleMember, Member: m.ID, Email: addr}, true
			}
		}
		return nil
	})
	return p, ok, err
}

func contactNamed(m passerelle.Member, addr string) (string, bool) {
	for _, c := range m.Contacts {
		if NormalEmail(c.Email) == addr {
			return c.Name, true
		}
	}
	return "", false
}

// CreateSignInLink makes a single-use link token for p, valid for ttl, and returns it; only
// its hash is stored. Links that have expired are swept in the same transaction.
func (db *DB) CreateSignInLink(ctx context.Context, p Principal, now time.Time, ttl time.Duration) (string, error) {
	random, err := randomHex(32)
	if err != nil {
		return "", err
	}
	token := linkPrefix + random
	l := storedLink{Principal: p, Created: now.UTC(), Expires: now.Add(ttl).UTC()}
	err = db.update(ctx, func(tx *bolt.Tx) error {
		if err := sweepExpired(tx, bucketSignInLinks, now); err != nil {
			return err
		}
		b, err := bucket(tx, bucketSignInLinks)
		if err != nil {
			return err
		}
		return putJSON(b, []byte(hashSecret(token)), &l)
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

func errLinkUnusable() error {
	return passerelle.Errorf(passerelle.EUNAUTHORIZED, "this sign-in link is unknown, already used or expired: ask for a new one")
}

// CheckSignInLink says whether a link token would open a session now, without using it: the
// confirmation page a GET shows (mail scanners follow links; only the POST uses it).
func (db *DB) CheckSignInLink(ctx context.Context, token string, now time.Time) (Principal, error) {
	var l storedLink
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSignInLinks)
		if err != nil {
			return err
		}
		found, err := getJSON(b, []byte(hashSecret(token)), &l)
		if err != nil {
			return err
		}
		if !found || !now.Before(l.Expires) {
			return errLinkUnusable()
		}
		return nil
	})
	return l.Principal, err
}

// UseSignInLink spends a link token and opens a session of sessionTTL for its person, in one
// transaction: the same link never opens two sessions, even when two requests race. It
// returns the session's secret (the cookie's value; only its hash is kept) and the session.
func (db *DB) UseSignInLink(ctx context.Context, token string, now time.Time, sessionTTL time.Duration) (string, Session, error) {
	random, err := randomHex(32)
	if err != nil {
		return "", Session{}, err
	}
	csrf, err := randomHex(24)
	if err != nil {
		return "", Session{}, err
	}
	secret := sessionPrefix + random
	var sess Session
	expired := false
	err = db.update(ctx, func(tx *bolt.Tx) error {
		links, err := bucket(tx, bucketSignInLinks)
		if err != nil {
			return err
		}
		var l storedLink
		h := []byte(hashSecret(token))
		found, err := getJSON(links, h, &l)
		if err != nil {
			return err
		}
		if !found {
			return errLinkUnusable()
		}
		if err := links.Delete(h); err != nil {
			return err
		}
		if !now.Before(l.Expires) {
			expired = true // commit the deletion: an expired link is of no use to keep
			return nil
		}
		if err := sweepExpired(tx, bucketSessions, now); err != nil {
			return err
		}
		s := storedSession{Principal: l.Principal, Created: now.UTC(), Expires: now.Add(sessionTTL).UTC(), CSRF: csrf}
		name, err := principalName(tx, s.Principal)
		if err != nil {
			return err
		}
		sessions, err := bucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		sess = Session{Principal: s.Principal, Name: name, Created: s.Created, Expires: s.Expires, CSRF: csrf}
		return putJSON(sessions, []byte(hashSecret(secret)), &s)
	})
	if err != nil {
		return "", Session{}, err
	}
	if expired {
		return "", Session{}, errLinkUnusable()
	}
	return secret, sess, nil
}

func errSessionUnusable() error {
	return passerelle.Errorf(passerelle.EUNAUTHORIZED, "session unknown or expired: sign in again")
}

// SessionBy returns the session whose secret this is, while it lasts and while its person is
// still known; EUNAUTHORIZED otherwise.
func (db *DB) SessionBy(ctx context.Context, secret string, now time.Time) (Session, error) {
	if len(secret) <= len(sessionPrefix) || secret[:len(sessionPrefix)] != sessionPrefix {
		return Session{}, errSessionUnusable()
	}
	var sess Session
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		var s storedSession
		found, err := getJSON(b, []byte(hashSecret(secret)), &s)
		if err != nil {
			return err
		}
		if !found || !now.Before(s.Expires) {
			return errSessionUnusable()
		}
		name, err := principalName(tx, s.Principal)
		if err != nil {
			return err
		}
		sess = Session{Principal: s.Principal, Name: name, Created: s.Created, Expires: s.Expires, CSRF: s.CSRF}
		return nil
	})
	return sess, err
}

// EndSession forgets a session (sign-out). Ending an unknown session is not an error: the
// visitor is signed out either way.
func (db *DB) EndSession(ctx context.Context, secret string) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketSessions)
		if err != nil {
			return err
		}
		return b.Delete([]byte(hashSecret(secret)))
	})
}

// principalName is the name of a principal's person, or EUNAUTHORIZED when the person is no
// longer known: a removed staff user, a member deleted or whose contact list lost the address.
func principalName(tx *bolt.Tx, p Principal) (string, error) {
	switch p.Role {
	case passerelle.RoleStaff:
		users, err := bucket(tx, bucketStaffUsers)
		if err != nil {
			return "", err
		}
		var u StaffUser
		found, err := getJSON(users, []byte(p.Staff), &u)
		if err != nil {
			return "", err
		}
		if found && u.Email == p.Email {
			return u.Name, nil
		}
	case passerelle.RoleMember:
		members, err := bucket(tx, bucketMembers)
		if err != nil {
			return "", err
		}
		var m passerelle.Member
		found, err := getJSON(members, []byte(p.Member), &m)
		if err != nil {
			return "", err
		}
		if name, ok := contactNamed(m, p.Email); found && ok {
			return name, nil
		}
	}
	return "", passerelle.Errorf(passerelle.EUNAUTHORIZED, "%s is no longer allowed to sign in here: sign in again or ask the association's staff", p.Email)
}

// sweepExpired deletes the links or sessions whose time is over, so that neither bucket grows
// with abandoned ones. Both are small (people, not requests), so a scan is cheap.
func sweepExpired(tx *bolt.Tx, name []byte, now time.Time) error {
	return deleteWhere(tx, name, func(v []byte) (bool, error) {
		var rec struct {
			Expires time.Time `json:"expires"`
		}
		err := decode(v, &rec)
		return err == nil && !now.Before(rec.Expires), err
	})
}
