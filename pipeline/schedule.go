package pipeline

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/robfig/cron/v3"
)

// DefaultSchedule is the nightly run: 02:00 in the configured zone.
const DefaultSchedule = "0 2 * * *"

// Scheduler runs the pipeline on a cron schedule: the nightly run for every source without a
// schedule of its own, and one entry per source that has one.
type Scheduler struct {
	cron *cron.Cron
	p    *Pipeline
	ctx  context.Context
}

// cronLogger adapts cron's logger to slog, so that its recovered panics and skips are logged.
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}

// NewScheduler builds the schedule. spec is the nightly cron expression, loc its zone.
// robfig/cron v3 does not recover panics by default: Recover is in the chain, and a run that
// overlaps the previous one is skipped (SkipIfStillRunning, plus the pipeline's own lock).
func (p *Pipeline) NewScheduler(ctx context.Context, spec string, loc *time.Location) (*Scheduler, error) {
	if spec == "" {
		spec = DefaultSchedule
	}
	if loc == nil {
		loc = time.UTC
	}
	lg := cronLogger{p.log()}
	c := cron.New(cron.WithLocation(loc), cron.WithLogger(lg),
		cron.WithChain(cron.Recover(lg), cron.SkipIfStillRunning(lg)))
	s := &Scheduler{cron: c, p: p, ctx: ctx}

	sources, err := p.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	var own []string
	for _, src := range sources {
		if !src.Enabled || src.Schedule == "" {
			continue
		}
		id := src.ID
		if _, err := c.AddFunc(src.Schedule, func() { s.runNow("schedule", id) }); err != nil {
			return nil, fmt.Errorf("source %s: schedule %q: %w", src.ID, src.Schedule, err)
		}
		own = append(own, id)
	}
	if _, err := c.AddFunc(spec, func() { s.nightly(own) }); err != nil {
		return nil, fmt.Errorf("schedule %q: %w", spec, err)
	}
	return s, nil
}

// nightly runs every enabled source that has no schedule of its own.
func (s *Scheduler) nightly(own []string) {
	sources, err := s.p.Store.Sources(s.ctx)
	if err != nil {
		s.p.log().Error("nightly run: list sources", "err", err)
		return
	}
	skip := map[string]bool{}
	for _, id := range own {
		skip[id] = true
	}
	var ids []string
	for _, src := range sources {
		if src.Enabled && !skip[src.ID] {
			ids = append(ids, src.ID)
		}
	}
	if len(ids) == 0 {
		return
	}
	s.runNow("schedule", ids...)
}

// runNow runs the pipeline as any other run: its deadline is the pipeline's RunTimeout, and it
// does not end with the scheduler's context — the server's shutdown waits for it, within a
// bound, then interrupts it (Pipeline.Shutdown).
func (s *Scheduler) runNow(trigger string, ids ...string) {
	if _, err := s.p.Run(context.WithoutCancel(s.ctx), trigger, ids...); err == ErrRunning {
		s.p.log().Info("scheduled run skipped: another run is in progress", "sources", ids)
	} else if err != nil {
		s.p.log().Error("scheduled run failed", "err", err)
	}
}

// Start starts the scheduler.
func (s *Scheduler) Start() { s.cron.Start() }

// Stop stops the scheduler from starting runs. A run it started goes on; Pipeline.Shutdown
// waits for it.
func (s *Scheduler) Stop(ctx context.Context) {
	s.cron.Stop()
}

// Next returns the next time the nightly run fires.
func (s *Scheduler) Next() time.Time {
	var next time.Time
	for _, e := range s.cron.Entries() {
		if next.IsZero() || e.Next.Before(next) {
			next = e.Next
		}
	}
	return next
}
