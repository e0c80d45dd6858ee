package matcher

import (
	"bytes"
	"math"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

func TestReadQrels(t *testing.T) {
	q, err := ReadQrels(strings.NewReader("m1 0 d1 2\n\nm1 0 d2 1\nm2\t0\td3\t0\n"))
	if err != nil {
		t.Fatal(err)
	}
	if q["m1"]["d1"] != 2 || q["m1"]["d2"] != 1 || len(q["m2"]) != 1 {
		t.Errorf("qrels = %v", q)
	}
	for _, bad := range []string{"m1 0 d1\n", "m1 0 d1 x\n"} {
		if _, err := ReadQrels(strings.NewReader(bad)); err == nil || !strings.Contains(err.Error(), "line 1") {
			t.Errorf("ReadQrels(%q) error %v", bad, err)
		}
	}
}

// Figures computed by hand with metrics.py's definitions.
func TestEvaluateByHand(t *testing.T) {
	q := Qrels{"m": {"a": 2, "b": 1, "c": 1, "z": 0}}
	r := Ranking{"m": {{"x", 5}, {"a", 4}, {"y", 3}, {"b", 2}, {"a", 1}}}
	per, mean := Evaluate(r, q)
	got := per["m"]
	// Relevant a at 2, b at 4: P@10 = 2/10. AP = (1/2 + 2/4) / 4 judged = 0.25 (metrics.py
	// divides by the judged count, grade 0 included). R@100 = 2/4.
	// DCG = 3/log2(3) + 1/log2(5); IDCG = 3/1 + 1/log2(3) + 1/log2(4).
	dcg := 3/math.Log2(3) + 1/math.Log2(5)
	idcg := 3 + 1/math.Log2(3) + 1/math.Log2(4)
	want := Metrics{P10: 0.2, NDCG10: dcg / idcg, R100: 0.5, MAP: 0.25}
	for _, c := range []struct {
		name     string
		got, exp float64
	}{{"P10", got.P10, want.P10}, {"NDCG10", got.NDCG10, want.NDCG10}, {"R100", got.R100, want.R100}, {"MAP", got.MAP, want.MAP}} {
		if math.Abs(c.got-c.exp) > 1e-12 {
			t.Errorf("%s = %v, want %v", c.name, c.got, c.exp)
		}
	}
	if mean != got {
		t.Errorf("mean of one member %+v != %+v", mean, got)
	}
	// A member absent from the run scores 0 and pulls the mean down.
	q["n"] = map[string]int{"a": 1}
	_, mean = Evaluate(r, q)
	if math.Abs(mean.MAP-0.125) > 1e-12 {
		t.Errorf("mean MAP with an absent member = %v", mean.MAP)
	}
}

func TestRankAndWriteRun(t *testing.T) {
	s := newTestScorer(t)
	m := []passerelle.Member{cleaner(), {ID: "empty", Name: "E", Tier: passerelle.TierPremium}}
	o1 := cleaningTender()
	o2 := cleaningTender()
	o2.ID, o2.Title, o2.Description, o2.Status = "ted:2", "Nettoyage des vitres", "", passerelle.StatusClosed
	o3 := passerelle.Opportunity{ID: "ted:3", Title: "Road works", CPV: []string{"45233140"}}
	rk := Rank(s, m, []passerelle.Opportunity{o3, o2, o1}, 1000)
	if len(rk["empty"]) != 0 {
		t.Errorf("empty profile ranked %v", rk["empty"])
	}
	got := rk["clean"]
	if len(got) < 2 || got[0].ID != "ted:1" || got[1].ID != "ted:2" || got[0].Score <= got[1].Score {
		t.Fatalf("ranking %v (closed notices are ranked too: topical fit only)", got)
	}
	if d := Rank(s, m, []passerelle.Opportunity{o3, o2, o1}, 1)["clean"]; len(d) != 1 {
		t.Errorf("depth 1 gave %v", d)
	}
	var b bytes.Buffer
	if err := WriteRun(&b, rk); err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(b.String()), "\n")
	if len(lines) != len(got) || !strings.HasPrefix(lines[0], "clean Q0 ted:1 1 ") || !strings.HasSuffix(lines[0], " passerelle") {
		t.Errorf("run:\n%s", b.String())
	}
}
