package matcher

import (
	"bytes"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite testdata/ranking.golden")

// TestRankingGolden ranks 300 real notices (a spread over the CPV divisions, not picked by
// the judgements) for the 15 evaluation members with the default rules, and compares the
// top 10 of each member, with scores and the metrics over the judgements restricted to
// those notices, with testdata/ranking.golden. A change of scoring shows there as a diff
// to review (and accept with -update); the metrics are logged.
func TestRankingGolden(t *testing.T) {
	ops := loadNotices(t, filepath.Join("testdata", "notices.jsonl"))
	members := loadMembers(t, filepath.Join("testdata", "members.json"))
	f, err := os.Open(filepath.Join("testdata", "qrels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := ReadQrels(f)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestScorer(t)
	rk := Rank(s, members, ops, 1000)
	per, mean := Evaluate(rk, q)

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
	t.Logf("300 real notices, %d members: P@10=%.3f nDCG@10=%.3f R@100=%.3f MAP=%.3f", len(per), mean.P10, mean.NDCG10, mean.R100, mean.MAP)

	golden := filepath.Join("testdata", "ranking.golden")
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
