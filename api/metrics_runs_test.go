package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
)

func scrape(t *testing.T, url string) string {
	t.Helper()
	resp, err := http.Get(url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return string(b)
}

// The run metrics come from the store (they survive a restart) and from the runs the server
// saw end: an alert on "no successful run for 26 h" and on a failing source needs nothing else.
func TestRunMetrics(t *testing.T) {
	db, ix := openStoreAndIndex(t)
	pl := &pipeline.Pipeline{Store: db, Index: ix, Fetcher: &source.Fetcher{}, Now: func() time.Time { return now }}
	srv := api.New(api.Config{Store: db, Index: ix, Runner: pl, Now: func() time.Time { return now }})
	pl.Metrics = srv
	hs := httptest.NewServer(srv)
	t.Cleanup(hs.Close)
	ctx := context.Background()

	if m := scrape(t, hs.URL); !strings.Contains(m, "passerelle_run_last_success_timestamp_seconds 0") {
		t.Errorf("before any run, the last success should be 0:\n%s", grepLines(m, "passerelle_run"))
	}
	d := now.AddDate(0, 0, 10)
	if _, _, err := pl.Save(ctx, []passerelle.Opportunity{{ID: "a", Source: "s", Kind: passerelle.KindCall, Title: "Un", Deadline: &d}}); err != nil {
		t.Fatal(err)
	}
	if m := scrape(t, hs.URL); !strings.Contains(m, "passerelle_pending_opportunities 1") {
		t.Errorf("one opportunity saved, not matched: pending gauge\n%s", grepLines(m, "pending"))
	}
	if err := db.PutSource(ctx, passerelle.Source{ID: "gone", Name: "Gone", URL: "/nonexistent/feed.rss", Format: "rss", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	run, err := pl.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	m := scrape(t, hs.URL)
	for _, want := range []string{
		"passerelle_pending_opportunities 0",
		`passerelle_source_failures_total{source="gone"} 1`,
		`passerelle_runs_total{status="failed"} 1`,
		`passerelle_run_last_status{status="failed"} 1`,
	} {
		if !strings.Contains(m, want) {
			t.Errorf("metrics lack %q (run %s %s):\n%s", want, run.ID, run.Status, grepLines(m, "passerelle_"))
		}
	}
	// A failed run is no success: the alert's timestamp has not moved.
	if !strings.Contains(m, "passerelle_run_last_success_timestamp_seconds 0") {
		t.Errorf("a failed run counted as a success:\n%s", grepLines(m, "success"))
	}
	if err := db.DeleteSource(ctx, "gone"); err != nil {
		t.Fatal(err)
	}
	if _, err := pl.Run(ctx, "test"); err != nil {
		t.Fatal(err)
	}
	if m := scrape(t, hs.URL); !strings.Contains(m, "passerelle_run_last_success_timestamp_seconds 1.7") {
		t.Errorf("an ok run is the last success:\n%s", grepLines(m, "success"))
	}
}

func grepLines(s, sub string) string {
	var out []string
	for _, l := range strings.Split(s, "\n") {
		if strings.Contains(l, sub) && !strings.HasPrefix(l, "#") {
			out = append(out, l)
		}
	}
	return strings.Join(out, "\n")
}
