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

	// RunTimeout bounds a whole run, whoever starts it (DefaultRunTimeout when zero).
	RunTimeout time.Duration
	// SourceTimeout bounds one source's whole fetch (DefaultSourceTimeout when zero).
	SourceTimeout time.Duration
	// Metrics, when set, is told how each run ended.
	Metrics RunObserver
	// Workers bounds the goroutines a run's matching uses (all cores when zero). A server
	// keeps it below the cores, so that members reading meanwhile find one free.
	Workers int

	mu      sync.Mutex
	current *job // the run in progress, nil when none

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

// IngestSource fetches and parses one source and stores what it holds. A source's own
// failures (fetch, parse, bad records) are recorded in the returned SourceRun and the run goes
// on with the next source; a failure to write (store or index: a full disk above all) is
// returned, and fails the run. What was stored is marked pending in the store itself, so the
// run's later steps find it even after a crash.
func (p *Pipeline) IngestSource(ctx context.Context, src passerelle.Source, indexed map[string]bool) (sr passerelle.SourceRun, err error) {
	sr = passerelle.SourceRun{Source: src.ID, Started: p.now()}
	log := p.log().With("source", src.ID)
	defer func() { sr.Finished = p.now() }()

	st, err := p.Store.FetchState(ctx, src.ID)
	if err != nil {
		return sr, fmt.Errorf("source %s: read fetch state: %w", src.ID, err)
	}
	fctx, cancel := p.fetchContext(ctx)
	res, err := p.Fetcher.Load(fctx, src, source.Validators{ETag: st.ETag, LastModified: st.LastModified})
	cancel()
	if err != nil {
		if ctx.Err() != nil {
			return sr, ctx.Err() // the run itself ends, not the source
		}
		if errors.Is(context.Cause(fctx), errSourceTimeout) {
			err = fmt.Errorf("gave up: %w", context.Cause(fctx))
		}
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
	_, counts, err := p.save(ctx, res.Opportunities, indexed)
	// A copy of a notice already known from another source counts as an update of it.
	sr.New, sr.Updated, sr.Unchanged = counts[store.PutNew], counts[store.PutUpdated]+counts[store.PutMerged], counts[store.PutUnchanged]
	if err != nil {
		return sr, fmt.Errorf("source %s: store: %w", src.ID, err)
	}
	if n := counts[store.PutPending]; n > 0 {
		sr.Notes = append(sr.Notes, fmt.Sprintf("%d partial releases kept until the notice they complete arrives", n))
	}
	// Validators are saved only once everything is stored: a crash before this point means the
	// next run fetches the whole feed again rather than skipping what was never stored.
	st.ETag, st.LastModified, st.Checked = res.Validators.ETag, res.Validators.LastModified, p.now()
	if err := p.Store.PutFetchState(ctx, src.ID, st); err != nil {
		return sr, fmt.Errorf("source %s: save fetch state: %w", src.ID, err)
	}
	log.Info("source ingested", "fetched", sr.Fetched, "new", sr.New, "updated", sr.Updated, "unchanged", sr.Unchanged, "failed", sr.Failed)
	return sr, nil
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
	return p.save(ctx, ops, nil)
}

// save is Save noting in indexed (when not nil) the ids it indexed, so that the run's
// pending step does not index them a second time.
func (p *Pipeline) save(ctx context.Context, ops []passerelle.Opportunity, indexed map[string]bool) ([]string, map[store.PutResult]int, error) {
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
		if err := p.keepKnownChanges(ctx, batch, now); err != nil {
			return changed, counts, err
		}
		outs, err := p.Store.PutOpportunitiesDetailed(ctx, batch, now)
		if err != nil {
			return changed, counts, err
		}
		var toMatch, toIndex []string
		for _, out := range outs {
			counts[out.Result]++
			switch {
			case out.Result == store.PutPending: // a partial release kept for its notice: nothing to index yet
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
		if indexed != nil {
			for _, o := range stored {
				indexed[o.ID] = true
			}
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
		// Kept under its target's ids whether applied now or not: applied when the notice
		// arrives, and again if the original is sent once more (pending_changes.go).
		pending[c.ID] = changeTargets(c)
		if !found {
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
	sc.SetWorkers(p.Workers)
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

// MatchPending finishes the work the store says is pending: it indexes what still needs it
// (skipping ids in indexed, already done by this process) and streams the opportunities to
// match through the premium members' profiles (the batch path). Each batch's matches are
// stored in the transaction that clears its markers. It returns how many opportunities were
// matched and how many matches were written.
func (p *Pipeline) MatchPending(ctx context.Context, indexed map[string]bool) (int, int, error) {
	work, err := p.Store.PendingWork(ctx)
	if err != nil {
		return 0, 0, err
	}
	var toMatch, indexOnly []store.Pending
	var toIndex []string
	for _, w := range work {
		if !indexed[w.ID] {
			toIndex = append(toIndex, w.ID)
		}
		if w.Kind == store.PendingMatch {
			toMatch = append(toMatch, w)
		} else {
			indexOnly = append(indexOnly, w)
		}
	}
	for start := 0; start < len(toIndex); start += batchSize {
		ops, err := p.Store.Opportunities(ctx, toIndex[start:min(start+batchSize, len(toIndex))])
		if err != nil {
			return 0, 0, err
		}
		if err := p.Index.Index(ctx, ops); err != nil {
			return 0, 0, fmt.Errorf("index: %w (run `passerelle reindex` to repair)", err)
		}
	}
	if len(indexOnly) > 0 {
		if err := p.Store.ClearPending(ctx, indexOnly); err != nil {
			return 0, 0, err
		}
	}
	if len(toMatch) == 0 {
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
	for start := 0; start < len(toMatch); start += batchSize {
		batch := toMatch[start:min(start+batchSize, len(toMatch))]
		ids := make([]string, len(batch))
		for i, w := range batch {
			ids[i] = w.ID
		}
		// An id no longer stored (merged away) simply yields no match; its marker goes too.
		ops, err := p.Store.Opportunities(ctx, ids)
		if err != nil {
			return matched, written, err
		}
		ms, err := mon.Match(ctx, ops, now)
		if err != nil {
			return matched, written, err
		}
		n, err := p.Store.PutMatchesDone(ctx, ms, batch, now)
		if err != nil {
			return matched, written, err
		}
		matched += len(ops)
		written += n
		if p.Progress != nil {
			p.Progress("match", matched, len(toMatch))
		}
	}
	return matched, written, nil
}

// MatchAll re-matches every stored opportunity (`match --full`, or after a rules change):
// every one is marked pending first, so an interrupted full match is finished by the next run.
func (p *Pipeline) MatchAll(ctx context.Context) (int, int, error) {
	if _, err := p.Store.MarkAllPending(ctx); err != nil {
		return 0, 0, err
	}
	return p.MatchPending(ctx, nil)
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

// candidatesFor asks the index for the candidates of each of m's profiles, one query
// each (so that one business line's many candidates do not crowd out another's under the
// limit), and returns their union in the order found.
func (p *Pipeline) candidatesFor(ctx context.Context, sc *matcher.Scorer, m *passerelle.Member) ([]string, error) {
	var ids []string
	seen := map[string]bool{}
	for _, r := range sc.Retrievals(m) {
		got, err := p.Index.CandidatesFor(ctx, CandidateQuery(r, candidateLimit))
		if err != nil {
			return nil, err
		}
		for _, id := range got {
			if !seen[id] {
				seen[id] = true
				ids = append(ids, id)
			}
		}
	}
	return ids, nil
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
		ids, err := p.candidatesFor(ctx, sc, &m)
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
	// Pending is how many opportunities still wait to be indexed and matched (left by a run
	// that was interrupted); the next `run` or `match` finishes them. Not a disagreement.
	Pending int `json:"pending"`
	// Interrupted lists the runs recorded as running: a process died during them.
	Interrupted []string `json:"interrupted,omitempty"`
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
	if rep.Pending, err = p.Store.CountPending(ctx); err != nil {
		return rep, err
	}
	runs, err := p.Store.Runs(ctx, 100)
	if err != nil {
		return rep, err
	}
	for _, r := range runs {
		if r.Status == passerelle.RunRunning {
			rep.Interrupted = append(rep.Interrupted, r.ID)
		}
	}
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
