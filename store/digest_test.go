package store

import (
	"context"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// TestDigestOncePerPeriod: the second CreateDigest of a period returns the first; a
// channel that delivered marks the matches notified and leaves the digest finished, in
// the same transaction as the delivery record; a failed one keeps it open.
func TestDigestOncePerPeriod(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme")
	t0 := time.Date(2026, 3, 2, 8, 0, 0, 0, time.UTC)
	if _, err := db.PutMatches(ctx, []passerelle.Match{mt("acme", "o:1", 80, 1), mt("acme", "o:2", 70, 1), mt("acme", "o:3", 60, 1)}, t0); err != nil {
		t.Fatal(err)
	}
	d := Digest{ID: "dg_a", Member: "acme", Period: "2026-03-02", Created: t0, Items: []string{"o:1", "o:2"}, Held: []string{"o:3"},
		Channels: []ChannelDelivery{{Channel: "email", State: ChannelPending}, {Channel: "webhook", State: ChannelPending}}}
	got, created, err := db.CreateDigest(ctx, d)
	if err != nil || !created || got.ID != "dg_a" {
		t.Fatalf("first CreateDigest: %+v %v %v", got, created, err)
	}
	again := d
	again.ID = "dg_b"
	got, created, err = db.CreateDigest(ctx, again)
	if err != nil || created || got.ID != "dg_a" {
		t.Fatalf("second CreateDigest of the period: %+v %v %v, want the first back", got, created, err)
	}
	if done, _ := db.Digested(ctx, "acme"); !done["o:1"] || !done["o:3"] || len(done) != 3 {
		t.Errorf("Digested = %v, want the items and the held one", done)
	}
	if _, err := db.UpdateDigestChannel(ctx, "acme", "2026-03-02", "email", t0, func(c *ChannelDelivery) { c.State = ChannelSent }); err != nil {
		t.Fatal(err)
	}
	if _, err := db.UpdateDigestChannel(ctx, "acme", "2026-03-02", "webhook", t0, func(c *ChannelDelivery) {
		c.State, c.Error = ChannelFailed, "500"
		c.Attempts++
	}); err != nil {
		t.Fatal(err)
	}
	for o, want := range map[string]passerelle.MatchState{"o:1": passerelle.MatchNotified, "o:2": passerelle.MatchNotified, "o:3": passerelle.MatchNew} {
		if m, _ := db.Match(ctx, "acme", o); m.State != want {
			t.Errorf("%s: state %q, want %q", o, m.State, want)
		}
	}
	open, err := db.UnfinishedDigests(ctx)
	if err != nil || len(open) != 1 || open[0].Channels[1].State != ChannelFailed {
		t.Fatalf("unfinished: %+v %v", open, err)
	}
	// The indexes are derived: a rebuild gives the same answers.
	if err := db.RebuildIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if open, _ := db.UnfinishedDigests(ctx); len(open) != 1 {
		t.Errorf("after RebuildIndexes: %d unfinished digests, want 1", len(open))
	}
	if done, _ := db.Digested(ctx, "acme"); len(done) != 3 {
		t.Errorf("after RebuildIndexes: Digested = %v", done)
	}
	if dels, _ := db.Deliveries(ctx, "acme", 0); len(dels) != 2 {
		t.Errorf("%d delivery records, want one per outcome", len(dels))
	}
	for i := 1; i < MaxDigestAttempts; i++ {
		if _, err := db.UpdateDigestChannel(ctx, "acme", "2026-03-02", "webhook", t0, func(c *ChannelDelivery) {
			c.State = ChannelFailed
			c.Attempts++
		}); err != nil {
			t.Fatal(err)
		}
	}
	if open, _ := db.UnfinishedDigests(ctx); len(open) != 0 {
		t.Errorf("a channel failing %d times is still retried: %+v", MaxDigestAttempts, open)
	}
	if err := db.DeleteMember(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	if ds, _ := db.Digests(ctx, "acme"); len(ds) != 0 {
		t.Errorf("digests outlive their member: %+v", ds)
	}
}
