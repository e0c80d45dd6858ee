package matcher

import (
	"bytes"
	"context"
	"flag"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/source"
)

var update = flag.Bool("update", false, "rewrite the golden files testdata/ranking-*.golden")

// rankingSet is one evaluation set of TestRankingGolden: real opportunities, members and
// judgements, all under testdata/ (see testdata/README), so that it runs on a fresh clone.
type rankingSet struct {
	name                            string
	notices, members, qrels, golden string
	wantNotices                     int  // what the notices file holds: a load losing some fails
	withoutCodes                    bool // eval --without-codes: empty every CPV before the corpus is built
}

var rankingSets = []rankingSet{
	// 300 real TED notices (a spread over the CPV divisions, not picked by the judgements)
	// for the 15 evaluation members, with their codes.
	{name: "coded", notices: "notices.jsonl", members: "members.json", qrels: "qrels.tsv",
		golden: "ranking-coded.golden", wantNotices: 300},
	// The same notices with their codes removed: what the words alone (and the codes the
	// corpus infers for them) rank.
	{name: "uncoded", notices: "notices.jsonl", members: "members.json", qrels: "qrels.tsv",
		golden: "ranking-uncoded.golden", wantNotices: 300, withoutCodes: true},
	// 118 real EU calls for projects (no codes by nature) for 12 ICT members: every judged
	// call plus a fixed pick of the others.
	{name: "calls", notices: "calls.jsonl.gz", members: "calls-members.json", qrels: "calls-qrels.tsv",
		golden: "ranking-calls.golden", wantNotices: 118},
	// The same calls for the same members keeping only their French skills: members
	// write French, EU calls are English; the translations are what bridges them.
	{name: "calls-fr", notices: "calls.jsonl.gz", members: "calls-members-fr.json", qrels: "calls-qrels.tsv",
		golden: "ranking-calls-fr.golden", wantNotices: 118},
}

// TestRankingGolden ranks each evaluation set with the production scorer set up as
// `passerelle eval` sets it up (default rules, the default vocabulary, a corpus of the
// set's own notices over the default bridge), and compares the top 10 of each member,
// with scores and the metrics over the judgements, with the set's golden file. A change
// of scoring shows there as a diff to review (and accept with -update); the metrics and
// the BM25 baseline's on the same set are logged. Properties that hold whatever the
// tuning are checked apart, and fail even with -update.
func TestRankingGolden(t *testing.T) {
	for _, set := range rankingSets {
		t.Run(set.name, func(t *testing.T) { testRankingSet(t, set) })
	}
}

func testRankingSet(t *testing.T, set rankingSet) {
	ops := loadCanonical(t, filepath.Join("testdata", set.notices))
	if len(ops) != set.wantNotices {
		t.Fatalf("%s: %d opportunities loaded, want %d", set.notices, len(ops), set.wantNotices)
	}
	if set.withoutCodes {
		// As eval --without-codes: before anything reads them, so that nothing learned
		// below (word frequencies, inferred codes) sees the codes removed.
		for i := range ops {
			ops[i].CPV = nil
		}
	}
	members := loadMembers(t, filepath.Join("testdata", set.members))
	q := loadQrels(t, filepath.Join("testdata", set.qrels), ops)
	s := evalScorer(t, ops, set.withoutCodes)

	rk := Rank(s, members, ops, 1000)
	per, mean := Evaluate(rk, q)
	_, bmean := Evaluate(RankBM25(members, ops, 1000), q)

	checkRanking(t, s, set, members, ops, rk)

	var b bytes.Buffer
	fmt.Fprintf(&b, "# top 10 per member: rank, notice, topical score, judged grade\n")
	for _, m := range members {
		docs := rk[m.ID]
		fmt.Fprintf(&b, "%s (%d ranked, %d judged relevant)\n", m.ID, len(docs), len(q[m.ID]))
		for i, d := range docs {
			if i == 10 {
				break
			}
			fmt.Fprintf(&b, "  %2d %-22s %7.3f %d\n", i+1, d.ID, d.Score, q[m.ID][d.ID])
		}
	}
	fmt.Fprintf(&b, "# metrics over the members with judgements\n")
	for _, id := range sortedKeys(per) {
		x := per[id]
		fmt.Fprintf(&b, "%-16s P@10=%.3f nDCG@10=%.3f R@100=%.3f AP=%.3f\n", id, x.P10, x.NDCG10, x.R100, x.MAP)
	}
	fmt.Fprintf(&b, "MEAN members=%d P@10=%.3f nDCG@10=%.3f R@100=%.3f MAP=%.3f\n", len(per), mean.P10, mean.NDCG10, mean.R100, mean.MAP)
	t.Logf("%s: %d notices, %d members: P@10 %.3f (BM25 %.3f) nDCG@10 %.3f (BM25 %.3f) R@100 %.3f (BM25 %.3f) MAP %.3f (BM25 %.3f)",
		set.name, len(ops), len(per), mean.P10, bmean.P10, mean.NDCG10, bmean.NDCG10, mean.R100, bmean.R100, mean.MAP, bmean.MAP)

	golden := filepath.Join("testdata", set.golden)
	if *update {
		if err := os.WriteFile(golden, b.Bytes(), 0o644); err != nil {
			t.Fatal(err)
		}
		return
	}
	want, err := os.ReadFile(golden)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(want, b.Bytes()) {
		t.Errorf("ranking differs from %s (review, then accept with -update):\n%s", golden, lineDiff(string(want), b.String()))
	}
}

// loadCanonical reads canonical JSONL (plain or gzip) through the parser eval reads
// --opportunities with (cmd/passerelle's readOpportunities). Records it rejects fail the
// test: the files are fixed and load whole.
func loadCanonical(t *testing.T, path string) []passerelle.Opportunity {
	t.Helper()
	f := &source.Fetcher{MaxBytes: 1 << 30}
	res, err := f.Load(context.Background(), passerelle.Source{ID: "eval", URL: path, Format: "jsonl", Timezone: "Europe/Brussels"}, source.Validators{})
	if err != nil {
		t.Fatal(err)
	}
	for i, e := range res.Errors {
		if i == 5 {
			break
		}
		t.Errorf("%s: %v", path, e)
	}
	return res.Opportunities
}

// loadQrels reads TREC qrels. Eval leaves out the judgements of notices not given; the
// files here hold only judgements of their set's notices, so one that is not is an error.
func loadQrels(t *testing.T, path string, ops []passerelle.Opportunity) Qrels {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := ReadQrels(f)
	if err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	present := make(map[string]bool, len(ops))
	for i := range ops {
		present[ops[i].ID] = true
	}
	for m, judged := range q {
		for id := range judged {
			if !present[id] {
				t.Errorf("%s: %s judged for %s is not in the set", path, id, m)
			}
		}
	}
	return q
}

// evalScorer builds the scorer as cmd/passerelle's eval does by default (no --rules,
// --ablate, --no-corpus or --bridge): the default rules and vocabulary, and a corpus of
// the given opportunities over the built-in bridge — without the examples of those
// opportunities when their codes were removed, as eval --without-codes does.
func evalScorer(t *testing.T, ops []passerelle.Opportunity, withoutCodes bool) *Scorer {
	t.Helper()
	s, err := NewScorer(DefaultRules(), DefaultVocabulary())
	if err != nil {
		t.Fatal(err)
	}
	c, leftOut := CorpusOf(DefaultBridge(), ops, withoutCodes)
	if withoutCodes && leftOut != len(ops) {
		t.Fatalf("the bridge left out %d of the %d notices evaluated", leftOut, len(ops))
	}
	s.SetCorpus(c)
	return s
}

// cpvCodeRef is a full CPV code named in evidence: a notice's ("main CPV 72212000 ⊂ …",
// "CPV 72212000 inferred (…)") or one the member declared ("declared CPV 72212000").
var cpvCodeRef = regexp.MustCompile(`(main |declared )?CPV (\d{8})(\s+inferred)?`)

// checkRanking checks what must hold whatever the tuning:
//   - every ranked score is finite and above 0, each notice is ranked at most once per
//     member, and each member's list is sorted by score, highest first (ties by id);
//   - for each member's top 10, Topical gives the ranked score, no veto, and an
//     explanation whose contributions add up to that score;
//   - a notice without codes (all of them in "uncoded" and "calls") is never explained by
//     a code of its own: each CPV contribution is an inferred code, and every notice code
//     its evidence names is named as inferred.
func checkRanking(t *testing.T, s *Scorer, set rankingSet, members []passerelle.Member, ops []passerelle.Opportunity, rk Ranking) {
	t.Helper()
	byID := make(map[string]*passerelle.Opportunity, len(ops))
	for i := range ops {
		byID[ops[i].ID] = &ops[i]
	}
	bad := 0
	fail := func(format string, args ...any) {
		if bad++; bad <= 20 {
			t.Errorf(format, args...)
		}
	}
	uncoded, inferred := 0, 0
	for i := range members {
		m := &members[i]
		docs := rk[m.ID]
		seen := map[string]bool{}
		for k, d := range docs {
			if !(d.Score > 0) || math.IsInf(d.Score, 0) {
				fail("%s: %s #%d %s: score %v, want finite and > 0", set.name, m.ID, k+1, d.ID, d.Score)
			}
			if seen[d.ID] {
				fail("%s: %s: %s ranked twice", set.name, m.ID, d.ID)
			}
			seen[d.ID] = true
			if k > 0 {
				p := docs[k-1]
				if p.Score < d.Score || (p.Score == d.Score && p.ID > d.ID) {
					fail("%s: %s: #%d %s (%v) before #%d %s (%v): not sorted by score, then id",
						set.name, m.ID, k, p.ID, p.Score, k+1, d.ID, d.Score)
				}
			}
			if byID[d.ID] == nil {
				fail("%s: %s: ranked %s is not in the set", set.name, m.ID, d.ID)
			}
		}
		for k, d := range docs {
			if k == 10 {
				break
			}
			o := byID[d.ID]
			if o == nil {
				continue
			}
			score, ex := s.Topical(m, o)
			// Rank and Topical run the same scoring; Topical only adds the evidence.
			if math.Abs(score-d.Score) > 1e-9 {
				fail("%s: %s #%d %s: Topical %v, ranked %v", set.name, m.ID, k+1, d.ID, score, d.Score)
			}
			if ex.Veto != "" {
				fail("%s: %s #%d %s: ranked, yet Topical vetoes it: %s", set.name, m.ID, k+1, d.ID, ex.Veto)
			}
			// Topical's contributions are the unrounded parts its score is the sum of
			// (Score's are rounded to 0.1 and capped, Topical's are not): they add up to
			// it up to float error, far within 0.01.
			sum := 0.0
			for _, c := range ex.Contributions {
				sum += c.Points
			}
			if math.Abs(sum-score) > 0.01 {
				fail("%s: %s #%d %s: contributions add up to %.4f, topical score %.4f", set.name, m.ID, k+1, d.ID, sum, score)
			}
			for _, c := range ex.Contributions {
				if why := unfaithful(o, c); why != "" {
					fail("%s: %s #%d %s: reason %+v: %s", set.name, m.ID, k+1, d.ID, c.Reason, why)
				}
			}
			if len(o.CPV) > 0 {
				continue
			}
			uncoded++
			for _, c := range ex.Contributions {
				// Only the CPV signal rests on the notice's codes: text evidence may name
				// the vocabulary code a skill's translation comes from ("translation
				// 'health services', CPV 85100000: …"), which is no notice code.
				if c.Signal != "cpv" {
					continue
				}
				if !strings.Contains(c.Evidence, "inferred") {
					fail("%s: %s #%d %s has no codes, yet a CPV contribution is not an inferred code: %q",
						set.name, m.ID, k+1, d.ID, c.Evidence)
				}
				inferred++
				for _, ref := range cpvCodeRef.FindAllStringSubmatch(c.Evidence, -1) {
					if ref[1] != "declared " && ref[3] == "" {
						fail("%s: %s #%d %s has no codes, yet its CPV evidence names code %s without \"inferred\": %q",
							set.name, m.ID, k+1, d.ID, ref[2], c.Evidence)
					}
				}
			}
		}
	}
	if bad > 20 {
		t.Errorf("%s: … %d failures in all", set.name, bad)
	}
	if uncoded > 0 {
		t.Logf("%s: %d top-10 pairs of notices without codes, %d CPV contributions by inferred codes", set.name, uncoded, inferred)
	}
}

// unfaithful says what is wrong with the reason of c on o, or "": every contribution
// carries one; the words it quotes occur in the field it names; a code it names is the
// notice's own, or inferred only where the notice has none.
func unfaithful(o *passerelle.Opportunity, c passerelle.Contribution) string {
	r := c.Reason
	if r == nil {
		return "no reason"
	}
	if f := r.Args["found"]; f != "" {
		text := o.Description
		if r.Args["field"] == "title" {
			text = o.Title
		}
		if l := r.Args["field_lang"]; l != "" {
			text = o.Translations[l].Description
			if r.Args["field"] == "title" {
				text = o.Translations[l].Title
			}
		}
		for _, w := range strings.Split(f, " … ") {
			if !strings.Contains(text, w) {
				return fmt.Sprintf("quotes %q, not in the %s", w, r.Args["field"])
			}
		}
	}
	switch r.Key {
	case passerelle.ReasonCPV:
		if !slices.Contains(o.CPV, r.Args["code"]) {
			return "names a code the notice does not carry"
		}
	case passerelle.ReasonCPVInferred:
		if len(o.CPV) > 0 {
			return "an inferred code on a notice with codes"
		}
	}
	if strings.HasPrefix(r.Key, "skill.") && r.Args["skill"] == "" {
		return "a skill reason naming no skill"
	}
	return ""
}

// lineDiff lists the lines that differ, position by position (enough for a ranking whose
// lines keep their places).
func lineDiff(want, got string) string {
	wl, gl := bytes.Split([]byte(want), []byte("\n")), bytes.Split([]byte(got), []byte("\n"))
	var b bytes.Buffer
	n := 0
	for i := 0; i < len(wl) || i < len(gl); i++ {
		var w, g []byte
		if i < len(wl) {
			w = wl[i]
		}
		if i < len(gl) {
			g = gl[i]
		}
		if !bytes.Equal(w, g) {
			if n++; n > 40 {
				b.WriteString("…\n")
				break
			}
			fmt.Fprintf(&b, "line %d:\n  - %s\n  + %s\n", i+1, w, g)
		}
	}
	return b.String()
}
