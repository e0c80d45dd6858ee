package matcher

import (
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

func TestPreview(t *testing.T) {
	old := newTestScorer(t)
	r := DefaultRules()
	r.Version = 2
	r.Exclusions = []string{"vitres"} // removes the cleaning tender
	r.Weights.Freshness = 0           // rescores what stays
	nw, err := NewScorer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := []passerelle.Member{cleaner()}
	o1 := cleaningTender()
	o2 := cleaningTender()
	o2.ID, o2.Description = "ted:2", "Nettoyage des bureaux et des sanitaires."
	rep := Preview(old, nw, m, []passerelle.Opportunity{o1, o2}, now)
	if rep.Before != 2 || rep.After != 1 || rep.Removed != 1 || rep.Moved != 1 || rep.Added != 0 || len(rep.Members) != 1 {
		t.Fatalf("report %+v", rep)
	}
	mp := rep.Members[0]
	if mp.Removed[0].Opportunity != "ted:1" || mp.Moved[0].Opportunity != "ted:2" || mp.Moved[0].After >= mp.Moved[0].Before {
		t.Errorf("member preview %+v", mp)
	}
	// The reverse change adds what was removed.
	if back := Preview(nw, old, m, []passerelle.Opportunity{o1, o2}, now); back.Added != 1 || back.Members[0].Added[0].Opportunity != "ted:1" {
		t.Errorf("reverse %+v", back)
	}
}

func TestFeedback(t *testing.T) {
	s := newTestScorer(t)
	m := []passerelle.Member{cleaner()}
	o1 := cleaningTender()
	o2 := passerelle.Opportunity{ID: "ted:9", Title: "Fourniture de carburant", CPV: []string{"09134100"}}
	fb := func(o string, v passerelle.Verdict) passerelle.Match {
		return passerelle.Match{Member: "clean", Opportunity: o, Feedback: &passerelle.Feedback{Verdict: v}}
	}
	judged := []passerelle.Match{
		fb("ted:1", passerelle.VerdictRelevant),
		fb("ted:9", passerelle.VerdictNotRelevant),
		fb("ted:1", passerelle.VerdictDismissed),
		{Member: "clean", Opportunity: "ted:1"}, // no feedback
		fb("gone", passerelle.VerdictRelevant),  // unknown opportunity
	}
	got := Feedback(s, m, []passerelle.Opportunity{o1, o2}, judged)
	want := FeedbackMetrics{Relevant: 1, NotRelevant: 2, Precision: 1.0 / 3, KeptRelevant: 1, KeptNotRelevant: 1, KeptPrecision: 0.5}
	if got != want {
		t.Errorf("Feedback = %+v, want %+v", got, want)
	}
}
