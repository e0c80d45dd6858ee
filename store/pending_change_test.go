package store

import (
	"context"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// A notice's alias (its eForms identifier) finds it, never takes the place of another
// opportunity, and never moves once given.
func TestNoticeAliases(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	other := passerelle.Opportunity{ID: "ted:other-notice", Source: "ted", Kind: passerelle.KindCall, Title: "Une autre annonce", Status: passerelle.StatusOpen}
	a := passerelle.Opportunity{ID: "ted:129266-2024", Source: "ted", Kind: passerelle.KindCall, Title: "Gardiennage du terminal de croisière",
		Status: passerelle.StatusOpen, Aliases: []string{"ted:95a505a4-924c-420b-958d-b628f7c4d50b", "ted:other-notice"}}
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{other, a}, now); err != nil {
		t.Fatal(err)
	}
	got, err := db.Opportunity(ctx, "ted:95a505a4-924c-420b-958d-b628f7c4d50b")
	if err != nil || got.ID != a.ID {
		t.Fatalf("by alias: %q %v", got.ID, err)
	}
	if got, err := db.Opportunity(ctx, "ted:other-notice"); err != nil || got.Title != "Une autre annonce" {
		t.Errorf("an alias took another opportunity's place: %+v %v", got, err)
	}
	b := passerelle.Opportunity{ID: "ted:140000-2024", Source: "ted", Kind: passerelle.KindCall, Title: "Autre chose",
		Status: passerelle.StatusOpen, Aliases: []string{"ted:95a505a4-924c-420b-958d-b628f7c4d50b"}}
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{b}, now); err != nil {
		t.Fatal(err)
	}
	if got, _ := db.Opportunity(ctx, "ted:95a505a4-924c-420b-958d-b628f7c4d50b"); got.ID != a.ID {
		t.Errorf("alias moved to %q", got.ID)
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Errorf("check: %+v %v", rep, err)
	}
}

// Pending changes are found under any of their targets, oldest first, and forgotten on
// demand.
func TestPendingChanges(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	now := time.Date(2026, 3, 1, 8, 0, 0, 0, time.UTC)
	if got, err := db.PendingChanges(ctx, []string{"ted:1-2026"}); err != nil || len(got) != 0 {
		t.Fatalf("empty store: %v %v", got, err)
	}
	d1, d2 := now.AddDate(0, 0, -3), now.AddDate(0, 0, -1)
	c1 := passerelle.Opportunity{ID: "ted:2-2026", Source: "ted", Kind: passerelle.KindOther, Title: "Rectificatif 2", Published: &d2, Changes: "1-2026", Status: passerelle.StatusOpen}
	c2 := passerelle.Opportunity{ID: "ted:3-2026", Source: "ted", Kind: passerelle.KindOther, Title: "Rectificatif 1", Published: &d1, Changes: "1-2026", Status: passerelle.StatusOpen}
	if _, err := db.PutOpportunities(ctx, []passerelle.Opportunity{c1, c2}, now); err != nil {
		t.Fatal(err)
	}
	if err := db.KeepPendingChanges(ctx, map[string][]string{c1.ID: {"ted:1-2026", "1-2026"}, c2.ID: {"ted:1-2026", "1-2026"}}); err != nil {
		t.Fatal(err)
	}
	got, err := db.PendingChanges(ctx, []string{"ted:1-2026", "ted:9-2026"})
	if err != nil || len(got["ted:1-2026"]) != 2 || got["ted:1-2026"][0].ID != c2.ID || len(got["ted:9-2026"]) != 0 {
		t.Fatalf("pending: %+v %v", got, err)
	}
	// Keeping the same change again is harmless: each change once per target.
	if err := db.KeepPendingChanges(ctx, map[string][]string{c1.ID: {"1-2026"}}); err != nil {
		t.Fatal(err)
	}
	got, _ = db.PendingChanges(ctx, []string{"1-2026"})
	if len(got["1-2026"]) != 2 {
		t.Errorf("after keeping one twice: %+v", got)
	}
	if err := db.KeepPendingChanges(ctx, map[string][]string{"": {"x"}}); passerelle.ErrorCode(err) != passerelle.EINVALID {
		t.Errorf("empty change id: %v", err)
	}
}
