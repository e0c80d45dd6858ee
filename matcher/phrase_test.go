package matcher

import (
	"slices"
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

// A synonym group's entry found inside a longer skill is replaced only by the entries of
// the skill's language (acronyms belong to the language whose words they spell), so no
// wording is half French, half English; a skill that is an entry whole takes them all.
func TestSynonymsKeepTheSkillsLanguage(t *testing.T) {
	s := newTestScorer(t)
	for _, tc := range []struct {
		skill     string
		want, not []string
	}{
		{"audit de cybersécurité", []string{"audit de sécurité informatique"}, []string{"audit de IT security", "audit de cybersecurity"}},
		{"intelligence artificielle générative", []string{"IA generative"}, []string{"AI générative", "artificial intelligence générative"}},
		{"edge AI", []string{"edge artificial intelligence"}, []string{"edge IA", "edge intelligence artificielle"}},
		{"cybersécurité", []string{"IT security", "cybersecurity", "sécurité informatique"}, nil},
	} {
		got := s.synonymsOf(tc.skill)
		for _, w := range tc.want {
			if !slices.Contains(got, w) {
				t.Errorf("synonyms of %q = %q: want %q", tc.skill, got, w)
			}
		}
		for _, w := range tc.not {
			if slices.Contains(got, w) {
				t.Errorf("synonyms of %q = %q: %q mixes two languages", tc.skill, got, w)
			}
		}
	}
	// The translation's own synonyms, in its language.
	p := s.intern("s", "imagerie médicale par IA")
	var texts []string
	for _, va := range p.alts {
		texts = append(texts, va.text)
	}
	if !slices.Contains(texts, "artificial intelligence medical imaging") {
		t.Errorf("wordings of 'imagerie médicale par IA' = %q: want the synonym of its translation 'AI medical imaging'", texts)
	}
}
