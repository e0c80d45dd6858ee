package matcher

import (
	"bufio"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// sharedData is where the project's shared real data lives beside the repository.
const sharedData = "../../shared/data"

// noticeRecord is the part of a ../shared/data/ted/notices.jsonl record that topical
// ranking needs (the file writes dates without zones, which the canonical shape does not
// take, and ranking ignores dates anyway).
type noticeRecord struct {
	ID           string                     `json:"id"`
	Title        string                     `json:"title"`
	Description  string                     `json:"description"`
	Language     string                     `json:"language"`
	Translations map[string]passerelle.Text `json:"translations"`
	CPV          []string                   `json:"cpv"`
	NUTS         []string                   `json:"nuts"`
	Country      string                     `json:"country"`
}

func loadNotices(tb testing.TB, path string) []passerelle.Opportunity {
	tb.Helper()
	f, err := os.Open(path)
	if err != nil {
		tb.Fatal(err)
	}
	defer f.Close()
	var out []passerelle.Opportunity
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 16<<20)
	for n := 1; sc.Scan(); n++ {
		var r noticeRecord
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			tb.Fatalf("%s line %d: %v", path, n, err)
		}
		out = append(out, passerelle.Opportunity{ID: r.ID, Title: r.Title, Description: r.Description,
			Language: r.Language, Translations: r.Translations, CPV: r.CPV, NUTS: r.NUTS, Country: r.Country,
			Kind: passerelle.KindTender, Status: passerelle.StatusOpen})
	}
	if err := sc.Err(); err != nil {
		tb.Fatal(err)
	}
	return out
}

func loadMembers(tb testing.TB, path string) []passerelle.Member {
	tb.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		tb.Fatal(err)
	}
	var ms []passerelle.Member
	if err := json.Unmarshal(b, &ms); err != nil {
		tb.Fatalf("%s: %v", path, err)
	}
	return ms
}

func needShared(tb testing.TB) string {
	tb.Helper()
	dir := filepath.Join(sharedData, "eval")
	if _, err := os.Stat(filepath.Join(dir, "qrels.tsv")); err != nil {
		tb.Skipf("no shared data at %s: %v", sharedData, err)
	}
	return sharedData
}

// TestDevSet ranks the 2,601 TED notices for the 15 dev-set members with the default
// rules and prints the per-member metrics. Issue 4's target: nDCG@10 ≥ 0.75, MAP ≥ 0.55.
func TestDevSet(t *testing.T) {
	if testing.Short() {
		t.Skip("dev set is slow-ish")
	}
	dir := needShared(t)
	ops := loadNotices(t, filepath.Join(dir, "ted", "notices.jsonl"))
	members := loadMembers(t, filepath.Join(dir, "eval", "members.json"))
	f, err := os.Open(filepath.Join(dir, "eval", "qrels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := ReadQrels(f)
	if err != nil {
		t.Fatal(err)
	}
	s, err := NewScorer(DefaultRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	rk := Rank(s, members, ops, 1000)
	if out := os.Getenv("PASSERELLE_RUN"); out != "" {
		w, err := os.Create(out)
		if err != nil {
			t.Fatal(err)
		}
		if err := WriteRun(w, rk); err != nil {
			t.Fatal(err)
		}
		w.Close()
	}
	per, mean := Evaluate(rk, q)
	for _, m := range sortedKeys(per) {
		x := per[m]
		t.Logf("%-16s P@10=%.3f nDCG@10=%.3f R@100=%.3f AP=%.3f rel=%d ranked=%d", m, x.P10, x.NDCG10, x.R100, x.MAP, len(q[m]), len(rk[m]))
	}
	t.Logf("MEAN members=%d P@10=%.3f nDCG@10=%.3f R@100=%.3f MAP=%.3f", len(per), mean.P10, mean.NDCG10, mean.R100, mean.MAP)
	// Issue 4's target; the default rules reach nDCG@10 0.770, MAP 0.709.
	if mean.NDCG10 < 0.75 || mean.MAP < 0.55 {
		t.Errorf("dev-set quality fell: nDCG@10 %.3f, MAP %.3f", mean.NDCG10, mean.MAP)
	}
}

// TestDevSetWithoutCPV: the dev set's notices stripped of their CPV codes, as a pole's RSS
// calls come, deadlines and publication dates set so that every pair gets the practical
// points a fresh call would. The words must carry matches alone (textExtra): the test
// logs how many pairs are kept and how many of them are judged relevant, beside the same
// with the codes kept, and fails if the words keep almost nothing or mostly noise.
func TestDevSetWithoutCPV(t *testing.T) {
	if testing.Short() {
		t.Skip("dev set is slow-ish")
	}
	dir := needShared(t)
	ops := loadNotices(t, filepath.Join(dir, "ted", "notices.jsonl"))
	members := loadMembers(t, filepath.Join(dir, "eval", "members.json"))
	f, err := os.Open(filepath.Join(dir, "eval", "qrels.tsv"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	q, err := ReadQrels(f)
	if err != nil {
		t.Fatal(err)
	}
	s := newTestScorer(t)
	for i := range ops {
		ops[i].Deadline, ops[i].Published = days(30), days(-2)
		ops[i].Country, ops[i].NUTS = "", nil
	}
	// Through the batch path, which keeps what Score keeps (TestMonitorEqualsScore).
	mon := NewMonitor(s, members)
	keptPairs := func() (kept, rel int) {
		got, err := mon.Match(context.Background(), ops, now)
		if err != nil {
			t.Fatal(err)
		}
		for _, m := range got {
			kept++
			if q[m.Member][m.Opportunity] > 0 {
				rel++
			}
		}
		return kept, rel
	}
	withK, withR := keptPairs()
	for i := range ops {
		ops[i].CPV = nil
	}
	k, r := keptPairs()
	t.Logf("with codes: %d pairs kept, %d relevant (%.0f%%); without: %d kept, %d relevant (%.0f%%)",
		withK, withR, 100*float64(withR)/float64(max(withK, 1)), k, r, 100*float64(r)/float64(max(k, 1)))
	if r < 50 || float64(r) < 0.35*float64(k) {
		t.Errorf("without codes the words keep %d pairs, %d relevant", k, r)
	}
}
