package main

import (
	"context"
	"fmt"
	"os"
	"sort"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/source"
)

// cmdEval ranks every given opportunity for every member by topical fit with the production
// scorer, writes a TREC run and, given qrels, prints P@10, nDCG@10, R@100 and MAP.
// It needs no data directory: everything comes from the given files.
func cmdEval(ctx context.Context, p *Program, args []string) error {
	fs, cf := p.flags("eval")
	var oppsPath, membersPath, rulesPath, qrelsPath, runPath string
	var depth int
	fs.StringVar(&oppsPath, "opportunities", "", "canonical JSONL of opportunities (e.g. ../shared/data/ted/notices.jsonl)")
	fs.StringVar(&membersPath, "members", "", "members JSON (array) or JSONL")
	fs.StringVar(&rulesPath, "rules", "", "rules JSON (default: the built-in default rules)")
	fs.StringVar(&qrelsPath, "qrels", "", "TREC qrels: member 0 opportunity grade")
	fs.StringVar(&runPath, "run", "", "write the TREC run here (default: not written)")
	fs.IntVar(&depth, "depth", 1000, "opportunities ranked per member")
	if err := p.parse(fs, cf, args); err != nil {
		return err
	}
	if oppsPath == "" || membersPath == "" {
		return usageErr("eval --opportunities PATH --members FILE [--rules FILE] [--qrels FILE] [--run OUT]")
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
	sc, err := matcher.NewScorer(rules, matcher.DefaultVocabulary())
	if err != nil {
		return err
	}
	ranking := matcher.Rank(sc, members, ops, depth)
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
	per, mean := matcher.Evaluate(ranking, qrels)
	ids := make([]string, 0, len(per))
	for id := range per {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	fmt.Fprintf(p.Stdout, "%-22s %7s %8s %7s %7s\n", "member", "P@10", "nDCG@10", "R@100", "MAP")
	for _, id := range ids {
		m := per[id]
		fmt.Fprintf(p.Stdout, "%-22s %7.3f %8.3f %7.3f %7.3f\n", id, m.P10, m.NDCG10, m.R100, m.MAP)
	}
	fmt.Fprintf(p.Stdout, "%-22s %7.3f %8.3f %7.3f %7.3f\n", "mean", mean.P10, mean.NDCG10, mean.R100, mean.MAP)
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
