package store

import (
	"bytes"
	"context"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

// TestMigration11MakesLinkSecretAndReminders: a file of schema 8 gains a link secret and the
// reminders bucket; the secret stays the same across reopenings (yesterday's links work).
func TestMigration11MakesLinkSecretAndReminders(t *testing.T) {
	db, path := openAt(t, 8)
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		if tx.Bucket(bucketSecrets) != nil || tx.Bucket(bucketDigestReminded) != nil {
			t.Error("schema 8 already has the buckets of 11")
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
	if v, _ := db.SchemaVersion(); v < 11 {
		t.Fatalf("schema version %d after Open", v)
	}
	ctx := context.Background()
	s1, err := db.LinkSecret(ctx)
	if err != nil || len(s1) != 32 || bytes.Equal(s1, make([]byte, 32)) {
		t.Fatalf("link secret %x, %v", s1, err)
	}
	db.Close()
	db, err = Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	s2, err := db.LinkSecret(ctx)
	if err != nil || !bytes.Equal(s1, s2) {
		t.Fatalf("link secret changed across reopening: %x then %x (%v)", s1, s2, err)
	}
	other, _ := openAt(t, 11)
	defer other.Close()
	if s3, _ := other.LinkSecret(ctx); bytes.Equal(s1, s3) {
		t.Error("two stores share a link secret")
	}
}

// TestDigestRecordsItsReminders: the reminders a digest carries are recorded with it, once,
// and go with the member.
func TestDigestRecordsItsReminders(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 2, 7, 0, 0, 0, time.UTC)
	if _, err := db.PutMember(ctx, passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Skills: []string{"x"}}, now); err != nil {
		t.Fatal(err)
	}
	d := Digest{ID: "dg_1", Member: "m", Period: "2026-03-02", Created: now, Closing: []string{"o1"},
		Changed: []ChangedRef{{Opportunity: "o2", From: 1, To: 3}}, Channels: []ChannelDelivery{{Channel: "email", State: ChannelPending}}}
	if _, created, err := db.CreateDigest(ctx, d); err != nil || !created {
		t.Fatalf("CreateDigest of reminders only: %v, %v", created, err)
	}
	r, err := db.Reminders(ctx, "m")
	if err != nil {
		t.Fatal(err)
	}
	if r["o1"].Closing != "2026-03-02" || r["o2"].Changed != 3 || len(r) != 2 {
		t.Fatalf("reminders %+v", r)
	}
	// The same period again writes nothing.
	d2 := d
	d2.ID, d2.Changed = "dg_2", []ChangedRef{{Opportunity: "o2", From: 3, To: 5}}
	if _, created, _ := db.CreateDigest(ctx, d2); created {
		t.Fatal("a second digest for the same period")
	}
	if r, _ := db.Reminders(ctx, "m"); r["o2"].Changed != 3 {
		t.Errorf("a refused digest changed the reminders: %+v", r)
	}
	if _, _, err := db.CreateDigest(ctx, Digest{ID: "dg_3", Member: "m", Period: "2026-03-03", Created: now}); err == nil {
		t.Error("a digest with no items and no reminders was recorded")
	}
	if err := db.DeleteMember(ctx, "m"); err != nil {
		t.Fatal(err)
	}
	if r, _ := db.Reminders(ctx, "m"); len(r) != 0 {
		t.Errorf("reminders outlive their member: %+v", r)
	}
}
