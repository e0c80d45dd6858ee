package store

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// keyPrefix marks Passerelle secrets, so a leaked one is recognisable (secret scanners,
// logs) and a token of another kind is rejected without a lookup.
const keyPrefix = "pk_"

// storedKey is an APIKey as stored: passerelle.APIKey keeps its hash out of JSON so that
// it never reaches an API response, but the store must keep it.
type storedKey struct {
	passerelle.APIKey
	Hash string `json:"hash"`
}

func hashSecret(secret string) string {
	h := sha256.Sum256([]byte(secret))
	return hex.EncodeToString(h[:])
}

func randomHex(n int) (string, error) {
	b := make([]byte, n)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("random: %w", err)
	}
	return hex.EncodeToString(b), nil
}

// CreateKey makes an API key and returns it with its secret, which is not stored and cannot
// be shown again: only its SHA-256 is kept. A member key needs an existing member.
func (db *DB) CreateKey(ctx context.Context, role passerelle.Role, member string, now time.Time) (passerelle.APIKey, string, error) {
	switch role {
	case passerelle.RoleStaff:
		if member != "" {
			return passerelle.APIKey{}, "", passerelle.Errorf(passerelle.EINVALID, "a staff key belongs to no member (got member %q)", member)
		}
	case passerelle.RoleMember:
		if member == "" {
			return passerelle.APIKey{}, "", passerelle.Errorf(passerelle.EINVALID, "a member key needs a member")
		}
	default:
		return passerelle.APIKey{}, "", passerelle.Errorf(passerelle.EINVALID, "unknown role %q: want staff or member", role)
	}
	random, err := randomHex(32)
	if err != nil {
		return passerelle.APIKey{}, "", err
	}
	secret := keyPrefix + random
	id, err := randomHex(6)
	if err != nil {
		return passerelle.APIKey{}, "", err
	}
	k := storedKey{APIKey: passerelle.APIKey{ID: id, Role: role, Member: member, Created: now}, Hash: hashSecret(secret)}
	k.APIKey.Hash = k.Hash
	err = db.update(ctx, func(tx *bolt.Tx) error {
		if role == passerelle.RoleMember {
			members, err := bucket(tx, bucketMembers)
			if err != nil {
				return err
			}
			if members.Get([]byte(member)) == nil {
				return notFoundMember(member)
			}
		}
		keys, err := bucket(tx, bucketKeys)
		if err != nil {
			return err
		}
		hashes, err := bucket(tx, bucketKeyHashes)
		if err != nil {
			return err
		}
		if keys.Get([]byte(id)) != nil {
			// 48 random bits: a collision is a sign of a broken random source, not bad luck.
			return fmt.Errorf("key id %s already taken", id)
		}
		if err := putJSON(keys, []byte(id), &k); err != nil {
			return err
		}
		return hashes.Put([]byte(k.Hash), []byte(id))
	})
	if err != nil {
		return passerelle.APIKey{}, "", err
	}
	return k.APIKey, secret, nil
}

func errUnauthorized() error {
	return passerelle.Errorf(passerelle.EUNAUTHORIZED, "unknown or revoked API key")
}

// Authenticate returns the key whose secret this is; EUNAUTHORIZED otherwise. The lookup is
// by hash, so timing says nothing about stored secrets.
func (db *DB) Authenticate(ctx context.Context, secret string) (passerelle.APIKey, error) {
	if !strings.HasPrefix(secret, keyPrefix) {
		return passerelle.APIKey{}, errUnauthorized()
	}
	var k storedKey
	err := db.view(ctx, func(tx *bolt.Tx) error {
		hashes, err := bucket(tx, bucketKeyHashes)
		if err != nil {
			return err
		}
		keys, err := bucket(tx, bucketKeys)
		if err != nil {
			return err
		}
		id := hashes.Get([]byte(hashSecret(secret)))
		if id == nil {
			return errUnauthorized()
		}
		found, err := getJSON(keys, id, &k)
		if err == nil && !found {
			err = fmt.Errorf("store damaged: key hash points at missing key %q", id)
		}
		return err
	})
	if err != nil {
		return passerelle.APIKey{}, err
	}
	k.APIKey.Hash = k.Hash
	return k.APIKey, nil
}

// DeleteKey revokes a key; ENOTFOUND for an unknown id.
func (db *DB) DeleteKey(ctx context.Context, id string) error {
	return db.update(ctx, func(tx *bolt.Tx) error {
		keys, err := bucket(tx, bucketKeys)
		if err != nil {
			return err
		}
		if keys.Get([]byte(id)) == nil {
			return passerelle.Errorf(passerelle.ENOTFOUND, "key %q not found", id)
		}
		return deleteKey(tx, []byte(id))
	})
}

func deleteKey(tx *bolt.Tx, id []byte) error {
	keys, err := bucket(tx, bucketKeys)
	if err != nil {
		return err
	}
	hashes, err := bucket(tx, bucketKeyHashes)
	if err != nil {
		return err
	}
	var k storedKey
	if _, err := getJSON(keys, id, &k); err != nil {
		return err
	}
	if k.Hash != "" {
		if err := hashes.Delete([]byte(k.Hash)); err != nil {
			return err
		}
	}
	return keys.Delete(id)
}

func deleteMemberKeys(tx *bolt.Tx, member string) error {
	keys, err := bucket(tx, bucketKeys)
	if err != nil {
		return err
	}
	var doomed [][]byte
	err = keys.ForEach(func(id, v []byte) error {
		var k storedKey
		if err := decode(v, &k); err != nil {
			return fmt.Errorf("key %q: %w", id, err)
		}
		if k.Role == passerelle.RoleMember && k.Member == member {
			doomed = append(doomed, append([]byte(nil), id...))
		}
		return nil
	})
	if err != nil {
		return err
	}
	for _, id := range doomed {
		if err := deleteKey(tx, id); err != nil {
			return err
		}
	}
	return nil
}

// Keys returns every key (hash included for the caller's eyes only) in id order.
func (db *DB) Keys(ctx context.Context) ([]passerelle.APIKey, error) {
	var ks []passerelle.APIKey
	err := db.view(ctx, func(tx *bolt.Tx) error {
		keys, err := bucket(tx, bucketKeys)
		if err != nil {
			return err
		}
		return keys.ForEach(func(id, v []byte) error {
			var k storedKey
			if err := decode(v, &k); err != nil {
				return fmt.Errorf("key %q: %w", id, err)
			}
			k.APIKey.Hash = k.Hash
			ks = append(ks, k.APIKey)
			return nil
		})
	})
	return ks, err
}

// Feed tokens are the only credential of a feed reader. The store keeps their SHA-256
// only (like API keys): a backup or a stolen file gives no working feed address. So a
// token is shown once, when it is made, and a member who lost it makes a new one.

// feedTokenHash is the stored form of a feed token.
func feedTokenHash(token string) string {
	h := sha256.Sum256([]byte(token))
	return hex.EncodeToString(h[:])
}

// HasFeedToken reports whether the member has a feed token.
func (db *DB) HasFeedToken(ctx context.Context, member string) (bool, error) {
	var ok bool
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFeedTokens)
		if err != nil {
			return err
		}
		ok = b.Get([]byte(member)) != nil
		return nil
	})
	return ok, err
}

// RotateFeedToken gives the member a new feed token and returns it; the old one, if any,
// stops working in the same transaction.
func (db *DB) RotateFeedToken(ctx context.Context, member string) (string, error) {
	token, err := randomHex(20)
	if err != nil {
		return "", err
	}
	h := feedTokenHash(token)
	err = db.update(ctx, func(tx *bolt.Tx) error {
		members, err := bucket(tx, bucketMembers)
		if err != nil {
			return err
		}
		if members.Get([]byte(member)) == nil {
			return notFoundMember(member)
		}
		if err := deleteFeedToken(tx, member); err != nil {
			return err
		}
		b, err := bucket(tx, bucketFeedTokens)
		if err != nil {
			return err
		}
		rev, err := bucket(tx, bucketFeedMembers)
		if err != nil {
			return err
		}
		if err := b.Put([]byte(member), []byte(h)); err != nil {
			return err
		}
		return rev.Put([]byte(h), []byte(member))
	})
	if err != nil {
		return "", err
	}
	return token, nil
}

// MemberByFeedToken returns the member a feed token belongs to; ENOTFOUND otherwise.
func (db *DB) MemberByFeedToken(ctx context.Context, token string) (string, error) {
	var member string
	err := db.view(ctx, func(tx *bolt.Tx) error {
		b, err := bucket(tx, bucketFeedMembers)
		if err != nil {
			return err
		}
		if token != "" {
			member = string(b.Get([]byte(feedTokenHash(token))))
		}
		if member == "" {
			return passerelle.Errorf(passerelle.ENOTFOUND, "unknown feed token")
		}
		return nil
	})
	return member, err
}

func deleteFeedToken(tx *bolt.Tx, member string) error {
	b, err := bucket(tx, bucketFeedTokens)
	if err != nil {
		return err
	}
	rev, err := bucket(tx, bucketFeedMembers)
	if err != nil {
		return err
	}
	if t := b.Get([]byte(member)); t != nil {
		if err := rev.Delete(append([]byte(nil), t...)); err != nil {
			return err
		}
	}
	return b.Delete([]byte(member))
}
