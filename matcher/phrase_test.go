package matcher

import (
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// A phrase is claimed only where the skill's own words stand: a word that merely shares a
// stem with one of them ("generation" for "generative") does not make the phrase, even
// when the word itself occurs elsewhere in the text. The skill is then found scattered,
// and the evidence says so rather than quoting the wrong words as the phrase.
func TestPhraseOnlyWhereTheWordsAre(t *testing.T) {
	s := newTestScorer(t)
	m := passerelle.Member{ID: "m", Tier: passerelle.TierPremium, Skills: []string{"generative artificial intelligence"}}
	call := func(desc string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: "c", Kind: passerelle.KindCall, Language: "en", Title: "Frontier research",
			Description: desc, Deadline: days(30), Status: passerelle.StatusOpen}
	}
	textOf := func(o passerelle.Opportunity) (float64, string) {
		got, _ := s.Score(&m, &o, now)
		for _, c := range got.Explanation.Contributions {
			if c.Signal == "text" {
				return c.Points, c.Evidence
			}
		}
		t.Fatalf("no text contribution on %q: %+v", o.Description, got.Explanation)
		return 0, ""
	}
	stemOnly := call("The next generation of frontier Artificial Intelligence for science. Generative models are studied in a second work package, far from the first.")
	points, ev := textOf(stemOnly)
	if strings.Contains(ev, "= description") || strings.Contains(ev, "generation of") {
		t.Errorf("phrase claimed at a word sharing only a stem: %s", ev)
	}
	phrase := call("The next generation of generative artificial intelligence for science.")
	pp, pev := textOf(phrase)
	if !strings.Contains(pev, "= description 'generative artificial intelligence'") {
		t.Errorf("the phrase as written is not found as the phrase: %s", pev)
	}
	if pp <= points {
		t.Errorf("the phrase as written gives %.2f, no more than the words scattered (%.2f)", pp, points)
	}
}
