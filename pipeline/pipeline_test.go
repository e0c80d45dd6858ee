package pipeline

import (
	"context"
	"crypto/sha256"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/source"
	"github.com/passerelle/passerelle/store"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

func newPipeline(t *testing.T) *Pipeline {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close(); db.Close() })
	return &Pipeline{Store: db, Index: ix, Fetcher: &source.Fetcher{Retries: -1}, Now: func() time.Time { return now }}
}

func jsonlRecord(id, title, deadline string) string {
	return fmt.Sprintf(`{"id":%q,"kind":"call","title":%q,"description":"Appel à projets.","language":"fr","country":"BE","published":"2026-11-20","deadline":%q}`, id, title, deadline)
}

// feedServer serves a JSONL feed with an ETag, and counts the full answers it gave.
func feedServer(t *testing.T, body *atomic.Value, full *atomic.Int32) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b := body.Load().(string)
		etag := fmt.Sprintf(`"%x"`, sha256.Sum256([]byte(b)))
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		full.Add(1)
		w.Header().Set("ETag", etag)
		fmt.Fprint(w, b)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestRunCountsUpdatesAndFailures(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	var body atomic.Value
	var full atomic.Int32
	body.Store(jsonlRecord("r1", "Cybersécurité des PME : audit de sécurité", "2026-12-20T12:00:00") + "\n" + jsonlRecord("r2", "Jeux sérieux", "2026-12-30T12:00:00") + "\n")
	srv := feedServer(t, &body, &full)
	broken := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "boom", http.StatusInternalServerError)
	}))
	defer broken.Close()
	for _, s := range []passerelle.Source{
		{ID: "region", Name: "Région", URL: srv.URL + "/calls.jsonl", Format: "jsonl", Enabled: true},
		{ID: "down", Name: "Down", URL: broken.URL + "/feed.rss", Format: "rss", Enabled: true},
		{ID: "off", Name: "Off", URL: broken.URL + "/off.rss", Format: "rss", Enabled: false},
	} {
		if err := p.Store.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := p.Store.PutMember(ctx, passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Clusters: []string{"security"}, Skills: []string{"cybersécurité", "audit de sécurité"}}, now); err != nil {
		t.Fatal(err)
	}

	run, err := p.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != passerelle.RunPartial || len(run.Sources) != 2 {
		t.Fatalf("first run: status %s with %d sources, want partial with 2 (disabled source skipped): %+v", run.Status, len(run.Sources), run)
	}
	byID := map[string]passerelle.SourceRun{}
	for _, s := range run.Sources {
		byID[s.Source] = s
	}
	if r := byID["region"]; r.New != 2 || r.Updated != 0 || len(r.Errors) != 0 {
		t.Errorf("region source: %+v", r)
	}
	if d := byID["down"]; len(d.Errors) == 0 || !strings.Contains(d.Errors[0], "down") {
		t.Errorf("failing source's error does not name it: %+v", d)
	}
	if run.Matches == 0 {
		t.Error("the premium member got no match for a cybersecurity call")
	}

	// Second run, same feed: the server answers 304, nothing changes.
	run2, err := p.Run(ctx, "test", "region")
	if err != nil {
		t.Fatal(err)
	}
	if !run2.Sources[0].NotModified || full.Load() != 1 {
		t.Errorf("conditional GET not used: %+v (full answers %d)", run2.Sources[0], full.Load())
	}

	// Third run, one deadline moved: one update with a revision, one unchanged.
	body.Store(jsonlRecord("r1", "Cybersécurité des PME : audit de sécurité", "2027-01-15T12:00:00") + "\n" + jsonlRecord("r2", "Jeux sérieux", "2026-12-30T12:00:00") + "\n")
	run3, err := p.Run(ctx, "test", "region")
	if err != nil {
		t.Fatal(err)
	}
	if s := run3.Sources[0]; s.New != 0 || s.Updated != 1 || s.Unchanged != 1 {
		t.Errorf("third run counts: %+v", s)
	}
	o, err := p.Store.OpportunityWithRevisions(ctx, "r1")
	if err != nil {
		t.Fatal(err)
	}
	if o.Revision != 2 || len(o.Revisions) == 0 {
		t.Errorf("deadline change made no revision: %+v", o)
	}
	runs, _ := p.Store.Runs(ctx, 10)
	if len(runs) != 3 {
		t.Errorf("%d runs recorded, want 3", len(runs))
	}
	rep, err := p.Check(ctx)
	if err != nil || !rep.OK() || rep.Opportunities != 2 {
		t.Errorf("check after runs: %+v, %v", rep, err)
	}
}

func TestOneRunAtATime(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	release := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		<-release
		fmt.Fprintln(w, jsonlRecord("x", "Titre", "2026-12-20T12:00:00"))
	}))
	defer slow.Close()
	if err := p.Store.PutSource(ctx, passerelle.Source{ID: "slow", Name: "Slow", URL: slow.URL, Format: "jsonl", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	rec, err := p.Start(ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := p.Run(ctx, "test"); err != ErrRunning {
		t.Errorf("second run while one is going: err %v, want ErrRunning", err)
	}
	if _, err := p.Start(ctx, "api"); passerelle.ErrorCode(err) != passerelle.ECONFLICT {
		t.Errorf("second start: %v", err)
	}
	close(release)
	for i := 0; i < 1000 && p.Running(); i++ {
		time.Sleep(10 * time.Millisecond)
	}
	got, err := p.Store.Run(ctx, rec.ID)
	if err != nil || got.Status != passerelle.RunOK || got.Finished == nil {
		t.Errorf("background run: %+v, %v", got, err)
	}
}

func TestReindexRepairs(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	d := now.AddDate(0, 0, 10)
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{{ID: "a", Source: "s", Kind: passerelle.KindCall, Title: "Un", Deadline: &d}, {ID: "b", Source: "s", Kind: passerelle.KindCall, Title: "Deux", Deadline: &d}}); err != nil {
		t.Fatal(err)
	}
	if err := p.Index.Delete(ctx, []string{"a"}); err != nil {
		t.Fatal(err)
	}
	rep, err := p.Check(ctx)
	if err != nil || rep.OK() || len(rep.MissingInIndex) != 1 || rep.MissingInIndex[0] != "a" {
		t.Fatalf("check did not see the missing document: %+v, %v", rep, err)
	}
	if n, err := p.Reindex(ctx); err != nil || n != 2 {
		t.Fatalf("reindex: %d, %v", n, err)
	}
	if rep, _ := p.Check(ctx); !rep.OK() {
		t.Errorf("still disagreeing after reindex: %+v", rep)
	}
}

func TestScheduler(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	if _, err := p.NewScheduler(ctx, "not a cron", time.UTC); err == nil {
		t.Error("an invalid schedule was accepted")
	}
	if err := p.Store.PutSource(ctx, passerelle.Source{ID: "own", Name: "Own", URL: "/x", Format: "rss", Enabled: true, Schedule: "61 * * * *"}); err != nil {
		t.Fatal(err)
	}
	if _, err := p.NewScheduler(ctx, "", time.UTC); err == nil || !strings.Contains(err.Error(), "own") {
		t.Errorf("a source's invalid schedule is not reported with its id: %v", err)
	}
	if err := p.Store.PutSource(ctx, passerelle.Source{ID: "own", Name: "Own", URL: "/x", Format: "rss", Enabled: true, Schedule: "30 6 * * *"}); err != nil {
		t.Fatal(err)
	}
	loc, _ := time.LoadLocation("Europe/Brussels")
	s, err := p.NewScheduler(ctx, DefaultSchedule, loc)
	if err != nil {
		t.Fatal(err)
	}
	if n := len(s.cron.Entries()); n != 2 {
		t.Errorf("%d cron entries, want 2 (nightly + one source)", n)
	}
	s.Start()
	next := s.Next().In(loc)
	if !(next.Hour() == 2 || (next.Hour() == 6 && next.Minute() == 30)) {
		t.Errorf("next run at %v", next)
	}
	s.Stop(ctx)
}

func TestCorrigendumUpdatesTheNoticeItChanges(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	d1, d2 := now.AddDate(0, 0, 10), now.AddDate(0, 0, 40)
	orig := passerelle.Opportunity{ID: "ted:000817-2026", Source: "ted", ExternalID: "000817-2026", Kind: passerelle.KindCall, Title: "Services de sécurité informatique", Deadline: &d1}
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{orig}); err != nil {
		t.Fatal(err)
	}
	corr := passerelle.Opportunity{ID: "ted:001200-2026", Source: "ted", ExternalID: "001200-2026", Kind: passerelle.KindOther, Title: "Services de sécurité informatique", Deadline: &d2, Changes: "000817-2026"}
	changed, _, err := p.Save(ctx, []passerelle.Opportunity{corr})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Store.OpportunityWithRevisions(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deadline == nil || !got.Deadline.Equal(d2) || got.Revision != 2 {
		t.Fatalf("corrigendum not applied: deadline %v revision %d", got.Deadline, got.Revision)
	}
	last := got.Revisions[len(got.Revisions)-1]
	if len(last.Changes) == 0 || last.Changes[0].Field != "deadline" {
		t.Errorf("revision does not show the deadline change: %+v", last)
	}
	want := map[string]bool{orig.ID: true, corr.ID: true}
	for _, id := range changed {
		delete(want, id)
	}
	if len(want) != 0 {
		t.Errorf("changed ids %v miss %v: the corrected notice must be re-matched", changed, want)
	}
	// The index holds the new deadline: a search for deadlines before d1+1 day no longer finds it.
	if rep, _ := p.Check(ctx); !rep.OK() {
		t.Errorf("index disagrees after a corrigendum: %+v", rep)
	}
}

// What is pending is matched once: the marker goes with the matches, and a later match (or
// run) finds nothing left to do.
func TestMatchPendingOnce(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	d := now.AddDate(0, 0, 10)
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{{ID: "a", Source: "s", Kind: passerelle.KindCall, Title: "Un", Deadline: &d}}); err != nil {
		t.Fatal(err)
	}
	if n, _, err := p.MatchPending(ctx, nil); err != nil || n != 1 {
		t.Fatalf("first match: matched %d, %v", n, err)
	}
	if left, _ := p.Store.CountPending(ctx); left != 0 {
		t.Fatalf("%d pending after matching", left)
	}
	later := now.Add(time.Hour)
	p.Now = func() time.Time { return later }
	if _, err := p.Run(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	if n, _, err := p.MatchPending(ctx, nil); err != nil || n != 0 {
		t.Errorf("nothing changed since: matched %d, %v", n, err)
	}
}
