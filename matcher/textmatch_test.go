package matcher

import (
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// A description says first what it is about: the same skill, named in the first lines of
// one call and only in the closing conditions of another of the same length, counts more
// in the first (leadFactor); the ablation weighs both alike.
func TestLeadOfTheDescriptionCountsMore(t *testing.T) {
	filler := strings.Repeat("The consortium will coordinate work packages with partners across member states. ", 12)
	lead := passerelle.Opportunity{ID: "lead", Language: "en", Title: "Call for projects",
		Description: "Projects will build predictive maintenance for production lines. " + filler}
	tail := passerelle.Opportunity{ID: "tail", Language: "en", Title: "Call for projects",
		Description: filler + "Projects will build predictive maintenance for production lines. "}
	m := passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Skills: []string{"predictive maintenance"}}
	s := newTestScorer(t)
	a, exA := s.Topical(&m, &lead)
	b, _ := s.Topical(&m, &tail)
	if a <= b || b <= 0 {
		t.Errorf("skill at the lead %.2f, at the end %.2f: want the lead above, both found", a, b)
	}
	if len(exA.Contributions) == 0 || !strings.Contains(exA.Contributions[0].Evidence, "predictive maintenance") {
		t.Errorf("evidence %+v: want the skill quoted", exA)
	}
	off := newTestScorer(t)
	if err := off.Ablate("lead"); err != nil {
		t.Fatal(err)
	}
	a, _ = off.Topical(&m, &lead)
	b, _ = off.Topical(&m, &tail)
	if a != b {
		t.Errorf("ablated: lead %.2f, end %.2f: want them equal", a, b)
	}
}

// A skill found in the description counts more when the title holds its words too, and
// the evidence quotes the title; with codes, or with the technique off, it does not.
func TestTitleConfirmsTheDescription(t *testing.T) {
	desc := "Projects will deploy edge computing for factories and measure the gains."
	confirmed := passerelle.Opportunity{ID: "a", Language: "en", Title: "Edge infrastructures for industry", Description: desc}
	plain := passerelle.Opportunity{ID: "b", Language: "en", Title: "Infrastructures for industry", Description: desc}
	m := passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Skills: []string{"edge computing"}}
	s := newTestScorer(t)
	a, ex := s.Topical(&m, &confirmed)
	b, _ := s.Topical(&m, &plain)
	if a <= b || b <= 0 {
		t.Errorf("confirmed by the title %.2f, not %.2f: want the first above, both found", a, b)
	}
	if len(ex.Contributions) == 0 || !strings.Contains(ex.Contributions[0].Evidence, "confirmed by title 'Edge'") ||
		ex.Contributions[0].Reason == nil || ex.Contributions[0].Reason.Args["title_found"] != "Edge" {
		t.Errorf("evidence %+v: want the title's word quoted", ex.Contributions)
	}
	off := newTestScorer(t)
	if err := off.Ablate("title"); err != nil {
		t.Fatal(err)
	}
	if a, _ := off.Topical(&m, &confirmed); a != b {
		t.Errorf("ablated: %.2f with the title's word, %.2f without: want them equal", a, b)
	}
	coded := confirmed
	coded.CPV = []string{"72000000"}
	codedPlain := plain
	codedPlain.CPV = coded.CPV
	ca, _ := s.Topical(&m, &coded)
	cb, _ := s.Topical(&m, &codedPlain)
	if ca != cb {
		t.Errorf("with codes the title's word moved the score: %.2f vs %.2f", ca, cb)
	}
}
