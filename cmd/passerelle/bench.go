package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"sort"
	"sync"
	"sync/atomic"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
)

// cmdBench prints performance figures, one `name: value unit` a line. It works in a temp data
// dir on synthetic data (or, for ingest, --file PATH such as ../shared/data/ted/notices.jsonl).
func cmdBench(ctx context.Context, p *Program, args []string) error {
	fs, cf := p.flags("bench")
	scale := fs.Int("scale", 0, "scale: notices (ingest, api) or member profiles (match); default per benchmark")
	nops := fs.Int("ops", 3000, "match: new opportunities streamed through the profiles")
	file := fs.String("file", "", "ingest: a canonical JSONL file to ingest instead of synthetic notices")
	naive := fs.Int("naive", 300, "match: profiles timed the naive way (each as a bleve query), extrapolated")
	profile := fs.String("profile", "", "api: write PREFIX-cpu.pprof, PREFIX-block.pprof, PREFIX-mutex.pprof and PREFIX.trace of the reads during a run")
	if err := p.parse(fs, cf, args); err != nil {
		return err
	}
	if fs.NArg() != 1 {
		return usageErr("bench ingest|match|api [--scale N]")
	}
	dir, err := os.MkdirTemp("", "passerelle-bench-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	p.Config.Data = dir
	p.Config.LogLevel = "warn"
	p.Log = newLogger(p.Stderr, p.Config)
	switch fs.Arg(0) {
	case "ingest":
		return p.benchIngest(ctx, orDefault(*scale, 20000), *file)
	case "match":
		return p.benchMatch(ctx, orDefault(*scale, 100000), *nops, *naive)
	case "api":
		return p.benchAPI(ctx, orDefault(*scale, 100000), *profile)
	}
	return usageErr("unknown benchmark %q: ingest, match or api", fs.Arg(0))
}

func orDefault(v, d int) int {
	if v > 0 {
		return v
	}
	return d
}

func (p *Program) line(name string, value float64, unit string) {
	fmt.Fprintf(p.Stdout, "%s: %.6g %s\n", name, value, unit)
}

// benchIngest: parse + store + index from canonical JSONL.
func (p *Program) benchIngest(ctx context.Context, n int, file string) error {
	if file == "" {
		_, ops := matcher.Synthetic(1, 0, n)
		var buf bytes.Buffer
		enc := json.NewEncoder(&buf)
		for i := range ops {
			if err := enc.Encode(&ops[i]); err != nil {
				return err
			}
		}
		file = filepath.Join(p.Config.Data, "synthetic.jsonl")
		if err := os.WriteFile(file, buf.Bytes(), 0o644); err != nil {
			return err
		}
	}
	st, err := os.Stat(file)
	if err != nil {
		return err
	}
	if err := p.open(ctx); err != nil {
		return err
	}
	src := passerelle.Source{ID: "bench", URL: file, Format: "jsonl", Timezone: p.Config.Timezone}
	t0 := time.Now()
	res, err := p.Pipeline.Fetcher.Load(ctx, src, source.Validators{})
	if err != nil {
		return err
	}
	parse := time.Since(t0)
	t1 := time.Now()
	if _, _, err := p.Pipeline.Save(ctx, res.Opportunities); err != nil {
		return err
	}
	save := time.Since(t1)
	total := time.Since(t0)
	k := float64(len(res.Opportunities))
	p.line("ingest_notices", k, "notices")
	p.line("ingest_parse", k/parse.Seconds(), "notices/s")
	p.line("ingest_parse_bytes", float64(st.Size())/parse.Seconds()/1e6, "MB/s")
	p.line("ingest_store_index", k/save.Seconds(), "notices/s")
	p.line("ingest_end_to_end", k/total.Seconds(), "notices/s")
	return nil
}

// benchMatch: the nightly batch (reverse index over profiles) and the naive way (each
// profile as a bleve query over the new notices), on synthetic profiles.
func (p *Program) benchMatch(ctx context.Context, members, nops, naive int) error {
	ms, ops := matcher.Synthetic(2, members, nops)
	sc, err := matcher.NewScorer(matcher.DefaultRules(), matcher.DefaultVocabulary())
	if err != nil {
		return err
	}
	// As the pipeline does, the text signal weighs words by their frequencies in the notices.
	t0 := time.Now()
	corpus, _ := matcher.CorpusOf(matcher.DefaultBridge(), ops, false)
	p.line("match_corpus_count", float64(time.Since(t0).Milliseconds()), "ms")
	sc.SetCorpus(corpus)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	t0 = time.Now()
	mon := matcher.NewMonitor(sc, ms)
	build := time.Since(t0)
	runtime.GC()
	runtime.ReadMemStats(&after)
	now := time.Now()
	// As the pipeline does: notices streamed through the profiles a thousand at a time.
	t1 := time.Now()
	kept := 0
	for start := 0; start < len(ops); start += 1000 {
		ms, err := mon.Match(ctx, ops[start:min(start+1000, len(ops))], now)
		if err != nil {
			return err
		}
		kept += len(ms)
	}
	match := time.Since(t1)
	runtime.KeepAlive(mon)
	p.line("match_profiles", float64(len(ms)), "profiles")
	p.line("match_opportunities", float64(len(ops)), "opportunities")
	p.line("match_monitor_build", build.Seconds(), "s")
	p.line("match_monitor_heap", float64(int64(after.HeapAlloc)-int64(before.HeapAlloc))/(1<<20), "MiB")
	p.line("match_batch", match.Seconds(), "s")
	p.line("match_kept", float64(kept), "matches")

	// Naive: index the new notices in bleve, run each profile's query, score its candidates.
	ix, err := index.Open(filepath.Join(p.Config.Data, "naive-index"))
	if err != nil {
		return err
	}
	defer ix.Close()
	if err := ix.Index(ctx, ops); err != nil {
		return err
	}
	naive = min(naive, len(ms))
	byID := make(map[string]*passerelle.Opportunity, len(ops))
	for i := range ops {
		byID[ops[i].ID] = &ops[i]
	}
	t2 := time.Now()
	for i := 0; i < naive; i++ {
		// The same retrieval as a new profile's one-off match, then the same scorer.
		ids, err := ix.CandidatesFor(ctx, pipeline.CandidateQuery(sc.Retrieval(&ms[i]), len(ops)))
		if err != nil {
			return err
		}
		for _, id := range ids {
			if o := byID[id]; o != nil {
				sc.Score(&ms[i], o, now)
			}
		}
	}
	per := time.Since(t2) / time.Duration(max(naive, 1))
	p.line("match_naive_per_profile", per.Seconds()*1000, "ms")
	p.line("match_naive_extrapolated", per.Seconds()*float64(len(ms)), "s")
	return nil
}

// benchAPI: a member's matches and a search, on n stored and indexed opportunities.
func (p *Program) benchAPI(ctx context.Context, n int, profile string) error {
	p.leaveACoreForReads() // as a server does
	if err := p.open(ctx); err != nil {
		return err
	}
	ms, ops := matcher.Synthetic(3, 1, n)
	if _, _, err := p.Pipeline.Save(ctx, ops); err != nil {
		return err
	}
	m := ms[0]
	m.ID, m.Tier = "bench-member", passerelle.TierPremium
	if _, err := p.DB.PutMember(ctx, m, p.Now()); err != nil {
		return err
	}
	var matches []passerelle.Match
	for i := 0; i < 500 && i < len(ops); i++ {
		matches = append(matches, passerelle.Match{Member: m.ID, Opportunity: ops[i].ID, Score: float64(100 - i%100), State: passerelle.MatchNew,
			Explanation: passerelle.Explanation{Contributions: []passerelle.Contribution{{Signal: "text", Evidence: "bench", Points: float64(100 - i%100)}}}})
	}
	if _, err := p.DB.PutMatches(ctx, matches, p.Now()); err != nil {
		return err
	}
	_, key, err := p.DB.CreateKey(ctx, passerelle.RoleStaff, "", p.Now())
	if err != nil {
		return err
	}
	h := api.New(api.Config{Store: p.DB, Index: p.Index, Runner: p.Pipeline, Log: p.Log})
	srv := httptest.NewServer(h)
	defer srv.Close()
	var mem runtime.MemStats
	for _, c := range []struct{ name, path string }{
		{"api_member_matches", "/api/v1/members/bench-member/matches?limit=20"},
		{"api_search", "/api/v1/opportunities?q=software+development&status=open,closing&limit=20"},
		{"api_search_filtered", "/api/v1/opportunities?q=maintenance&country=BE&cpv=72&limit=20"},
	} {
		lat, err := timeRequests(srv.URL+c.path, key, 500)
		if err != nil {
			return fmt.Errorf("%s: %w", c.name, err)
		}
		p.line(c.name+"_p50", lat[len(lat)/2].Seconds()*1000, "ms")
		p.line(c.name+"_p99", lat[len(lat)*99/100].Seconds()*1000, "ms")
	}
	stop, err := startProfiles(profile)
	if err != nil {
		return err
	}
	err = p.benchReadsDuringRun(ctx, srv.URL, key, n)
	if perr := stop(); err == nil {
		err = perr
	}
	if err != nil {
		return err
	}
	runtime.ReadMemStats(&mem)
	p.line("api_opportunities", float64(n), "opportunities")
	p.line("api_heap_in_use", float64(mem.HeapInuse)/(1<<20), "MiB")
	p.line("api_sys", float64(mem.Sys)/(1<<20), "MiB")
	return nil
}

// benchReadsDuringRun times a member's matches and a search at 200 requests a second while
// a run ingests n more opportunities from a JSONL source (parse, store, index) and matches
// them against a few hundred premium members: what members see during the nightly run.
// Requests go out on a clock, each on its own, so a slow answer does not hide the ones that
// would have waited behind it.
func (p *Program) benchReadsDuringRun(ctx context.Context, base, key string, n int) error {
	_, more := matcher.Synthetic(3, 2, n)
	file := filepath.Join(p.Config.Data, "run.jsonl")
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	for i := range more {
		more[i].ID = "run:" + more[i].ID
		if err := enc.Encode(&more[i]); err != nil {
			return err
		}
	}
	if err := os.WriteFile(file, buf.Bytes(), 0o600); err != nil {
		return err
	}
	members, _ := matcher.Synthetic(4, 300, 0)
	for _, m := range members {
		if _, err := p.DB.PutMember(ctx, m, p.Now()); err != nil {
			return err
		}
	}
	src := passerelle.Source{ID: "bench-run", URL: file, Format: "jsonl", Enabled: true, Timezone: p.Config.Timezone}
	done := make(chan error, 1)
	t0 := time.Now()
	var rec passerelle.Run
	go func() {
		var err error
		rec, err = p.Pipeline.RunSources(ctx, "bench", []passerelle.Source{src})
		done <- err
	}()
	paths := []string{"/api/v1/members/bench-member/matches?limit=20", "/api/v1/opportunities?q=software+development&status=open,closing&limit=20"}
	var mu sync.Mutex
	lat := make([][]time.Duration, len(paths))
	var wg sync.WaitGroup
	var failed atomic.Int64
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	var runErr error
	// Segments a search reads, sampled every 100 ms: what a search pays for besides its hits.
	var segMax, segSum, segN int
	segTick := time.NewTicker(100 * time.Millisecond)
	defer segTick.Stop()
loop:
	for i := 0; ; {
		select {
		case runErr = <-done:
			break loop
		case <-segTick.C:
			if n, err := p.Index.Segments(); err == nil {
				segMax, segSum, segN = max(segMax, n), segSum+n, segN+1
			}
			continue
		case <-tick.C:
		}
		k := i % len(paths)
		i++
		wg.Add(1)
		go func() {
			defer wg.Done()
			d, err := timeRequests(base+paths[k], key, 1)
			if err != nil {
				failed.Add(1)
				return
			}
			mu.Lock()
			lat[k] = append(lat[k], d[0])
			mu.Unlock()
		}()
	}
	wg.Wait()
	if runErr != nil {
		return fmt.Errorf("the run behind the reads: %w", runErr)
	}
	p.line("during_run_seconds", time.Since(t0).Seconds(), "s")
	p.line("during_run_ingested", float64(rec.Indexed), "opportunities")
	p.line("during_run_matches", float64(rec.Matches), "matches")
	if fi, err := os.Stat(p.DB.Path()); err == nil {
		p.line("during_run_store_file", float64(fi.Size())/(1<<20), "MiB")
	}
	if segN > 0 {
		p.line("during_run_index_segments_mean", float64(segSum)/float64(segN), "segments")
		p.line("during_run_index_segments_max", float64(segMax), "segments")
	}
	p.line("during_run_request_rate", float64(len(lat[0])+len(lat[1])+int(failed.Load()))/time.Since(t0).Seconds(), "req/s")
	for k, name := range []string{"during_run_member_matches", "during_run_search"} {
		l := lat[k]
		if len(l) == 0 {
			continue
		}
		sort.Slice(l, func(i, j int) bool { return l[i] < l[j] })
		p.line(name+"_p50", l[len(l)/2].Seconds()*1000, "ms")
		p.line(name+"_p99", l[len(l)*99/100].Seconds()*1000, "ms")
		p.line(name+"_requests", float64(len(l)), "requests")
	}
	p.line("during_run_failed_requests", float64(failed.Load()), "requests")
	return nil
}

// benchClient keeps its connections to the server open, as browsers and API clients do:
// with the default transport's two idle connections per host, most requests sent at 200 a
// second dialled a new connection and closed it after, so the figures timed the client's
// connection churn (a third of the lock waits of the process) as much as the server.
var benchClient = &http.Client{Transport: &http.Transport{MaxIdleConnsPerHost: 512}}

func timeRequests(url, key string, n int) ([]time.Duration, error) {
	out := make([]time.Duration, 0, n)
	client := benchClient
	for i := 0; i < n; i++ {
		req, _ := http.NewRequest("GET", url, nil)
		req.Header.Set("Authorization", "Bearer "+key)
		t := time.Now()
		resp, err := client.Do(req)
		if err != nil {
			return nil, err
		}
		var sink bytes.Buffer
		_, _ = sink.ReadFrom(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 {
			return nil, fmt.Errorf("status %d: %s", resp.StatusCode, sink.String())
		}
		out = append(out, time.Since(t))
	}
	sort.Slice(out, func(i, j int) bool { return out[i] < out[j] })
	return out, nil
}

// startProfiles starts the CPU profile and the execution trace, and samples blocking and
// lock contention, when prefix is set; stop writes them all. Why reads slow down during a
// run (scheduling, a lock, the collector) is read there, not guessed.
func startProfiles(prefix string) (stop func() error, err error) {
	if prefix == "" {
		return func() error { return nil }, nil
	}
	cpu, err := os.Create(prefix + "-cpu.pprof")
	if err != nil {
		return nil, err
	}
	tr, err := os.Create(prefix + ".trace")
	if err != nil {
		return nil, err
	}
	if err := pprof.StartCPUProfile(cpu); err != nil {
		return nil, err
	}
	if err := trace.Start(tr); err != nil {
		pprof.StopCPUProfile()
		return nil, err
	}
	runtime.SetBlockProfileRate(int(time.Millisecond))
	runtime.SetMutexProfileFraction(10)
	return func() error {
		trace.Stop()
		pprof.StopCPUProfile()
		runtime.SetBlockProfileRate(0)
		runtime.SetMutexProfileFraction(0)
		errs := []error{cpu.Close(), tr.Close()}
		for _, name := range []string{"block", "mutex"} {
			f, err := os.Create(prefix + "-" + name + ".pprof")
			if err != nil {
				return err
			}
			errs = append(errs, pprof.Lookup(name).WriteTo(f, 0), f.Close())
		}
		return errors.Join(errs...)
	}, nil
}
