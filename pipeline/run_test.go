package pipeline

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/source"
)

// A source that drips its answer a byte at a time cannot hold the run: its whole fetch —
// every try — has one deadline, it is recorded failed with that reason, and the other
// source is ingested. The per-try client timeout is far longer than the test could wait.
func TestDrippingSourceCannotHoldTheRun(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	var tries atomic.Int32
	drip := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		tries.Add(1)
		w.Header().Set("Content-Type", "application/x-ndjson")
		w.WriteHeader(http.StatusOK)
		for {
			if _, err := w.Write([]byte(" ")); err != nil {
				return
			}
			w.(http.Flusher).Flush()
			select {
			case <-r.Context().Done():
				return
			case <-time.After(20 * time.Millisecond):
			}
		}
	}))
	defer drip.Close()
	var body atomic.Value
	body.Store(jsonlRecord("ok-1", "Appel rapide", "2026-12-20T12:00:00Z") + "\n")
	var full atomic.Int32
	good := feedServer(t, &body, &full)
	p.Fetcher = &source.Fetcher{Client: &http.Client{Timeout: time.Hour}, Retries: 3,
		Sleep: func(ctx context.Context, d time.Duration) error { return ctx.Err() }}
	p.SourceTimeout = 300 * time.Millisecond
	for _, s := range []passerelle.Source{
		{ID: "drip", Name: "Drip", URL: drip.URL, Format: "jsonl", Enabled: true},
		{ID: "good", Name: "Good", URL: good.URL, Format: "jsonl", Enabled: true},
	} {
		if err := p.Store.PutSource(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	run, err := p.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != passerelle.RunPartial {
		t.Errorf("run status %s, want partial", run.Status)
	}
	bySource := map[string]passerelle.SourceRun{}
	for _, s := range run.Sources {
		bySource[s.Source] = s
	}
	if d := bySource["drip"]; len(d.Errors) == 0 || !strings.Contains(d.Errors[0], "total fetch deadline") {
		t.Errorf("dripping source not recorded as over its deadline: %+v", d)
	}
	if g := bySource["good"]; g.New != 1 {
		t.Errorf("the other source was not ingested: %+v", g)
	}
	t.Logf("dripping source tried %d times within its deadline", tries.Load())
}

// A run past run_timeout ends failed with that reason; its pending work stays for the next.
func TestRunTimeoutFailsTheRun(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	hold := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { <-r.Context().Done() }))
	defer hold.Close()
	p.Fetcher = &source.Fetcher{Client: &http.Client{Timeout: time.Hour}, Retries: -1}
	p.RunTimeout, p.SourceTimeout = 200*time.Millisecond, time.Hour
	if err := p.Store.PutSource(ctx, passerelle.Source{ID: "hold", Name: "Hold", URL: hold.URL, Format: "jsonl", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	run, err := p.Run(ctx, "test")
	if err == nil || run.Status != passerelle.RunFailed || !strings.Contains(run.Error, "run_timeout") {
		t.Fatalf("run over its deadline: %s %q, %v", run.Status, run.Error, err)
	}
	stored, _ := p.Store.Run(ctx, run.ID)
	if stored.Status != passerelle.RunFailed || stored.Finished == nil {
		t.Errorf("stored record %+v", stored)
	}
}

// Shutdown waits for a run within its bound, then interrupts it: the record says interrupted.
// Recover, at the next start, marks interrupted a run a dead process left running.
func TestShutdownAndRecoverRecordInterruptedRuns(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	started := make(chan struct{}, 1)
	hold := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		started <- struct{}{}
		<-r.Context().Done()
	}))
	defer hold.Close()
	p.Fetcher = &source.Fetcher{Client: &http.Client{Timeout: time.Hour}, Retries: -1}
	if err := p.Store.PutSource(ctx, passerelle.Source{ID: "hold", Name: "Hold", URL: hold.URL, Format: "jsonl", Enabled: true}); err != nil {
		t.Fatal(err)
	}
	rec, err := p.Start(ctx, "api")
	if err != nil {
		t.Fatal(err)
	}
	<-started
	bound, cancel := context.WithTimeout(ctx, 50*time.Millisecond)
	defer cancel()
	p.Shutdown(bound)
	if p.Running() {
		t.Fatal("still running after Shutdown")
	}
	got, _ := p.Store.Run(ctx, rec.ID)
	if got.Status != passerelle.RunInterrupted || got.Finished == nil {
		t.Errorf("run after shutdown: %s (%q)", got.Status, got.Error)
	}

	// A process that died left this one running.
	dead, err := p.Store.CreateRun(ctx, passerelle.Run{Trigger: "cli", Started: now, Status: passerelle.RunRunning})
	if err != nil {
		t.Fatal(err)
	}
	runs, err := p.Recover(ctx)
	if err != nil || len(runs) != 1 || runs[0].ID != dead.ID {
		t.Fatalf("Recover: %+v %v", runs, err)
	}
	if got, _ := p.Store.Run(ctx, dead.ID); got.Status != passerelle.RunInterrupted {
		t.Errorf("dead run is %s after Recover", got.Status)
	}
	if _, err := p.Start(ctx, "api"); errors.Is(err, ErrRunning) {
		t.Error("the lock was not released")
	}
	p.Shutdown(bound)
}
