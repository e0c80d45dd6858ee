package store

import (
	"context"
	"fmt"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func tp(t time.Time) *time.Time { return &t }

func opp(id, title string) passerelle.Opportunity {
	src, _, _ := strings.Cut(id, ":")
	return passerelle.Opportunity{
		ID: id, Source: src, Kind: passerelle.KindTender, Title: title,
		Description: "Description of " + title, Language: "en", Buyer: "City of Liège",
		Deadline: tp(time.Date(2025, 4, 1, 12, 0, 0, 0, time.UTC)), Status: passerelle.StatusOpen,
		CPV: []string{"72000000"},
	}
}

func put(t *testing.T, db *DB, now time.Time, ops ...passerelle.Opportunity) []PutResult {
	t.Helper()
	res, err := db.PutOpportunities(context.Background(), ops, now)
	if err != nil {
		t.Fatal(err)
	}
	return res
}

func TestPutOpportunitiesNewUnchangedUpdated(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := opp("ted:1", "Cloud hosting")
	if got := put(t, db, t0, a); !reflect.DeepEqual(got, []PutResult{PutNew}) {
		t.Fatalf("first put: %v", got)
	}
	o, err := db.Opportunity(ctx, "ted:1")
	if err != nil {
		t.Fatal(err)
	}
	if !o.FirstSeen.Equal(t0) || !o.Updated.Equal(t0) || o.Revision != 1 {
		t.Fatalf("new opportunity: first_seen %v updated %v revision %d", o.FirstSeen, o.Updated, o.Revision)
	}
	if !reflect.DeepEqual(o.Sources, []string{"ted"}) {
		t.Errorf("sources %v, want [ted]", o.Sources)
	}

	t1 := t0.Add(24 * time.Hour)
	if got := put(t, db, t1, a); got[0] != PutUnchanged {
		t.Fatalf("same record again: %v", got[0])
	}
	if o, _ := db.Opportunity(ctx, "ted:1"); !o.Updated.Equal(t0) || o.Revision != 1 {
		t.Fatalf("unchanged record moved: updated %v revision %d", o.Updated, o.Revision)
	}

	// The same deadline written in another zone is the same instant: no revision.
	b := a
	b.Deadline = tp(a.Deadline.In(time.FixedZone("CET", 3600)))
	if got := put(t, db, t1, b); got[0] != PutUnchanged {
		t.Fatalf("deadline in another zone: %v", got[0])
	}

	// A corrigendum: new deadline, new value, a translation added.
	t2 := t0.Add(48 * time.Hour)
	c := a
	c.Deadline = tp(time.Date(2025, 4, 15, 12, 0, 0, 0, time.UTC))
	c.Value = &passerelle.Money{Amount: 250000, Currency: "EUR"}
	c.Translations = map[string]passerelle.Text{"fr": {Title: "Hébergement cloud"}}
	if got := put(t, db, t2, c); got[0] != PutUpdated {
		t.Fatalf("corrigendum: %v", got[0])
	}
	o, err = db.OpportunityWithRevisions(ctx, "ted:1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Revision != 2 || !o.Updated.Equal(t2) || !o.FirstSeen.Equal(t0) {
		t.Fatalf("after corrigendum: revision %d updated %v first_seen %v", o.Revision, o.Updated, o.FirstSeen)
	}
	want := []passerelle.Revision{{N: 2, At: t2, Source: "ted", Changes: []passerelle.FieldChange{
		{Field: "deadline", Old: "2025-04-01T13:00:00+01:00", New: "2025-04-15T12:00:00Z"}, // old as last stored, zone and all,
		{Field: "value", Old: "", New: "250000 EUR"},
		{Field: "translations.fr.title", Old: "", New: "Hébergement cloud"},
	}}}
	if !reflect.DeepEqual(o.Revisions, want) {
		t.Fatalf("revisions:\n got %+v\nwant %+v", o.Revisions, want)
	}

	// A third change: status and title. Revisions come back oldest first.
	t3 := t0.Add(72 * time.Hour)
	d := c
	d.Title, d.Status = "Cloud hosting (cancelled)", passerelle.StatusCancelled
	if got := put(t, db, t3, d); got[0] != PutUpdated {
		t.Fatalf("third change: %v", got[0])
	}
	o, _ = db.OpportunityWithRevisions(ctx, "ted:1")
	if len(o.Revisions) != 2 || o.Revisions[0].N != 2 || o.Revisions[1].N != 3 {
		t.Fatalf("revisions %+v", o.Revisions)
	}
	if got := o.Revisions[1].Changes; len(got) != 2 || got[0].Field != "title" || got[1] != (passerelle.FieldChange{Field: "status", Old: "open", New: "cancelled"}) {
		t.Fatalf("third revision changes %+v", got)
	}
	// Opportunity alone does not carry revisions.
	if o, _ := db.Opportunity(ctx, "ted:1"); o.Revisions != nil {
		t.Errorf("Opportunity returned revisions")
	}
}

func TestPutOpportunitiesNonMaterialRefreshedSilently(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := opp("ted:1", "Cloud hosting")
	put(t, db, t0, a)
	b := a
	b.URL = "https://ted.europa.eu/notice/1"
	b.CPV = []string{"72000000", "48000000"}
	outs, err := db.PutOpportunitiesDetailed(ctx, []passerelle.Opportunity{b}, t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if outs[0] != (PutOutcome{Result: PutUnchanged, ID: "ted:1", Refreshed: true}) {
		t.Fatalf("outcome %+v", outs[0])
	}
	o, _ := db.OpportunityWithRevisions(ctx, "ted:1")
	if o.URL != b.URL || len(o.CPV) != 2 {
		t.Errorf("non-material fields not refreshed: %+v", o)
	}
	if o.Revision != 1 || !o.Updated.Equal(t0) || len(o.Revisions) != 0 {
		t.Errorf("non-material change made a revision: revision %d updated %v", o.Revision, o.Updated)
	}
}

func TestPutOpportunitiesMergesSources(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := opp("call-42", "Digital twins")
	a.Source = "pole-mecatech"
	put(t, db, t0, a)
	b := a
	b.Source, b.Sources = "pole-biowin", []string{"pole-biowin", "pole-mecatech", "ted"}
	if got := put(t, db, t0.Add(time.Hour), b); got[0] != PutUnchanged {
		t.Fatalf("second source: %v", got[0])
	}
	o, err := db.Opportunity(ctx, "call-42")
	if err != nil {
		t.Fatal(err)
	}
	if o.Source != "pole-mecatech" {
		t.Errorf("source %q, want the first one, pole-mecatech", o.Source)
	}
	if want := []string{"pole-mecatech", "pole-biowin", "ted"}; !reflect.DeepEqual(o.Sources, want) {
		t.Errorf("sources %v, want %v", o.Sources, want)
	}
}

func TestPutOpportunitiesSameIDTwiceInOneBatch(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	a := opp("ted:1", "v1")
	b := opp("ted:1", "v2")
	got := put(t, db, t0, a, b)
	if !reflect.DeepEqual(got, []PutResult{PutNew, PutUpdated}) {
		t.Fatalf("results %v", got)
	}
	if n, _ := db.CountOpportunities(ctx); n != 1 {
		t.Fatalf("%d opportunities, want 1", n)
	}
	ids, _ := db.UpdatedSince(ctx, time.Time{})
	if !reflect.DeepEqual(ids, []string{"ted:1"}) {
		t.Fatalf("updated index %v", ids)
	}
}

func TestPutOpportunitiesBadRecordWritesNothing(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, tc := range []struct {
		name string
		bad  passerelle.Opportunity
		want string
	}{
		{"empty id", passerelle.Opportunity{Title: "no id"}, "opportunity 1: opportunity id is required"},
		{"nul in id", passerelle.Opportunity{ID: "a\x00b"}, "NUL"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := db.PutOpportunities(ctx, []passerelle.Opportunity{opp("ted:1", "ok"), tc.bad}, t0)
			wantCode(t, err, passerelle.EINVALID)
			if !strings.Contains(err.Error(), tc.want) {
				t.Errorf("error %q does not say %q", err, tc.want)
			}
			if n, _ := db.CountOpportunities(ctx); n != 0 {
				t.Fatalf("a rejected batch wrote %d opportunities", n)
			}
		})
	}
}

func TestOpportunityNotFound(t *testing.T) {
	db := openTest(t)
	_, err := db.Opportunity(context.Background(), "ted:404")
	wantCode(t, err, passerelle.ENOTFOUND)
	if !strings.Contains(err.Error(), "ted:404") {
		t.Errorf("error %q does not name the id", err)
	}
	_, err = db.OpportunityWithRevisions(context.Background(), "ted:404")
	wantCode(t, err, passerelle.ENOTFOUND)
}

func TestOpportunitiesKeepsOrderSkipsMissing(t *testing.T) {
	db := openTest(t)
	put(t, db, t0, opp("a:1", "one"), opp("a:2", "two"), opp("a:3", "three"))
	got, err := db.Opportunities(context.Background(), []string{"a:3", "nope", "a:1"})
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 2 || got[0].ID != "a:3" || got[1].ID != "a:1" {
		t.Fatalf("got %d: %+v", len(got), got)
	}
}

func TestForEachOpportunityVisitsAllInOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	// More than two chunks, so the resume-after-key logic is exercised.
	n := 2*forEachChunk + 17
	var ops []passerelle.Opportunity
	for i := n - 1; i >= 0; i-- {
		ops = append(ops, opp(fmt.Sprintf("x:%05d", i), "t"))
	}
	put(t, db, t0, ops...)
	var seen []string
	err := db.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		seen = append(seen, o.ID)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != n {
		t.Fatalf("visited %d, want %d", len(seen), n)
	}
	for i, id := range seen {
		if want := fmt.Sprintf("x:%05d", i); id != want {
			t.Fatalf("visit %d: %s, want %s", i, id, want)
		}
	}
	if c, _ := db.CountOpportunities(ctx); c != n {
		t.Errorf("count %d, want %d", c, n)
	}
	stop := fmt.Errorf("stop")
	calls := 0
	err = db.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error { calls++; return stop })
	if err != stop || calls != 1 {
		t.Errorf("fn error not returned at once: %v after %d calls", err, calls)
	}
}

func TestUpdatedSince(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1, t2 := t0.Add(time.Hour), t0.Add(2*time.Hour)
	put(t, db, t0, opp("a:1", "one"), opp("a:2", "two"), opp("a:3", "three"))
	put(t, db, t1, opp("a:2", "two, amended"))
	put(t, db, t2, opp("a:4", "four"), opp("a:1", "one")) // a:1 unchanged: stays at t0
	for _, tc := range []struct {
		since time.Time
		want  []string
	}{
		{time.Time{}, []string{"a:1", "a:3", "a:2", "a:4"}},
		{t0, []string{"a:1", "a:3", "a:2", "a:4"}},
		{t0.Add(time.Nanosecond), []string{"a:2", "a:4"}},
		{t1, []string{"a:2", "a:4"}},
		{t2, []string{"a:4"}},
		{t2.Add(time.Second), nil},
	} {
		got, err := db.UpdatedSince(ctx, tc.since)
		if err != nil {
			t.Fatal(err)
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("UpdatedSince(%v) = %v, want %v", tc.since, got, tc.want)
		}
	}
}

func TestMaterialChanges(t *testing.T) {
	base := opp("a:1", "T")
	for _, tc := range []struct {
		name   string
		change func(o *passerelle.Opportunity)
		want   []string
	}{
		{"nothing", func(o *passerelle.Opportunity) {}, nil},
		{"url and cpv are not material", func(o *passerelle.Opportunity) { o.URL = "x"; o.CPV = nil; o.NUTS = []string{"BE3"} }, nil},
		{"deadline removed", func(o *passerelle.Opportunity) { o.Deadline = nil }, []string{"deadline"}},
		{"description", func(o *passerelle.Opportunity) { o.Description = "new" }, []string{"description"}},
		{"value amount", func(o *passerelle.Opportunity) { o.Value = &passerelle.Money{Amount: 1} }, []string{"value"}},
		{"stages", func(o *passerelle.Opportunity) {
			o.Stages = []passerelle.Stage{{Name: "letter of intent", Deadline: tp(t0)}}
		}, []string{"stages"}},
		{"translation description", func(o *passerelle.Opportunity) {
			o.Translations = map[string]passerelle.Text{"nl": {Description: "x"}, "de": {}}
		}, []string{"translations.nl.description"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			n := base
			tc.change(&n)
			var got []string
			for _, c := range MaterialChanges(&base, &n) {
				got = append(got, c.Field)
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("changed fields %v, want %v", got, tc.want)
			}
		})
	}
}
