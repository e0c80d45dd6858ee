package store

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestRunsOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	var ids []string
	for i := 0; i < 12; i++ {
		r, err := db.CreateRun(ctx, passerelle.Run{Trigger: "cli", Started: t0.Add(time.Duration(i) * time.Hour), Status: passerelle.RunRunning})
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, r.ID)
	}
	if ids[0] != "000001" || ids[11] != "000012" {
		t.Fatalf("ids %v", ids)
	}
	fin := t0.Add(13 * time.Hour)
	r, _ := db.Run(ctx, "000012")
	r.Status, r.Finished = passerelle.RunOK, &fin
	if err := db.PutRun(ctx, r); err != nil {
		t.Fatal(err)
	}
	wantCode(t, db.PutRun(ctx, passerelle.Run{ID: "999999"}), passerelle.ENOTFOUND)
	runs, err := db.Runs(ctx, 3)
	if err != nil {
		t.Fatal(err)
	}
	if len(runs) != 3 || runs[0].ID != "000012" || runs[1].ID != "000011" || runs[2].ID != "000010" {
		t.Fatalf("newest three: %+v", runs)
	}
	if runs[0].Status != passerelle.RunOK || runs[0].Finished == nil {
		t.Errorf("PutRun not kept: %+v", runs[0])
	}
	if all, _ := db.Runs(ctx, 0); len(all) != 12 {
		t.Errorf("Runs(0) = %d runs", len(all))
	}
	_, err = db.Run(ctx, "000404")
	wantCode(t, err, passerelle.ENOTFOUND)
}

func TestSources(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	s := passerelle.Source{ID: "ted", Name: "TED", URL: "https://ted.europa.eu/rss", Format: "rss", Enabled: true}
	if err := db.PutSource(ctx, s); err != nil {
		t.Fatal(err)
	}
	if err := db.PutSource(ctx, passerelle.Source{ID: "agoria", URL: "x.jsonl", Format: "jsonl"}); err != nil {
		t.Fatal(err)
	}
	err := db.PutSource(ctx, passerelle.Source{ID: "bad:id", Format: "pdf"})
	wantCode(t, err, passerelle.EINVALID)
	ss, err := db.Sources(ctx)
	if err != nil || len(ss) != 2 || ss[0].ID != "agoria" || ss[1].ID != "ted" {
		t.Fatalf("Sources = %+v, %v", ss, err)
	}
	st := FetchState{ETag: `"abc"`, LastModified: "Sat, 01 Mar 2025 02:00:00 GMT", Checked: t0}
	if err := db.PutFetchState(ctx, "ted", st); err != nil {
		t.Fatal(err)
	}
	if got, err := db.FetchState(ctx, "ted"); err != nil || got != st {
		t.Fatalf("FetchState = %+v, %v", got, err)
	}
	if got, err := db.FetchState(ctx, "agoria"); err != nil || got != (FetchState{}) {
		t.Fatalf("FetchState(never fetched) = %+v, %v", got, err)
	}
	put(t, db, t0, opp("ted:1", "kept"))
	if err := db.DeleteSource(ctx, "ted"); err != nil {
		t.Fatal(err)
	}
	_, err = db.Source(ctx, "ted")
	wantCode(t, err, passerelle.ENOTFOUND)
	if got, _ := db.FetchState(ctx, "ted"); got != (FetchState{}) {
		t.Errorf("fetch state survived its source: %+v", got)
	}
	if _, err := db.Opportunity(ctx, "ted:1"); err != nil {
		t.Errorf("deleting a source lost its opportunity: %v", err)
	}
	wantCode(t, db.DeleteSource(ctx, "ted"), passerelle.ENOTFOUND)
}

func validRules() passerelle.Rules {
	return passerelle.Rules{
		Fields:     passerelle.FieldWeights{Title: 2, Description: 1},
		Weights:    passerelle.Weights{Text: 50, Cluster: 20, CPV: 20},
		Thresholds: passerelle.Thresholds{MinScore: 30},
	}
}

func TestRulesVersions(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	_, err := db.CurrentRules(ctx)
	wantCode(t, err, passerelle.ENOTFOUND)
	for i := 1; i <= 3; i++ {
		r := validRules()
		r.Comment = fmt.Sprint("take ", i)
		r.Version = 99 // ignored: the store numbers versions
		got, err := db.PutRules(ctx, r, t0.Add(time.Duration(i)*time.Hour))
		if err != nil {
			t.Fatal(err)
		}
		if got.Version != i || !got.Created.Equal(t0.Add(time.Duration(i)*time.Hour)) {
			t.Fatalf("version %d created %v", got.Version, got.Created)
		}
	}
	bad := validRules()
	bad.Weights.Text = -1
	_, err = db.PutRules(ctx, bad, t0)
	wantCode(t, err, passerelle.EINVALID)
	cur, err := db.CurrentRules(ctx)
	if err != nil || cur.Version != 3 || cur.Comment != "take 3" {
		t.Fatalf("CurrentRules = %+v, %v", cur, err)
	}
	v2, err := db.RulesVersion(ctx, 2)
	if err != nil || v2.Comment != "take 2" {
		t.Fatalf("RulesVersion(2) = %+v, %v", v2, err)
	}
	for _, n := range []int{0, 4, -1} {
		_, err = db.RulesVersion(ctx, n)
		wantCode(t, err, passerelle.ENOTFOUND)
	}
	all, err := db.RulesVersions(ctx)
	if err != nil || len(all) != 3 || all[0].Version != 1 || all[2].Version != 3 {
		t.Fatalf("RulesVersions = %+v, %v", all, err)
	}
}
