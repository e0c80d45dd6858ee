package store

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// populate fills a store with a bit of everything.
func populate(t *testing.T, db *DB) {
	t.Helper()
	ctx := context.Background()
	createMembers(t, db, "acme", "beta")
	put(t, db, t0, opp("ted:1", "one"), opp("ted:2", "two"), tedNotice())
	c := tedNotice()
	c.ID, c.Source = "pole:1", "pole"
	put(t, db, t0, c, opp("ted:1", "one, amended"))
	if _, err := db.PutMatches(ctx, []passerelle.Match{mt("acme", "ted:1", 80, 1), mt("acme", "ted:2", 50, 1), mt("beta", "ted:1", 60, 1)}, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetFeedback(ctx, "acme", "ted:1", passerelle.Feedback{Verdict: passerelle.VerdictSaved}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := db.CreateKey(ctx, passerelle.RoleMember, "beta", t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.RotateFeedToken(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if _, err := db.PutRules(ctx, validRules(), t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.CreateRun(ctx, passerelle.Run{Trigger: "cli"}); err != nil {
		t.Fatal(err)
	}
}

func TestCheckSoundStore(t *testing.T) {
	db := openTest(t)
	populate(t, db)
	rep, err := db.Check(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("problems in a sound store: %v", rep.Problems)
	}
	if rep.Counts["opportunities"] != 3 || rep.Counts["aliases"] != 1 || rep.Counts["matches"] != 3 {
		t.Errorf("counts %v", rep.Counts)
	}
}

func TestCheckFindsDamage(t *testing.T) {
	for _, tc := range []struct {
		name   string
		damage func(tx *bolt.Tx) error
		want   string
	}{
		{"undecodable opportunity", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketOpportunities).Put([]byte("ted:2"), []byte("{not json"))
		}, `opportunity "ted:2"`},
		{"missing updated entry", func(tx *bolt.Tx) error {
			c := tx.Bucket(bucketOppUpdated).Cursor()
			k, _ := c.First()
			return tx.Bucket(bucketOppUpdated).Delete(k)
		}, "no entry for its updated time"},
		{"dangling rank entry", func(tx *bolt.Tx) error {
			m := mt("acme", "ted:404", 10, 1)
			return tx.Bucket(bucketMatchRank).Put(rankKey(&m), []byte("new"))
		}, "matches_by_score has 4 entries for 3 matches"},
		{"wrong feedback count", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketFeedbackCount).Put(feedbackCountKey(1, passerelle.VerdictSaved), u64(7))
		}, "feedback count for rules 1 saved is 7, matches say 1"},
		{"orphan match", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketMembers).Delete([]byte("beta"))
		}, `member "beta" does not exist`},
		{"alias to nowhere", func(tx *bolt.Tx) error {
			return tx.Bucket(bucketAliases).Put([]byte("x:1"), []byte("ted:404"))
		}, `aliases: "x:1" points at missing opportunity "ted:404"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			populate(t, db)
			if err := db.bolt.Update(tc.damage); err != nil {
				t.Fatal(err)
			}
			rep, err := db.Check(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(strings.Join(rep.Problems, "\n"), tc.want) {
				t.Fatalf("problems %q do not mention %q", rep.Problems, tc.want)
			}
		})
	}
}

func TestRebuildIndexesRepairsIndexDamage(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	populate(t, db)
	if _, err := db.AddDelivery(ctx, Delivery{Member: "acme", Channel: "email"}); err != nil {
		t.Fatal(err)
	}
	before, _ := db.Check(ctx)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		m := mt("acme", "ted:404", 10, 1)
		if err := tx.Bucket(bucketMatchRank).Put(rankKey(&m), []byte("new")); err != nil {
			return err
		}
		if err := tx.Bucket(bucketFeedbackCount).Put(feedbackCountKey(1, passerelle.VerdictSaved), u64(7)); err != nil {
			return err
		}
		if err := tx.DeleteBucket(bucketKeyHashes); err != nil {
			return err
		}
		if _, err := tx.CreateBucket(bucketKeyHashes); err != nil {
			return err
		}
		c := tx.Bucket(bucketOppUpdated).Cursor()
		k, _ := c.First()
		return tx.Bucket(bucketOppUpdated).Delete(k)
	})
	if err != nil {
		t.Fatal(err)
	}
	if rep, _ := db.Check(ctx); len(rep.Problems) < 4 {
		t.Fatalf("damage not seen: %v", rep.Problems)
	}
	if err := db.RebuildIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Check(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("problems after rebuild: %v", rep.Problems)
	}
	if !reflect.DeepEqual(rep.Counts, before.Counts) {
		t.Errorf("counts after rebuild %v, before damage %v", rep.Counts, before.Counts)
	}
	keys, _ := db.Keys(ctx)
	if len(keys) != 1 {
		t.Fatalf("keys %v", keys)
	}
}
