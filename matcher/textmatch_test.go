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
