package matcher

import (
	"fmt"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// A word that every notice of the corpus uses weighs little; a rare one weighs in full;
// a description that names the skill three times counts more than one naming it once;
// without a corpus (or too few notices to tell) nothing changes.
func TestCorpusWeighsWords(t *testing.T) {
	var ops []passerelle.Opportunity
	for i := 0; i < 400; i++ {
		o := passerelle.Opportunity{ID: fmt.Sprint("n", i), Language: "fr",
			Title:       fmt.Sprintf("Marché de travaux numéro %d", i),
			Description: "Avis de publicité. Les offres sont remises par voie électronique. " + strings.Repeat("Clause générale. ", i%7)}
		if i == 0 {
			o.Description += " Audit de cybersécurité des serveurs."
		}
		if i == 1 {
			o.Description += " Cybersécurité du réseau, cybersécurité des postes, cybersécurité des serveurs."
		}
		ops = append(ops, o)
	}
	c := NewCorpus(nil)
	for i := range ops {
		c.Add(&ops[i])
	}
	// Where a word stands weighs too (leadFactor); what is measured here is the word.
	s := ablatedScorer(t, "lead")
	hit := func(s *Scorer, skill string, o *passerelle.Opportunity) float64 {
		return s.matchSkill(s.intern("s", skill), s.analyzeDoc(o)).score
	}
	plainGeneric, plainRare := hit(s, "publicité", &ops[0]), hit(s, "cybersécurité", &ops[0])
	if plainGeneric != plainRare {
		t.Fatalf("without a corpus, one word found once scores alike whatever the word: %.3f vs %.3f", plainGeneric, plainRare)
	}
	s.SetCorpus(c)
	generic, rare := hit(s, "publicité", &ops[0]), hit(s, "cybersécurité", &ops[0])
	if !(generic < 0.2*rare) {
		t.Errorf("a word of every notice weighs %.3f against %.3f for a rare one", generic, rare)
	}
	if thrice := hit(s, "cybersécurité", &ops[1]); !(thrice > rare) {
		t.Errorf("named three times %.3f, once %.3f", thrice, rare)
	}
	small := NewCorpus(nil)
	for i := 0; i < corpusMinDocs-1; i++ {
		small.Add(&ops[i])
	}
	s2 := ablatedScorer(t, "lead")
	s2.SetCorpus(small)
	if g := hit(s2, "publicité", &ops[0]); g != plainGeneric {
		t.Errorf("%d notices are too few to judge a word, yet it weighs %.3f instead of %.3f", small.Len(), g, plainGeneric)
	}
}
