package index

import (
	"bufio"
	"context"
	"encoding/json"
	"math"
	"os"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/passerelle/passerelle"
)

// Candidate retrieval quality on ../shared/data/eval (skipped when absent). Candidates is
// the recall stage of matching a new profile: what it misses, no scorer can rank. Every
// notice is indexed as open (the sample's deadlines are past), and each member's skills
// alone are the query (the qrels come from hidden CPV prefixes, so CPV is not given).
const (
	evalMembers = "../../shared/data/eval/members.json"
	evalQrels   = "../../shared/data/eval/qrels.tsv"
)

type evalFigures struct{ ndcg10, r100, r1000 float64 }

func TestCandidatesEval(t *testing.T) {
	if testing.Short() {
		t.Skip("short mode")
	}
	for _, p := range []string{sharedNotices, evalMembers, evalQrels} {
		if _, err := os.Stat(p); err != nil {
			t.Skip("shared data absent:", p)
		}
	}
	ops := loadNotices(t, sharedNotices, 0)
	for i := range ops {
		ops[i].Status = passerelle.StatusOpen
	}
	ix := openIndexed(t, ops)

	var members []passerelle.Member
	raw, err := os.ReadFile(evalMembers)
	if err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(raw, &members); err != nil {
		t.Fatalf("%s: %v", evalMembers, err)
	}
	qrels := readQrels(t, evalQrels)

	var sum evalFigures
	n := 0
	for _, m := range members {
		rel := qrels[m.ID]
		if len(rel) == 0 {
			continue
		}
		got, err := ix.Candidates(context.Background(), m.Skills, nil, 1000)
		if err != nil {
			t.Fatal(err)
		}
		f := rankFigures(got, rel)
		t.Logf("%-16s nDCG@10=%.3f R@100=%.3f R@1000=%.3f candidates=%d relevant=%d",
			m.ID, f.ndcg10, f.r100, f.r1000, len(got), len(rel))
		sum.ndcg10 += f.ndcg10
		sum.r100 += f.r100
		sum.r1000 += f.r1000
		n++
	}
	mean := evalFigures{sum.ndcg10 / float64(n), sum.r100 / float64(n), sum.r1000 / float64(n)}
	t.Logf("MEAN members=%d nDCG@10=%.3f R@100=%.3f R@1000=%.3f", n, mean.ndcg10, mean.r100, mean.r1000)
	// Floors a little under what was measured when this test was written: a drop below
	// them is a regression of candidate retrieval, not noise (the index is deterministic).
	if mean.r1000 < evalFloor.r1000 || mean.r100 < evalFloor.r100 || mean.ndcg10 < evalFloor.ndcg10 {
		t.Errorf("candidate quality fell below its floor %+v: %+v", evalFloor, mean)
	}
}

// evalFloor: measured nDCG@10 0.482, R@100 0.504, R@1000 0.691 (MappingVersion 4).
var evalFloor = evalFigures{ndcg10: 0.45, r100: 0.45, r1000: 0.65}

func readQrels(t *testing.T, path string) map[string]map[string]int {
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	out := map[string]map[string]int{}
	sc := bufio.NewScanner(f)
	for line := 1; sc.Scan(); line++ {
		p := strings.Fields(sc.Text())
		if len(p) != 4 {
			continue
		}
		g, err := strconv.Atoi(p[3])
		if err != nil {
			t.Fatalf("%s:%d: grade %q", path, line, p[3])
		}
		if out[p[0]] == nil {
			out[p[0]] = map[string]int{}
		}
		out[p[0]][p[2]] = g
	}
	return out
}

// rankFigures computes nDCG@10 (gain 2^grade-1, as eval/metrics.py), R@100 and R@1000.
func rankFigures(ranked []string, rel map[string]int) evalFigures {
	var f evalFigures
	dcg := 0.0
	for i, id := range ranked {
		g := rel[id]
		if i < 10 {
			dcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
		}
		if g > 0 {
			if i < 100 {
				f.r100++
			}
			if i < 1000 {
				f.r1000++
			}
		}
	}
	grades := make([]int, 0, len(rel))
	for _, g := range rel {
		grades = append(grades, g)
	}
	sort.Sort(sort.Reverse(sort.IntSlice(grades)))
	idcg := 0.0
	for i, g := range grades {
		if i == 10 {
			break
		}
		idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
	}
	if idcg > 0 {
		f.ndcg10 = dcg / idcg
	}
	f.r100 /= float64(len(rel))
	f.r1000 /= float64(len(rel))
	return f
}
