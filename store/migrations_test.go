package store

import (
	"bytes"
	"context"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// openAt makes a store file brought only up to schema version v, the way an older
// Passerelle left it.
func openAt(t *testing.T, v int) (*DB, string) {
	t.Helper()
	path := filepath.Join(t.TempDir(), "old.db")
	b, err := bolt.Open(path, 0o600, nil)
	if err != nil {
		t.Fatal(err)
	}
	db := &DB{bolt: b, path: path}
	var upTo []migration
	for _, m := range migrations {
		if m.version <= v {
			upTo = append(upTo, m)
		}
	}
	if err := db.migrate(upTo); err != nil {
		t.Fatal(err)
	}
	return db, path
}

func TestMigration1CreatesBuckets(t *testing.T) {
	db, _ := openAt(t, 1)
	defer db.Close()
	err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketMeta, bucketOpportunities, bucketRevisions, bucketMembers, bucketSources,
			bucketFetchState, bucketRules, bucketMatches, bucketFeedbackCount, bucketRuns, bucketKeys,
			bucketKeyHashes, bucketFeedTokens, bucketFeedMembers} {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if v, _ := db.SchemaVersion(); v != 1 {
		t.Errorf("schema version %d, want 1", v)
	}
}

func TestMigration2IndexesExistingOpportunities(t *testing.T) {
	db, path := openAt(t, 1)
	// Opportunities written by a version-1 program: no updated index.
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketOpportunities)
		for _, o := range []passerelle.Opportunity{
			{ID: "a:1", Title: "one", Updated: t0},
			{ID: "a:2", Title: "two", Updated: t0.Add(48 * 3600e9)},
		} {
			if err := putJSON(b, []byte(o.ID), &o); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(); v < 2 {
		t.Fatalf("schema version %d after Open", v)
	}
	got, err := db.UpdatedSince(context.Background(), t0.Add(3600e9))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got, []string{"a:2"}) {
		t.Fatalf("UpdatedSince after migration = %v", got)
	}
}

func TestMigrateRefusesNewerFile(t *testing.T) {
	db, path := openAt(t, migrations[len(migrations)-1].version)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketMeta).Put(keySchemaVersion, []byte("999"))
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	_, err = Open(path)
	if err == nil || !strings.Contains(err.Error(), "newer") {
		t.Fatalf("Open of a newer file: %v", err)
	}
}

// TestMigrationVersionsAscend: versions are 1, 2, 3… in order, none left out.
func TestMigrationVersionsAscend(t *testing.T) {
	for i, m := range migrations {
		if m.version != i+1 || m.name == "" || m.apply == nil {
			t.Errorf("migration %d: %+v", i, m)
		}
	}
}

// A store written before profiles existed: each member gets the one profile it had
// ("main", its top-level fields) and its matches name it; matches of unknown members
// and the members' other fields are left as they were.
func TestMigration10GivesEveryMemberItsProfile(t *testing.T) {
	db, path := openAt(t, 9)
	old := map[string]string{
		"acme": `{"id":"acme","name":"Acme","tier":"premium","skills":["pentest","SOC"],"clusters":["security"],"regions":["BE3"],"exclude":["armement"],"budget":{"max":500000},"min_score":40,"notify":{"frequency":"weekly"},"contacts":[{"email":"a@acme.be"}],"created":"2025-01-02T00:00:00Z","updated":"2025-01-02T00:00:00Z"}`,
		"bare": `{"id":"bare","name":"Bare","tier":"basic","notify":{},"created":"2025-01-02T00:00:00Z","updated":"2025-01-02T00:00:00Z"}`,
	}
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		mb := tx.Bucket(bucketMembers)
		for id, js := range old {
			if err := mb.Put([]byte(id), []byte(js)); err != nil {
				return err
			}
		}
		b := tx.Bucket(bucketMatches)
		a1, a2, ghost := mt("acme", "o:1", 60, 1), mt("acme", "o:2", 45, 1), mt("gone", "o:1", 50, 1)
		a1.State, a2.State, ghost.State = passerelle.MatchNew, passerelle.MatchSaved, passerelle.MatchNew
		a2.Feedback = &passerelle.Feedback{Verdict: passerelle.VerdictSaved, At: t0}
		// One written as JSON (before the binary codec), two in the binary layout.
		if err := putJSON(b, matchKey(a1.Member, a1.Opportunity), &a1); err != nil {
			return err
		}
		for _, m := range []passerelle.Match{a2, ghost} {
			if err := putMatch(b, matchKey(m.Member, m.Opportunity), &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	acme, err := db.Member(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	want := passerelle.Profile{ID: "main", Name: "Acme", Skills: []string{"pentest", "SOC"}, Clusters: []string{"security"},
		Regions: []string{"BE3"}, Exclude: []string{"armement"}, Budget: &passerelle.Budget{Max: 500000}, MinScore: 40}
	if !reflect.DeepEqual(acme.Profiles, []passerelle.Profile{want}) {
		t.Errorf("profiles %+v, want %+v", acme.Profiles, want)
	}
	if !reflect.DeepEqual(acme.Skills, want.Skills) || acme.MinScore != 40 || acme.Notify.Frequency != "weekly" || len(acme.Contacts) != 1 {
		t.Errorf("other fields changed: %+v", acme)
	}
	if err := acme.Validate(); err != nil {
		t.Errorf("migrated member invalid: %v", err)
	}
	// Written back unchanged, it stays the same (the canonical form is a fixed point).
	again, err := db.PutMember(ctx, acme, t0)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(again.Profiles, acme.Profiles) {
		t.Errorf("re-put changed profiles: %+v", again.Profiles)
	}
	bare, _ := db.Member(ctx, "bare")
	if len(bare.Profiles) != 1 || bare.Profiles[0].ID != "main" || !bare.EmptyProfile() {
		t.Errorf("bare member: %+v", bare.Profiles)
	}
	ms, err := db.Matches(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 2 {
		t.Fatalf("%d matches", len(ms))
	}
	for _, m := range ms {
		if m.Profile != "main" {
			t.Errorf("match %s names profile %q", m.Opportunity, m.Profile)
		}
		if m.Opportunity == "o:2" && (m.Feedback == nil || m.State != passerelle.MatchSaved) {
			t.Errorf("feedback lost: %+v", m)
		}
	}
	ghost, _ := db.Matches(ctx, "gone")
	if len(ghost) != 1 || ghost[0].Profile != "" {
		t.Errorf("match of an unknown member: %+v", ghost)
	}
	if v, _ := db.SchemaVersion(); v != migrations[len(migrations)-1].version {
		t.Errorf("schema version %d, want the latest", v)
	}
}

func TestMigration3IndexesExistingMatches(t *testing.T) {
	db, path := openAt(t, 2)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		b := tx.Bucket(bucketMatches)
		for _, m := range []passerelle.Match{mt("a", "o:1", 20, 1), mt("a", "o:2", 80, 1), mt("b", "o:1", 50, 1)} {
			m.State = passerelle.MatchNew
			if err := putJSON(b, matchKey(m.Member, m.Opportunity), &m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	pg, err := db.MatchesPage(context.Background(), "a", MatchQuery{})
	if err != nil {
		t.Fatal(err)
	}
	if got := oppIDs(pg.Matches); !reflect.DeepEqual(got, []string{"o:2", "o:1"}) {
		t.Fatalf("MatchesPage after migration = %v", got)
	}
}

func TestMigration5CreatesDeliveryBuckets(t *testing.T) {
	db, path := openAt(t, 4)
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketDeliveries) != nil {
			t.Error("deliveries bucket exists before migration 5")
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	createMembers(t, db, "acme")
	if _, err := db.AddDelivery(context.Background(), Delivery{Member: "acme", Channel: "webhook"}); err != nil {
		t.Fatal(err)
	}
}

// TestMigration6HashesFeedTokens: a token stored in clear before migration 6 keeps working
// (the feed address a member already uses), and the file no longer holds it.
func TestMigration6HashesFeedTokens(t *testing.T) {
	db, path := openAt(t, 5)
	createMembers(t, db, "acme")
	const token = "0123456789abcdef0123456789abcdef01234567"
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		if err := tx.Bucket(bucketFeedTokens).Put([]byte("acme"), []byte(token)); err != nil {
			return err
		}
		return tx.Bucket(bucketFeedMembers).Put([]byte(token), []byte("acme"))
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	ctx := context.Background()
	if m, err := db.MemberByFeedToken(ctx, token); err != nil || m != "acme" {
		t.Fatalf("old token after migration: %q, %v", m, err)
	}
	// No live record holds the token. (Pages bbolt freed may keep the old bytes until they
	// are reused: rotating the token is what makes an old copy useless.)
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketFeedTokens, bucketFeedMembers} {
			if err := tx.Bucket(name).ForEach(func(k, v []byte) error {
				if bytes.Contains(k, []byte(token)) || bytes.Contains(v, []byte(token)) {
					t.Errorf("bucket %s still holds the token in clear", name)
				}
				return nil
			}); err != nil {
				return err
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Errorf("check after migration: %v %v", rep.Problems, err)
	}
	if _, _, err := db.CreateDigest(ctx, Digest{ID: "dg_1", Member: "acme", Period: "2026-03-02", Items: []string{"o:1"},
		Channels: []ChannelDelivery{{Channel: "email", State: ChannelPending}}}); err != nil {
		t.Fatalf("digest buckets: %v", err)
	}
}

func TestMigration9CreatesSignInBuckets(t *testing.T) {
	db, path := openAt(t, 8)
	// A file of schema 8 with a member whose contact will sign in after the upgrade.
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		m := passerelle.Member{ID: "acme", Name: "Acme", Tier: passerelle.TierPremium, Skills: []string{"web"},
			Contacts: []passerelle.Contact{{Name: "Ann", Email: "ann@acme.example"}}}
		return putJSON(tx.Bucket(bucketMembers), []byte(m.ID), &m)
	}); err != nil {
		t.Fatal(err)
	}
	db.Close()
	db, err := Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if v, _ := db.SchemaVersion(); v != migrations[len(migrations)-1].version {
		t.Fatalf("schema version %d after open, want the latest, %d", v, migrations[len(migrations)-1].version)
	}
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		for _, name := range [][]byte{bucketStaffUsers, bucketStaffEmails, bucketSignInLinks, bucketSessions} {
			if tx.Bucket(name) == nil {
				t.Errorf("bucket %s missing", name)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := db.AddStaffUser(ctx, "Claire", "claire@cluster.example", t0); err != nil {
		t.Fatalf("staff user after migration: %v", err)
	}
	p, ok, err := db.PrincipalFor(ctx, "ann@acme.example")
	if err != nil || !ok {
		t.Fatalf("existing contact after migration: %v %v", ok, err)
	}
	if _, err := db.CreateSignInLink(ctx, p, t0, time.Minute); err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Errorf("check after migration: %v %v", rep.Problems, err)
	}
}
