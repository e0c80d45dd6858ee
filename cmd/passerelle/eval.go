package main

import (
	"bufio"
	"compress/gzip"
	"context"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/source"
)

// cmdEval ranks every given opportunity for every member by topical fit with the production
// scorer, writes a TREC run and, given qrels, prints P@10, nDCG@10, R@100 and MAP.
// It needs no data directory: everything comes from the given files.
func cmdEval(ctx context.Context, p *Program, args []string) error {
	fs, cf := p.flags("eval")
	var oppsPath, membersPath, rulesPath, qrelsPath, runPath, keptPath string
	var depth, explainTop int
	var withoutCodes, noCorpus bool
	var ablate, bridgePath string
	fs.StringVar(&oppsPath, "opportunities", "", "canonical JSONL of opportunities (e.g. ../shared/data/ted/notices.jsonl)")
	fs.StringVar(&membersPath, "members", "", "members JSON (array) or JSONL")
	fs.StringVar(&rulesPath, "rules", "", "rules JSON (default: the built-in default rules)")
	fs.StringVar(&qrelsPath, "qrels", "", "TREC qrels: member 0 opportunity grade")
	fs.StringVar(&runPath, "run", "", "write the TREC run here (default: not written)")
	fs.StringVar(&keptPath, "kept", "", "write here each pair the production rules would deliver: member opportunity score")
	fs.BoolVar(&withoutCodes, "without-codes", false, "empty every opportunity's CPV codes before ranking (the case of calls from poles)")
	fs.BoolVar(&noCorpus, "no-corpus", false, "ablation: learn nothing from the given opportunities (no word frequencies, no code inference)")
	fs.StringVar(&bridgePath, "bridge", "", "coded examples to borrow codes from before the given opportunities' own: a bridge file (gzip or plain), \"none\", or empty for the built-in bridge")
	fs.StringVar(&ablate, "ablate", "", "ablation: techniques to turn off, comma-separated ("+strings.Join(matcher.AblationNames(), ", ")+")")
	fs.IntVar(&depth, "depth", 1000, "opportunities ranked per member")
	fs.IntVar(&explainTop, "explain", 0, "print the evidence of each member's N best opportunities")
	if err := p.parse(fs, cf, args); err != nil {
		return err
	}
	if oppsPath == "" || membersPath == "" {
		return usageErr("eval --opportunities PATH --members FILE [--rules FILE] [--qrels FILE] [--run OUT] [--kept OUT] [--without-codes]")
	}
	rules := matcher.DefaultRules()
	if rulesPath != "" {
		var err error
		if rules, err = readRules(rulesPath); err != nil {
			return err
		}
	}
	members, err := readMembers(membersPath)
	if err != nil {
		return err
	}
	ops, err := p.readOpportunities(ctx, oppsPath)
	if err != nil {
		return err
	}
	if withoutCodes {
		// Before anything reads them: nothing learned below may see the codes removed.
		for i := range ops {
			ops[i].CPV = nil
		}
	}
	sc, err := matcher.NewScorer(rules, matcher.DefaultVocabulary())
	if err != nil {
		return err
	}
	if ablate != "" {
		if err := sc.Ablate(strings.Split(ablate, ",")...); err != nil {
			return usageErr("eval --ablate: %v", err)
		}
	}
	if !noCorpus {
		// What the store would have taught: the frequencies of the notices' own words.
		b, err := loadBridge(bridgePath)
		if err != nil {
			return err
		}
		c, leftOut := matcher.CorpusOf(b, ops, withoutCodes)
		if withoutCodes && b != nil {
			fmt.Fprintf(p.Stderr, "bridge: %d coded examples (%d of the notices evaluated left out)\n", b.Len()-leftOut, leftOut)
		}
		sc.SetCorpus(c)
	}
	ranking := matcher.Rank(sc, members, ops, depth)
	if explainTop > 0 {
		printExplained(p, sc, members, ops, ranking, explainTop)
	}
	var kept []matcher.KeptPair
	if keptPath != "" {
		kept = matcher.Kept(sc, members, ops)
		if err := writeKept(keptPath, kept); err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "kept pairs written to %s\n", keptPath)
	}
	if runPath != "" {
		f, err := os.Create(runPath)
		if err != nil {
			return err
		}
		if err := matcher.WriteRun(f, ranking); err != nil {
			f.Close()
			return err
		}
		if err := f.Close(); err != nil {
			return err
		}
		fmt.Fprintf(p.Stdout, "run written to %s\n", runPath)
	}
	fmt.Fprintf(p.Stdout, "ranked %d opportunities for %d members\n", len(ops), len(members))
	if qrelsPath == "" {
		return nil
	}
	qf, err := os.Open(qrelsPath)
	if err != nil {
		return err
	}
	defer qf.Close()
	qrels, err := matcher.ReadQrels(qf)
	if err != nil {
		return fmt.Errorf("%s: %w", qrelsPath, err)
	}
	// Judgements of notices not given cannot be ranked: leave them out, so that a part of
	// a judged set (a fold the bridge has not learned from) is measured on its own.
	present := make(map[string]bool, len(ops))
	for i := range ops {
		present[ops[i].ID] = true
	}
	dropped := 0
	for _, judged := range qrels {
		for id := range judged {
			if !present[id] {
				delete(judged, id)
				dropped++
			}
		}
	}
	if dropped > 0 {
		fmt.Fprintf(p.Stdout, "%d judgements of notices not given left out\n", dropped)
	}
	per, mean := matcher.Evaluate(ranking, qrels)
	bper, bmean := matcher.Evaluate(matcher.RankBM25(members, ops, depth), qrels)
	ids := make([]string, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(p.Stdout, "%-22s %7s %8s %7s %7s | %12s %8s\n", "member", "P@10", "nDCG@10", "R@100", "MAP", "BM25 nDCG@10", "BM25 MAP")
	row := func(id string, m, b matcher.Metrics) {
		fmt.Fprintf(p.Stdout, "%-22s %7.3f %8.3f %7.3f %7.3f | %12.3f %8.3f\n", id, m.P10, m.NDCG10, m.R100, m.MAP, b.NDCG10, b.MAP)
	}
	for _, id := range ids {
		row(id, per[id], bper[id])
	}
	row("mean", mean, bmean)
	if keptPath != "" {
		prec, rec, n := matcher.KeptPrecision(kept, qrels)
		fmt.Fprintf(p.Stdout, "kept pairs: %d, precision %.3f, recall %.3f\n", n, prec, rec)
	}
	return nil
}

// printExplained prints each member's n best opportunities with their evidence, to read
// what the scores rest on.
func printExplained(p *Program, sc *matcher.Scorer, members []passerelle.Member, ops []passerelle.Opportunity, rk matcher.Ranking, n int) {
	byID := make(map[string]*passerelle.Opportunity, len(ops))
	for i := range ops {
		byID[ops[i].ID] = &ops[i]
	}
	for i := range members {
		m := &members[i]
		fmt.Fprintf(p.Stdout, "## %s\n", m.ID)
		for k, d := range rk[m.ID] {
			if k == n {
				break
			}
			o := byID[d.ID]
			_, ex := sc.Topical(m, o)
			fmt.Fprintf(p.Stdout, "%2d %6.2f %s %q\n", k+1, d.Score, o.ID, o.Title)
			for _, c := range ex.Contributions {
				fmt.Fprintf(p.Stdout, "      %-8s %6.2f %s\n", c.Signal, c.Points, c.Evidence)
			}
		}
	}
}

// loadBridge reads the bridge eval starts from: the built-in one by default, none, or a
// file written by matcher/internal/mkbridge (to measure on notices the bridge has not
// learned from).
func loadBridge(path string) (*matcher.Bridge, error) {
	switch path {
	case "":
		return matcher.DefaultBridge(), nil
	case "none":
		return nil, nil
	}
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var r io.Reader = bufio.NewReader(f)
	if strings.HasSuffix(path, ".gz") {
		zr, err := gzip.NewReader(r)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
		r = zr
	}
	b, err := matcher.ReadBridge(r)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return b, nil
}

// writeKept writes one "member opportunity score" line per kept pair.
func writeKept(path string, kept []matcher.KeptPair) error {
	f, err := os.Create(path)
	if err != nil {
		return err
	}
	w := bufio.NewWriter(f)
	for _, k := range kept {
		fmt.Fprintf(w, "%s %s %.1f\n", k.Member, k.Opportunity, k.Score)
	}
	if err := w.Flush(); err != nil {
		f.Close()
		return fmt.Errorf("%s: %w", path, err)
	}
	if err := f.Close(); err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return nil
}

// readOpportunities reads canonical JSONL (a file or a directory of them) through the same
// parser as ingestion.
func (p *Program) readOpportunities(ctx context.Context, path string) ([]passerelle.Opportunity, error) {
	f := &source.Fetcher{MaxBytes: 1 << 30}
	res, err := f.Load(ctx, passerelle.Source{ID: "eval", URL: path, Format: "jsonl", Timezone: "Europe/Brussels"}, source.Validators{})
	if err != nil {
		return nil, err
	}
	for i, e := range res.Errors {
		if i == 5 {
			break
		}
		fmt.Fprintf(p.Stderr, "warning: %v\n", e)
	}
	return res.Opportunities, nil
}
