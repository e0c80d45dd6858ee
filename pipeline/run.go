package pipeline

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/passerelle/passerelle"
)

// A run is one lifetime: it is recorded as running when it starts, has one deadline
// (RunTimeout) whoever started it — the command line, the scheduler or the API — and its
// record always ends ok, partial (some sources, records or digest deliveries failed, the rest
// went on; failed deliveries are tried again by the next run), failed
// (a write failed, the deadline passed) or interrupted (the process was told to stop). A run
// found still running when a process opens the store was cut short by a crash: Recover marks
// it interrupted, and the pending work it left in the store is finished by the next run.

// Defaults for the bounds of a run.
const (
	DefaultRunTimeout    = 6 * time.Hour
	DefaultSourceTimeout = 2 * time.Minute
)

// errInterrupted is the cause of a run's context when the process asks it to stop.
var errInterrupted = errors.New("interrupted: the process was stopped")

// errSourceTimeout is the cause of a source fetch's context when its total time is up.
var errSourceTimeout = errors.New("source took longer than its total fetch deadline")

// job is the run in progress.
type job struct {
	cancel context.CancelCauseFunc
	done   chan struct{}
	// started is the record as created (status running): set before the run's goroutine
	// starts and never written after, so others may read it while the run goes on. rec and
	// err are the outcome, read only after done.
	started passerelle.Run
	rec     passerelle.Run
	err     error
}

// Running reports whether a run is in progress.
func (p *Pipeline) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.current != nil
}

// Run carries out one run of the given stored sources (every enabled one when ids is empty)
// and returns its record once it has ended. Cancelling ctx interrupts it (the record says
// interrupted). ErrRunning if a run is already in progress.
func (p *Pipeline) Run(ctx context.Context, trigger string, ids ...string) (passerelle.Run, error) {
	sources, err := p.sourcesToRun(ctx, ids)
	if err != nil {
		return passerelle.Run{}, err
	}
	return p.RunSources(ctx, trigger, sources)
}

// RunSources is Run over sources given whole, stored or not (e.g. `ingest PATH`); with none,
// the run only finishes pending work and delivers.
func (p *Pipeline) RunSources(ctx context.Context, trigger string, sources []passerelle.Source) (passerelle.Run, error) {
	j, err := p.begin(ctx, trigger, sources)
	if err != nil {
		return passerelle.Run{}, err
	}
	// The caller's context ending (a signal on the command line) interrupts the run.
	stop := context.AfterFunc(ctx, func() { j.cancel(errInterrupted) })
	defer stop()
	<-j.done
	return j.rec, j.err
}

// Start is Run in the background, for the API: the returned record is the one created
// (status running). The run does not end with the request that started it; Shutdown ends it.
func (p *Pipeline) Start(ctx context.Context, trigger string, ids ...string) (passerelle.Run, error) {
	sources, err := p.sourcesToRun(ctx, ids)
	if err != nil {
		return passerelle.Run{}, err
	}
	j, err := p.begin(context.WithoutCancel(ctx), trigger, sources)
	if err != nil {
		return passerelle.Run{}, err
	}
	go func() {
		<-j.done
		if j.err != nil {
			p.log().Error("run failed", "run", j.rec.ID, "err", j.err)
		}
	}()
	return j.started, nil
}

// Resume starts, in the background, a run that ingests nothing and only finishes the work
// pending in the store (left by a crash): what a server does when it starts. It does nothing
// when nothing is pending.
func (p *Pipeline) Resume(ctx context.Context) error {
	n, err := p.Store.CountPending(ctx)
	if err != nil || n == 0 {
		return err
	}
	p.log().Info("finishing the work a previous process left pending", "opportunities", n)
	j, err := p.begin(context.WithoutCancel(ctx), "resume", nil)
	if err != nil {
		return err
	}
	go func() {
		<-j.done
		if j.err != nil {
			p.log().Error("resumed run failed", "run", j.rec.ID, "err", j.err)
		}
	}()
	return nil
}

// Wait waits for the run in progress, if any, until ctx ends.
func (p *Pipeline) Wait(ctx context.Context) error {
	p.mu.Lock()
	j := p.current
	p.mu.Unlock()
	if j == nil {
		return nil
	}
	select {
	case <-j.done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// Shutdown waits for the run in progress up to ctx's deadline, then interrupts it and waits
// for its record to be written as interrupted.
func (p *Pipeline) Shutdown(ctx context.Context) {
	if p.Wait(ctx) == nil {
		return
	}
	p.mu.Lock()
	j := p.current
	p.mu.Unlock()
	if j == nil {
		return
	}
	p.log().Warn("shutdown: interrupting the run in progress", "run", j.started.ID)
	j.cancel(errInterrupted)
	<-j.done
}

// begin takes the one-run lock, records the run as running and starts it.
func (p *Pipeline) begin(ctx context.Context, trigger string, sources []passerelle.Source) (*job, error) {
	p.mu.Lock()
	if p.current != nil {
		p.mu.Unlock()
		return nil, ErrRunning
	}
	j := &job{done: make(chan struct{})}
	p.current = j
	p.mu.Unlock()

	release := func() {
		p.mu.Lock()
		p.current = nil
		p.mu.Unlock()
		close(j.done)
	}
	rec, err := p.Store.CreateRun(ctx, passerelle.Run{Trigger: trigger, Started: p.now(), Status: passerelle.RunRunning,
		Stage: passerelle.StageIngest, SourcesPlanned: len(sources), Sources: []passerelle.SourceRun{}, Channels: []passerelle.ChannelRun{}})
	if err != nil {
		release()
		return nil, fmt.Errorf("record the run: %w", err)
	}
	j.started, j.rec = rec, rec
	timeout := p.RunTimeout
	if timeout <= 0 {
		timeout = DefaultRunTimeout
	}
	rctx, cancel := context.WithCancelCause(ctx)
	j.cancel = cancel
	tctx, cancelT := context.WithTimeoutCause(rctx, timeout, fmt.Errorf("the run took longer than run_timeout (%s)", timeout))
	go func() {
		defer release()
		defer cancelT()
		defer cancel(nil)
		j.rec, j.err = p.carryOut(tctx, rec, sources)
	}()
	return j, nil
}

func (p *Pipeline) carryOut(ctx context.Context, rec passerelle.Run, sources []passerelle.Source) (passerelle.Run, error) {
	p.log().Info("run started", "run", rec.ID, "trigger", rec.Trigger, "sources", len(sources))
	indexed := map[string]bool{}
	for _, src := range sources {
		sr, err := p.IngestSource(ctx, src, indexed)
		rec.Sources = append(rec.Sources, sr)
		rec.Indexed = len(indexed)
		if err != nil {
			return p.finish(ctx, rec, err)
		}
		// Keep the record current so that GET /runs/{id} shows progress.
		if err := p.Store.PutRun(ctx, rec); err != nil {
			return p.finish(ctx, rec, fmt.Errorf("record the run: %w", err))
		}
	}
	// Whatever is pending — from these sources, or left by a run that crashed — is
	// finished now.
	if err := p.enterStage(ctx, &rec, passerelle.StageMatch); err != nil {
		return p.finish(ctx, rec, err)
	}
	n, written, err := p.MatchPending(ctx, indexed)
	rec.Matched, rec.Matches = n, written
	if err != nil {
		return p.finish(ctx, rec, fmt.Errorf("match: %w", err))
	}
	if p.Delivery != nil {
		if err := p.enterStage(ctx, &rec, passerelle.StageNotify); err != nil {
			return p.finish(ctx, rec, err)
		}
		nr, err := p.Notify(ctx, rec.ID, *p.Delivery)
		rec.Digests, rec.Deliveries, rec.DeliveryFailures = nr.Digests, nr.Sent, nr.Failed
		if nr.Channels != nil {
			rec.Channels = nr.Channels
		}
		if err != nil {
			return p.finish(ctx, rec, fmt.Errorf("notify: %w", err))
		}
	}
	return p.finish(ctx, rec, nil)
}

// enterStage records that the run has reached stage, so that GET /runs/{id} shows where a
// long run is.
func (p *Pipeline) enterStage(ctx context.Context, rec *passerelle.Run, stage passerelle.RunStage) error {
	rec.Stage = stage
	if err := p.Store.PutRun(ctx, *rec); err != nil {
		return fmt.Errorf("record the run: %w", err)
	}
	return nil
}

// finish writes the run's last record. err is what stopped the run, if anything.
func (p *Pipeline) finish(ctx context.Context, rec passerelle.Run, err error) (passerelle.Run, error) {
	now := p.now()
	rec.Finished = &now
	rec.Status = passerelle.RunOK
	failed := 0
	rec.FailedRecords = 0
	for _, s := range rec.Sources {
		if s.Fetched > 0 { // a source that could not be fetched at all has no records
			rec.FailedRecords += s.Failed
		}
		if len(s.Errors) > 0 && s.New+s.Updated+s.Unchanged == 0 {
			failed++
		}
	}
	if failed > 0 || rec.FailedRecords > 0 || rec.DeliveryFailures > 0 {
		// Partial: the run went through, but some sources, records or deliveries did not. A
		// failed delivery is never success: its member did not get the digest (yet).
		rec.Status = passerelle.RunPartial
		if failed > 0 && failed == len(rec.Sources) {
			rec.Status = passerelle.RunFailed
		}
	}
	if err != nil {
		rec.Status = passerelle.RunFailed
		if cause := context.Cause(ctx); ctx.Err() != nil && cause != nil {
			err = cause
			if errors.Is(cause, errInterrupted) {
				rec.Status = passerelle.RunInterrupted
			}
		}
		rec.Error = err.Error()
	}
	// The record must be written even when the run's context is cancelled.
	if perr := p.Store.PutRun(context.WithoutCancel(ctx), rec); perr != nil {
		p.log().Error("recording the end of the run failed", "run", rec.ID, "err", perr)
		if err == nil {
			err = fmt.Errorf("record the run: %w", perr)
			rec.Status, rec.Error = passerelle.RunFailed, err.Error()
		}
	}
	p.log().Info("run finished", "run", rec.ID, "status", rec.Status, "indexed", rec.Indexed,
		"matches", rec.Matches, "failed_records", rec.FailedRecords, "delivery_failures", rec.DeliveryFailures, "err", rec.Error)
	p.observe(rec)
	return rec, err
}

// fetchContext bounds one source's fetch as a whole — every try, wait and byte — so that a
// slow source costs at most SourceTimeout of the run and the others go on.
func (p *Pipeline) fetchContext(ctx context.Context) (context.Context, context.CancelFunc) {
	d := p.SourceTimeout
	if d <= 0 {
		d = DefaultSourceTimeout
	}
	return context.WithTimeoutCause(ctx, d, fmt.Errorf("%w (%s)", errSourceTimeout, d))
}

// Recover marks interrupted the runs a crashed process left running, and says so. It must be
// called when the store is opened, before any run starts (the store allows one process at a
// time, so a run recorded as running then belongs to a process that is gone). Their pending
// work stays in the store for the next run.
func (p *Pipeline) Recover(ctx context.Context) ([]passerelle.Run, error) {
	runs, err := p.Store.InterruptRuns(ctx, p.now(), "interrupted: the process ended before the run did (crash or kill); its pending work is finished by the next run")
	if err != nil {
		return nil, err
	}
	for _, r := range runs {
		p.log().Warn("a run was interrupted by the end of its process: marked interrupted; the next run finishes its pending work",
			"run", r.ID, "started", r.Started.Format(time.RFC3339))
	}
	return runs, nil
}

// RunObserver is told how each run ended (the Prometheus metrics of the API implement it).
type RunObserver interface {
	ObserveRun(r passerelle.Run)
}

func (p *Pipeline) observe(r passerelle.Run) {
	if p.Metrics != nil {
		p.Metrics.ObserveRun(r)
	}
}
