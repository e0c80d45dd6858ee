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
	_, exA := s.Topical(&m, &lead)
	a, b := topicalPair(s, &m, &lead, &tail)
	if a <= b || b <= 0 {
		t.Errorf("skill at the lead %.2f, at the end %.2f: want the lead above, both found", a, b)
	}
	if len(exA.Contributions) == 0 || !strings.Contains(exA.Contributions[0].Evidence, "predictive maintenance") {
		t.Errorf("evidence %+v: want the skill quoted", exA)
	}
	if a, b := topicalPair(ablatedScorer(t, "lead"), &m, &lead, &tail); a != b {
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
	_, ex := s.Topical(&m, &confirmed)
	a, b := topicalPair(s, &m, &confirmed, &plain)
	if a <= b || b <= 0 {
		t.Errorf("confirmed by the title %.2f, not %.2f: want the first above, both found", a, b)
	}
	if len(ex.Contributions) == 0 || !strings.Contains(ex.Contributions[0].Evidence, "confirmed by title 'Edge'") ||
		ex.Contributions[0].Reason == nil || ex.Contributions[0].Reason.Args["title_found"] != "Edge" {
		t.Errorf("evidence %+v: want the title's word quoted", ex.Contributions)
	}
	if a, _ := ablatedScorer(t, "title").Topical(&m, &confirmed); a != b {
		t.Errorf("ablated: %.2f with the title's word, %.2f without: want them equal", a, b)
	}
	coded := confirmed
	coded.CPV = []string{"72000000"}
	codedPlain := plain
	codedPlain.CPV = coded.CPV
	if ca, cb := topicalPair(s, &m, &coded, &codedPlain); ca != cb {
		t.Errorf("with codes the title's word moved the score: %.2f vs %.2f", ca, cb)
	}
}

// ablatedScorer is a test scorer with the named techniques turned off.
func ablatedScorer(t testing.TB, names ...string) *Scorer {
	t.Helper()
	s := newTestScorer(t)
	if err := s.Ablate(names...); err != nil {
		t.Fatal(err)
	}
	return s
}

// topicalPair is the topical scores of m on a and on b.
func topicalPair(s *Scorer, m *passerelle.Member, a, b *passerelle.Opportunity) (float64, float64) {
	x, _ := s.Topical(m, a)
	y, _ := s.Topical(m, b)
	return x, y
}

// A member who writes a skill in both languages ("espaces de données", "data spaces")
// does not count the call's words twice: the French skill's translation and the English
// skill find the same wording, one piece of evidence, counted once at its best reading.
func TestOneWordingCountsOnce(t *testing.T) {
	call := passerelle.Opportunity{ID: "c", Language: "en", Title: "Common European data spaces",
		Description: "The action deploys data spaces for the energy sector."}
	both := passerelle.Member{ID: "b", Name: "B", Tier: passerelle.TierPremium, Skills: []string{"espaces de données", "data spaces"}}
	english := passerelle.Member{ID: "e", Name: "E", Tier: passerelle.TierPremium, Skills: []string{"data spaces"}}
	s := newTestScorer(t)
	b, ex := s.Topical(&both, &call)
	e, _ := s.Topical(&english, &call)
	if e <= 0 || b != e {
		t.Errorf("both languages %.2f, English alone %.2f: want the same, found", b, e)
	}
	if len(ex.Contributions) != 1 || !strings.Contains(ex.Contributions[0].Evidence, "skill 'data spaces'") {
		t.Errorf("evidence %+v: want one contribution, the English skill's own hit", ex.Contributions)
	}
}
