// Package pipeline runs Passerelle's nightly job: ingest every enabled source, update the store
// and the index, match new and changed opportunities against premium members, and record the
// run. One run at a time; a source that fails is recorded and the others go on.
//
// It is the only place where the layer-1 packages (source, store, index, matcher) meet, apart
// from the HTTP API which reads through the same Pipeline for anything that writes.
package pipeline

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/source"
	"github.com/passerelle/passerelle/store"
)

// batchSize is how many opportunities go to the store and the index in one transaction/batch.
const batchSize = 1000

// Pipeline wires the parts of a run together. Fields are set once, before first use.
type Pipeline struct {
	Store   *store.DB
	Index   *index.Index
	Fetcher *source.Fetcher
	Vocab   *matcher.Vocabulary
	Log     *slog.Logger
	Now     func() time.Time // injected clock; time.Now when nil
	// Delivery, when set, makes every run end by sending digests of new matches.
	Delivery *Delivery
	// Progress, when set, is told how far a long step has gone (done of total; total -1 if unknown).
	Progress func(step string, done, total int)

	mu      sync.Mutex
	running bool

	corpusMu sync.Mutex
	corpus   *matcher.Corpus
	corpusN  int // opportunities in the store when corpus was counted
}

// ErrRunning is returned when a run is asked for while another is in progress.
var ErrRunning = passerelle.Errorf(passerelle.ECONFLICT, "a run is already in progress")

func (p *Pipeline) now() time.Time {
	if p.Now != nil {
		return p.Now()
	}
	return time.Now()
}

func (p *Pipeline) log() *slog.Logger {
	if p.Log != nil {
		return p.Log
	}
	return slog.New(slog.DiscardHandler)
}

// acquire takes the one-run-at-a-time lock.
func (p *Pipeline) acquire() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.running {
		return false
	}
	p.running = true
	return true
}

func (p *Pipeline) release() {
	p.mu.Lock()
	p.running = false
	p.mu.Unlock()
}

// Running reports whether a run is in progress.
func (p *Pipeline) Running() bool {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.running
}

// Run does one full pass: ingest the given sources (all enabled sources when ids is empty),
// index, match, and records it. It returns ErrRunning if a run is already in progress.
func (p *Pipeline) Run(ctx context.Context, trigger string, ids ...string) (passerelle.Run, error) {
	if !p.acquire() {
		return passerelle.Run{}, ErrRunning
	}
	defer p.release()
	sources, err := p.sourcesToRun(ctx, ids)
	if err != nil {
		return passerelle.Run{}, err
	}
	return p.run(ctx, trigger, sources)
}

// RunSources is Run over sources given whole, stored or not (e.g. `ingest PATH`).
func (p *Pipeline) RunSources(ctx context.Context, trigger string, sources []passerelle.Source) (passerelle.Run, error) {
	if !p.acquire() {
		return passerelle.Run{}, ErrRunning
	}
	defer p.release()
	return p.run(ctx, trigger, sources)
}

// Start records a new run and carries it out in the background; the returned run is the
// record as created (status running). It returns ErrRunning if a run is already in progress.
func (p *Pipeline) Start(ctx context.Context, trigger string, ids ...string) (passerelle.Run, error) {
	if !p.acquire() {
		return passerelle.Run{}, ErrRunning
	}
	sources, err := p.sourcesToRun(ctx, ids)
	if err != nil {
		p.release()
		return passerelle.Run{}, err
	}
	rec, err := p.newRun(ctx, trigger)
	if err != nil {
		p.release()
		return passerelle.Run{}, err
	}
	go func() {
		defer p.release()
		// The run outlives the request that started it; it stops only with the process.
		bg := context.WithoutCancel(ctx)
		if _, err := p.carryOut(bg, rec, sources); err != nil {
			p.log().Error("run failed", "run", rec.ID, "err", err)
		}
	}()
	return rec, nil
}

func (p *Pipeline) newRun(ctx context.Context, trigger string) (passerelle.Run, error) {
	return p.Store.CreateRun(ctx, passerelle.Run{Trigger: trigger, Started: p.now(), Status: passerelle.RunRunning})
}

func (p *Pipeline) run(ctx context.Context, trigger string, sources []passerelle.Source) (passerelle.Run, error) {
	rec, err := p.newRun(ctx, trigger)
	if err != nil {
		return passerelle.Run{}, err
	}
	return p.carryOut(ctx, rec, sources)
}

func (p *Pipeline) carryOut(ctx context.Context, rec passerelle.Run, sources []passerelle.Source) (passerelle.Run, error) {
	p.log().Info("run started", "run", rec.ID, "trigger", rec.Trigger, "sources", len(sources))
	var changed []string
	for _, src := range sources {
		sr, ch := p.IngestSource(ctx, src)
		rec.Sources = append(rec.Sources, sr)
		changed = append(changed, ch...)
		rec.Indexed += len(ch)
		// Keep the record current so that GET /runs/{id} shows progress.
		if err := p.Store.PutRun(ctx, rec); err != nil {
			return p.finish(ctx, rec, err)
		}
	}
	n, written, err := p.MatchOpportunities(ctx, changed)
	rec.Matched, rec.Matches = n, written
	if err != nil {
		return p.finish(ctx, rec, fmt.Errorf("match: %w", err))
	}
	if p.Delivery != nil {
		nr, err := p.Notify(ctx, rec.ID, *p.Delivery)
		rec.Digests, rec.Deliveries, rec.DeliveryFailures = nr.Digests, nr.Sent, nr.Failed
		if err != nil {
			return p.finish(ctx, rec, fmt.Errorf("notify: %w", err))
		}
	}
	return p.finish(ctx, rec, nil)
}

func (p *Pipeline) finish(ctx context.Context, rec passerelle.Run, err error) (passerelle.Run, error) {
	now := p.now()
	rec.Finished = &now
	rec.Status = passerelle.RunOK
	failed := 0
	for _, s := range rec.Sources {
		if len(s.Errors) > 0 && s.New+s.Updated+s.Unchanged == 0 {
			failed++
		}
	}
	if failed > 0 {
		rec.Status = passerelle.RunPartial
		if failed == len(rec.Sources) {
			rec.Status = passerelle.RunFailed
		}
	}
	if err != nil {
		rec.Status = passerelle.RunFailed
		rec.Error = err.Error()
	}
	// The record must be written even when the run's context is cancelled.
	if perr := p.Store.PutRun(context.WithoutCancel(ctx), rec); perr != nil && err == nil {
		err = perr
	}
	p.log().Info("run finished", "run", rec.ID, "status", rec.Status, "indexed", rec.Indexed, "matches", rec.Matches)
	return rec, err
}

func (p *Pipeline) sourcesToRun(ctx context.Context, ids []string) ([]passerelle.Source, error) {
	if len(ids) > 0 {
		out := make([]passerelle.Source, 0, len(ids))
		for _, id := range ids {
			s, err := p.Store.Source(ctx, id)
			if err != nil {
				return nil, err
			}
			out = append(out, s)
		}
		return out, nil
	}
	all, err := p.Store.Sources(ctx)
	if err != nil {
		return nil, err
	}
	out := all[:0]
	for _, s := range all {
		if s.Enabled {
			out = append(out, s)
		}
	}
	return out, nil
}

// IngestSource fetches and parses one source and stores what it holds. Failures are recorded in
// the returned SourceRun, never returned: the run goes on with the next source. It returns the
// ids of new and materially changed opportunities, already indexed.
func (p *Pipeline) IngestSource(ctx context.Context, src passerelle.Source) (sr passerelle.SourceRun, changed []string) {
	sr = passerelle.SourceRun{Source: src.ID, Started: p.now()}
	log := p.log().With("source", src.ID)
	defer func() { sr.Finished = p.now() }()

	st, err := p.Store.FetchState(ctx, src.ID)
	if err != nil {
		sr.Errors = append(sr.Errors, err.Error())
		return sr, nil
	}
	res, err := p.Fetcher.Load(ctx, src, source.Validators{ETag: st.ETag, LastModified: st.LastModified})
	if err != nil {
		log.Warn("source failed", "err", err)
		sr.Errors = append(sr.Errors, named(src.ID, err))
		sr.Failed++
		return sr, nil
	}
	sr.Fetched = res.Fetched
	sr.Notes = append(sr.Notes, res.Notes...)
	for _, e := range res.Errors {
		sr.Errors = append(sr.Errors, named(src.ID, e))
		sr.Failed += countRecordErrors(e)
	}
	if res.NotModified {
		sr.NotModified = true
		return sr, nil
	}
	changed, counts, err := p.Save(ctx, res.Opportunities)
	// A copy of a notice already known from another source counts as an update of it.
	sr.New, sr.Updated, sr.Unchanged = counts[store.PutNew], counts[store.PutUpdated]+counts[store.PutMerged], counts[store.PutUnchanged]
	if err != nil {
		sr.Errors = append(sr.Errors, fmt.Sprintf("source %s: store: %v", src.ID, err))
		return sr, changed
	}
	// Validators are saved only once everything is stored: a crash before this point means the
	// next run fetches the whole feed again rather than skipping what was never stored.
	st.ETag, st.LastModified, st.Checked = res.Validators.ETag, res.Validators.LastModified, p.now()
	if err := p.Store.PutFetchState(ctx, src.ID, st); err != nil {
		sr.Errors = append(sr.Errors, err.Error())
	}
	log.Info("source ingested", "fetched", sr.Fetched, "new", sr.New, "updated", sr.Updated, "unchanged", sr.Unchanged, "failed", sr.Failed)
	return sr, changed
}

// named makes an error's text name its source, once.
func named(source string, err error) string {
	msg := err.Error()
	if strings.HasPrefix(msg, "source "+source+":") {
		return msg
	}
	return "source " + source + ": " + msg
}

func countRecordErrors(err error) int {
	var re *source.RecordErrors
	if errors.As(err, &re) {
		return len(re.Errs)
	}
	return 1
}

// Save writes opportunities to the store and the index in batches, computing each one's
// status at the pipeline's clock, and applies corrigenda to the notices they change. It
// returns the ids of new or materially changed opportunities (to match) and counts per result.
func (p *Pipeline) Save(ctx context.Context, ops []passerelle.Opportunity) ([]string, map[store.PutResult]int, error) {
	now := p.now()
	counts := map[store.PutResult]int{}
	var changed []string
	for start := 0; start < len(ops); start += batchSize {
		if err := ctx.Err(); err != nil {
			return changed, counts, err
		}
		batch := ops[start:min(start+batchSize, len(ops))]
		for i := range batch {
			batch[i].Status = batch[i].ComputeStatus(now)
		}
		outs, err := p.Store.PutOpportunitiesDetailed(ctx, batch, now)
		if err != nil {
			return changed, counts, err
		}
		var toMatch, toIndex []string
		for _, out := range outs {
			counts[out.Result]++
			switch {
			case out.Result != store.PutUnchanged:
				toMatch = append(toMatch, out.ID)
				toIndex = append(toIndex, out.ID)
			case out.Refreshed:
				toIndex = append(toIndex, out.ID)
			}
		}
		corrected, err := p.applyCorrigenda(ctx, batch, now)
		if err != nil {
			return changed, counts, err
		}
		toMatch = append(toMatch, corrected...)
		toIndex = append(toIndex, corrected...)
		// Index what the store now holds (merged sources, revision numbers), not the raw input.
		stored, err := p.Store.Opportunities(ctx, dedupe(toIndex))
		if err != nil {
			return changed, counts, err
		}
		if err := p.Index.Index(ctx, stored); err != nil {
			return changed, counts, fmt.Errorf("index: %w (run `passerelle reindex` to repair)", err)
		}
		changed = append(changed, toMatch...)
		if p.Progress != nil {
			p.Progress("store", min(start+batchSize, len(ops)), len(ops))
		}
	}
	return dedupe(changed), counts, nil
}

// applyCorrigenda carries a corrigendum or change notice (TED F14, eForms change notice) over
// to the notice it changes, when that one is stored (under its id or an alias, such as an
// eForms notice identifier): a new deadline, stages, value, or a cancellation. The stored
// notice gets a revision with the diff; the corrigendum itself stays stored as its own
// record. A corrigendum whose notice is not stored yet is kept pending and applied when the
// notice arrives (pending_changes.go). It returns the ids of the notices changed.
func (p *Pipeline) applyCorrigenda(ctx context.Context, batch []passerelle.Opportunity, now time.Time) ([]string, error) {
	var updated []passerelle.Opportunity
	pending := map[string][]string{} // change id → the ids its target may come under
	for i := range batch {
		c := &batch[i]
		if c.Changes == "" {
			continue
		}
		var target passerelle.Opportunity
		found := false
		for _, id := range changeTargets(c) {
			if o, err := p.Store.Opportunity(ctx, id); err == nil {
				target, found = o, true
				break
			} else if passerelle.ErrorCode(err) != passerelle.ENOTFOUND {
				return nil, err
			}
		}
		if !found {
			pending[c.ID] = changeTargets(c) // applied when the notice arrives (pending_changes.go)
			continue
		}
		if applyChange(&target, c, now) {
			updated = append(updated, target)
		}
	}
	if err := p.Store.KeepPendingChanges(ctx, pending); err != nil {
		return nil, err
	}
	if len(updated) > 0 {
		if _, err := p.Store.PutOpportunities(ctx, updated, now); err != nil {
			return nil, fmt.Errorf("applying corrigenda: %w", err)
		}
	}
	late, err := p.applyPendingChanges(ctx, batch, now)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(updated)+len(late))
	for _, o := range updated {
		ids = append(ids, o.ID)
	}
	return append(ids, late...), nil
}

func dedupe(ids []string) []string {
	seen := make(map[string]bool, len(ids))
	out := ids[:0]
	for _, id := range ids {
		if !seen[id] {
			seen[id] = true
			out = append(out, id)
		}
	}
	return out
}

// Rules returns the current rules, installing the default ones on first use.
func (p *Pipeline) Rules(ctx context.Context) (passerelle.Rules, error) {
	r, err := p.Store.CurrentRules(ctx)
	if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
		return p.Store.PutRules(ctx, matcher.DefaultRules(), p.now())
	}
	return r, err
}

// Scorer builds the scorer of the current rules.
func (p *Pipeline) Scorer(ctx context.Context) (*matcher.Scorer, error) {
	r, err := p.Rules(ctx)
	if err != nil {
		return nil, err
	}
	sc, err := matcher.NewScorer(r, p.vocab())
	if err != nil {
		return nil, err
	}
	c, err := p.Corpus(ctx)
	if err != nil {
		return nil, err
	}
	sc.SetCorpus(c)
	return sc, nil
}

// corpusSample is how many stored opportunities the word frequencies are counted on at
// most: beyond some tens of thousands, frequencies no longer move, and counting costs a
// text analysis per notice.
const corpusSample = 20000

// Corpus is what the matcher learns from the store's opportunities (matcher.Corpus),
// counted again when the store has grown or shrunk by a twentieth since: the store is
// the truth, and the frequencies follow it without being stored themselves.
func (p *Pipeline) Corpus(ctx context.Context) (*matcher.Corpus, error) {
	p.corpusMu.Lock()
	defer p.corpusMu.Unlock()
	n, err := p.Store.CountOpportunities(ctx)
	if err != nil {
		return nil, err
	}
	if p.corpus != nil && abs(n-p.corpusN) <= max(10, p.corpusN/20) {
		return p.corpus, nil
	}
	c := matcher.NewCorpus(matcher.DefaultBridge())
	stride := max(1, (n+corpusSample-1)/corpusSample)
	i := 0
	err = p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		if i%stride == 0 {
			c.Add(o)
		}
		i++
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("count word frequencies: %w", err)
	}
	p.corpus, p.corpusN = c, n
	return c, nil
}

func abs(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

func (p *Pipeline) vocab() *matcher.Vocabulary {
	if p.Vocab != nil {
		return p.Vocab
	}
	return matcher.DefaultVocabulary()
}

// MatchOpportunities streams the given opportunities through the premium members' profiles
// (the batch path) and stores the kept matches. It returns how many opportunities were matched
// and how many matches were written.
func (p *Pipeline) MatchOpportunities(ctx context.Context, ids []string) (int, int, error) {
	if len(ids) == 0 {
		return 0, 0, nil
	}
	sc, err := p.Scorer(ctx)
	if err != nil {
		return 0, 0, err
	}
	members, err := p.Store.Members(ctx)
	if err != nil {
		return 0, 0, err
	}
	mon := matcher.NewMonitor(sc, members)
	now := p.now()
	matched, written := 0, 0
	for start := 0; start < len(ids); start += batchSize {
		ops, err := p.Store.Opportunities(ctx, ids[start:min(start+batchSize, len(ids))])
		if err != nil {
			return matched, written, err
		}
		ms, err := mon.Match(ctx, ops, now)
		if err != nil {
			return matched, written, err
		}
		n, err := p.Store.PutMatches(ctx, ms, now)
		if err != nil {
			return matched, written, err
		}
		matched += len(ops)
		written += n
		if p.Progress != nil {
			p.Progress("match", matched, len(ids))
		}
	}
	return matched, written, nil
}

// MatchChanged matches the opportunities new or changed since the start of the last run that
// went through (ok or partial), or every stored one when there is no such run.
func (p *Pipeline) MatchChanged(ctx context.Context) (int, int, error) {
	runs, err := p.Store.Runs(ctx, 50)
	if err != nil {
		return 0, 0, err
	}
	for _, r := range runs {
		if r.Status == passerelle.RunOK || r.Status == passerelle.RunPartial {
			ids, err := p.Store.UpdatedSince(ctx, r.Started)
			if err != nil {
				return 0, 0, err
			}
			return p.MatchOpportunities(ctx, ids)
		}
	}
	return p.MatchAll(ctx)
}

// MatchAll re-matches every stored opportunity (`match --full`, or after a rules change).
func (p *Pipeline) MatchAll(ctx context.Context) (int, int, error) {
	var ids []string
	err := p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		ids = append(ids, o.ID)
		return nil
	})
	if err != nil {
		return 0, 0, err
	}
	return p.MatchOpportunities(ctx, ids)
}

// candidateLimit bounds how many open opportunities bleve hands over for one profile.
const candidateLimit = 5000

// CandidateQuery asks the index for what a profile's retrieval names: words (and their stems
// as the scorer reads them), CPV prefixes, and the clusters and sectors a source's tag can
// match on.
func CandidateQuery(r matcher.Retrieval, limit int) index.CandidateQuery {
	return index.CandidateQuery{Terms: r.Terms, WordPrefixes: r.Stems, CPV: r.CPV,
		Clusters: r.Clusters, Sectors: r.Sectors, Uncoded: r.Uncoded, Limit: limit}
}

// MatchMember matches one new or edited profile once against the open opportunities, through
// bleve candidate retrieval and the same scorer as the batch path. Its matches replace the
// member's previous ones (those carrying feedback are kept).
func (p *Pipeline) MatchMember(ctx context.Context, id string) (int, error) {
	m, err := p.Store.Member(ctx, id)
	if err != nil {
		return 0, err
	}
	sc, err := p.Scorer(ctx)
	if err != nil {
		return 0, err
	}
	now := p.now()
	var kept []passerelle.Match
	if m.Tier == passerelle.TierPremium && !m.EmptyProfile() {
		ids, err := p.Index.CandidatesFor(ctx, CandidateQuery(sc.Retrieval(&m), candidateLimit))
		if err != nil {
			return 0, err
		}
		ops, err := p.Store.Opportunities(ctx, ids)
		if err != nil {
			return 0, err
		}
		for i := range ops {
			if mt, ok := sc.Score(&m, &ops[i], now); ok {
				kept = append(kept, mt)
			}
		}
	}
	sort.Slice(kept, func(i, j int) bool { return kept[i].Score > kept[j].Score })
	return len(kept), p.Store.ReplaceMemberMatches(ctx, id, kept, now)
}

// Repair rebuilds everything derived: the store's secondary indexes from its records, then
// the search index from the store.
func (p *Pipeline) Repair(ctx context.Context) (int, error) {
	if err := p.Store.RebuildIndexes(ctx); err != nil {
		return 0, err
	}
	return p.Reindex(ctx)
}

// Reindex rebuilds the index from the store, the source of truth.
func (p *Pipeline) Reindex(ctx context.Context) (int, error) {
	if err := p.Index.Reset(); err != nil {
		return 0, err
	}
	total, _ := p.Store.CountOpportunities(ctx)
	batch := make([]passerelle.Opportunity, 0, batchSize)
	n := 0
	flush := func() error {
		if len(batch) == 0 {
			return nil
		}
		if err := p.Index.Index(ctx, batch); err != nil {
			return err
		}
		n += len(batch)
		batch = batch[:0]
		if p.Progress != nil {
			p.Progress("reindex", n, total)
		}
		return nil
	}
	err := p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		batch = append(batch, *o)
		if len(batch) == batchSize {
			return flush()
		}
		return nil
	})
	if err == nil {
		err = flush()
	}
	if err == nil && n > 0 {
		// A bulk load leaves many small segments; one merge now makes searches faster.
		err = p.Index.Compact(ctx)
	}
	return n, err
}

// CheckReport says whether the index agrees with the store.
type CheckReport struct {
	SchemaVersion  int      `json:"schema_version"`
	Opportunities  int      `json:"opportunities"`
	Indexed        int      `json:"indexed"`
	MissingInIndex []string `json:"missing_in_index,omitempty"` // in the store, not in the index
	StaleInIndex   []string `json:"stale_in_index,omitempty"`   // in the index, not in the store
	// StoreProblems are inconsistencies inside the store itself (pages, secondary indexes).
	StoreProblems []string `json:"store_problems,omitempty"`
}

// OK reports whether store and index agree.
func (c CheckReport) OK() bool {
	return len(c.MissingInIndex) == 0 && len(c.StaleInIndex) == 0 && len(c.StoreProblems) == 0
}

// Check compares the index with the store.
func (p *Pipeline) Check(ctx context.Context) (CheckReport, error) {
	var rep CheckReport
	var err error
	sc, err := p.Store.Check(ctx)
	if err != nil {
		return rep, err
	}
	rep.SchemaVersion, rep.StoreProblems = sc.SchemaVersion, sc.Problems
	inIndex, err := p.Index.IDs(ctx)
	if err != nil {
		return rep, err
	}
	rep.Indexed = len(inIndex)
	seen := make(map[string]bool, len(inIndex))
	for _, id := range inIndex {
		seen[id] = true
	}
	err = p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		rep.Opportunities++
		if seen[o.ID] {
			delete(seen, o.ID)
		} else {
			rep.MissingInIndex = append(rep.MissingInIndex, o.ID)
		}
		return nil
	})
	for id := range seen {
		rep.StaleInIndex = append(rep.StaleInIndex, id)
	}
	sort.Strings(rep.StaleInIndex)
	return rep, err
}
