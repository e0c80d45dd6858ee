package store

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

var brussels = time.FixedZone("CEST", 2*3600)

// tedNotice is a TED notice as TED JSONL imports keep it: the publication number as id.
func tedNotice() passerelle.Opportunity {
	return passerelle.Opportunity{
		ID: "000123-2025", Source: "ted", Kind: passerelle.KindCall, Language: "fr",
		Title:    "Rénovation de l'école communale — Lot 1 : toitures",
		Buyer:    "Ville de Liège",
		Deadline: tp(time.Date(2025, 4, 1, 14, 0, 0, 0, brussels)),
		Status:   passerelle.StatusOpen, CPV: []string{"45261000"},
		URL: "https://ted.europa.eu/udl?uri=TED:NOTICE:000123-2025:TEXT:FR:HTML",
	}
}

func putDetailed(t *testing.T, db *DB, now time.Time, ops ...passerelle.Opportunity) []PutOutcome {
	t.Helper()
	outs, err := db.PutOpportunitiesDetailed(context.Background(), ops, now)
	if err != nil {
		t.Fatal(err)
	}
	return outs
}

func TestDuplicateByTEDReferenceInLink(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	putDetailed(t, db, t0, tedNotice())
	// A pole's RSS item pointing at the TED notice, with its own id and no deadline.
	copy := passerelle.Opportunity{
		ID: "pole-greenwin:item-7", Source: "pole-greenwin", Kind: passerelle.KindTender,
		Title: "Appel: toitures école communale", Language: "fr",
		URL: "https://ted.europa.eu/en/notice/-/detail/123-2025",
	}
	outs := putDetailed(t, db, t0.Add(time.Hour), copy)
	if outs[0] != (PutOutcome{Result: PutMerged, ID: "000123-2025", Refreshed: true}) {
		t.Fatalf("copy outcome %+v", outs[0])
	}
	if n, _ := db.CountOpportunities(ctx); n != 1 {
		t.Fatalf("%d opportunities, want 1", n)
	}
	o, err := db.Opportunity(ctx, "pole-greenwin:item-7")
	if err != nil {
		t.Fatal(err)
	}
	if o.ID != "000123-2025" || !reflect.DeepEqual(o.Sources, []string{"ted", "pole-greenwin"}) || o.Source != "ted" {
		t.Fatalf("merged opportunity: id %s source %s sources %v", o.ID, o.Source, o.Sources)
	}
	if o.Title != tedNotice().Title || o.Revision != 1 {
		t.Errorf("the copy rewrote the first source's text: %q revision %d", o.Title, o.Revision)
	}
	// The feed repeats the item the next night: nothing new.
	outs = putDetailed(t, db, t0.Add(24*time.Hour), copy)
	if outs[0] != (PutOutcome{Result: PutUnchanged, ID: "000123-2025"}) {
		t.Fatalf("repeated copy outcome %+v", outs[0])
	}
	if n, _ := db.CountOpportunities(ctx); n != 1 {
		t.Fatalf("%d opportunities after repeat, want 1", n)
	}
	// The same notice through another id scheme of the same source is still one.
	again := tedNotice()
	again.ID = "ted:123-2025"
	if outs := putDetailed(t, db, t0.Add(25*time.Hour), again); outs[0].ID != "000123-2025" || outs[0].Result != PutMerged {
		t.Fatalf("same publication number, other id: %+v", outs[0])
	}
}

func TestDuplicateByTitleBuyerDeadline(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	ted := tedNotice()
	ted.URL = ""
	ted.ID = "ted-feed:abc" // no publication number anywhere: only title, buyer, date can tell
	copy := passerelle.Opportunity{
		ID: "pole-x:42", Source: "pole-x", Kind: passerelle.KindCall, Language: "nl",
		Title:       "RENOVATION DE L'ECOLE COMMUNALE - LOT 1: TOITURES",
		Buyer:       "VILLE DE LIEGE",
		Description: "Renovatie van de daken.",
		Deadline:    tp(time.Date(2025, 4, 1, 0, 0, 0, 0, brussels)), // date only, same day
		Value:       &passerelle.Money{Amount: 90000, Currency: "EUR"},
	}
	// Both in one batch, as one ingest of two sources might do.
	outs := putDetailed(t, db, t0, ted, copy)
	if outs[0].Result != PutNew || outs[1].Result != PutMerged || outs[1].ID != "ted-feed:abc" {
		t.Fatalf("outcomes %+v", outs)
	}
	o, err := db.OpportunityWithRevisions(ctx, "ted-feed:abc")
	if err != nil {
		t.Fatal(err)
	}
	// The copy filled what the first source lacked — value, a Dutch text — and nothing else.
	if o.Value == nil || o.Value.Amount != 90000 || o.Description != "Renovatie van de daken." {
		t.Errorf("copy's extra fields not taken: value %+v description %q", o.Value, o.Description)
	}
	if o.Translations["nl"].Title != copy.Title {
		t.Errorf("copy's text not kept as a translation: %+v", o.Translations)
	}
	if !o.Deadline.Equal(*ted.Deadline) || o.Title != ted.Title {
		t.Errorf("first source's deadline or title replaced")
	}
	if o.Revision != 2 || len(o.Revisions) != 1 || o.Revisions[0].Source != "pole-x" {
		t.Errorf("filling fields should be one revision by pole-x: revision %d %+v", o.Revision, o.Revisions)
	}
	if n, _ := db.CountOpportunities(ctx); n != 1 {
		t.Fatalf("%d opportunities, want 1", n)
	}
	// Next night both sources repeat themselves: the first source's record lacks what the
	// copy added, which must not read as a removal (nor the copy's as a re-addition).
	for night := 1; night <= 2; night++ {
		outs = putDetailed(t, db, t0.Add(time.Duration(night)*24*time.Hour), ted, copy)
		for i, out := range outs {
			if out.Result != PutUnchanged || out.Refreshed {
				t.Errorf("night %d, record %d: %+v, want unchanged", night, i, out)
			}
		}
	}
	// A real change by the first source still counts.
	ted.Value = &passerelle.Money{Amount: 95000, Currency: "EUR"}
	if outs := putDetailed(t, db, t0.Add(72*time.Hour), ted); outs[0].Result != PutUpdated {
		t.Errorf("first source's new value: %+v", outs[0])
	}
}

func TestNotDuplicates(t *testing.T) {
	base := tedNotice()
	base.URL = ""
	base.ID = "ted-feed:abc"
	for _, tc := range []struct {
		name   string
		change func(o *passerelle.Opportunity)
	}{
		{"other deadline date", func(o *passerelle.Opportunity) { o.Deadline = tp(o.Deadline.Add(24 * time.Hour)) }},
		{"no deadline", func(o *passerelle.Opportunity) { o.Deadline = nil }},
		{"placeholder deadline", func(o *passerelle.Opportunity) { o.DeadlineUntrusted = true }},
		{"no buyer", func(o *passerelle.Opportunity) { o.Buyer = "" }},
		{"other buyer", func(o *passerelle.Opportunity) { o.Buyer = "Ville de Namur" }},
		{"other lot", func(o *passerelle.Opportunity) { o.Title = "Rénovation de l'école communale — Lot 2 : toitures" }},
		{"same source", func(o *passerelle.Opportunity) { o.Source = "ted" }},
		{"other TED number", func(o *passerelle.Opportunity) { o.ExternalID = "000124-2025"; o.Buyer = "" }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			db := openTest(t)
			a := base
			if tc.name == "no buyer" || tc.name == "placeholder deadline" || tc.name == "no deadline" {
				tc.change(&a) // the weakness is in both copies
			}
			b := a
			b.ID, b.Source = "pole-x:1", "pole-x"
			tc.change(&b)
			outs := putDetailed(t, db, t0, a, b)
			if outs[1].Result != PutNew {
				t.Fatalf("second record %+v, want a new opportunity", outs[1])
			}
		})
	}
}

func TestSameSourceTwinsStayTwo(t *testing.T) {
	// Real data: TED published one Surrey call twice under two numbers; same title, buyer and
	// deadline. One source's two notices are never merged.
	f, err := os.Open("testdata/ted_same_source_twins.jsonl")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var ops []passerelle.Opportunity
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			ID, Source, Title, Description, Language, Buyer, Country, URL string
			Deadline                                                      string
			CPV                                                           []string
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		dl, err := time.ParseInLocation("2006-01-02T15:04", r.Deadline, time.UTC)
		if err != nil {
			t.Fatal(err)
		}
		ops = append(ops, passerelle.Opportunity{ID: r.ID, Source: r.Source, Kind: passerelle.KindCall, Title: r.Title,
			Description: r.Description, Language: r.Language, Buyer: r.Buyer, Country: r.Country, URL: r.URL,
			Deadline: &dl, CPV: r.CPV, Status: passerelle.StatusOpen})
	}
	if len(ops) != 2 {
		t.Fatalf("testdata has %d records, want 2", len(ops))
	}
	if a, b := fingerprints(&ops[0]), fingerprints(&ops[1]); a[1] != b[1] {
		t.Fatalf("fixture no longer shares a title/buyer/date fingerprint: %q vs %q", a[1], b[1])
	}
	db := openTest(t)
	outs := putDetailed(t, db, t0, ops...)
	if outs[0].Result != PutNew || outs[1].Result != PutNew {
		t.Fatalf("outcomes %+v", outs)
	}
	// Another source's copy merges into the first one seen.
	c := ops[1]
	c.ID, c.Source = "uk-contracts-finder:9", "uk-contracts-finder"
	c.URL = ""
	if outs := putDetailed(t, db, t0, c); outs[0].Result != PutMerged || outs[0].ID != "220722-2018" {
		t.Fatalf("third copy %+v", outs[0])
	}
}

func TestFingerprintHelpers(t *testing.T) {
	for in, want := range map[string]string{
		"000002-2019":   "2-2019",
		"00123456-2024": "123456-2024",
		"2023-642439":   "", // Doffin: year first
		"12-1889":       "",
		"abc-2019":      "",
		" 5-2020 ":      "5-2020",
	} {
		if got := tedRef(in); got != want {
			t.Errorf("tedRef(%q) = %q, want %q", in, got, want)
		}
	}
	for in, want := range map[string]string{
		"Rénovation — Lot 1 : École":     "renovation lot 1 ecole",
		"  RENOVATION - lot 1: ecole!! ": "renovation lot 1 ecole",
		"Łódź C++ & .NET":                "łodz c net",
		"":                               "",
	} {
		if got := normText(in); got != want {
			t.Errorf("normText(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestMigration4FingerprintsExistingOpportunities(t *testing.T) {
	db, path := openAt(t, 3)
	err := db.bolt.Update(func(tx *bolt.Tx) error {
		o := tedNotice()
		o.Sources = []string{"ted"}
		return putJSON(tx.Bucket(bucketOpportunities), []byte(o.ID), &o)
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
	copy := tedNotice()
	copy.ID, copy.Source, copy.URL = "pole-x:1", "pole-x", ""
	if outs := putDetailed(t, db, t0, copy); outs[0].Result != PutMerged || outs[0].ID != "000123-2025" {
		t.Fatalf("copy after migration: %+v", outs[0])
	}
}
