package matcher

import (
	"fmt"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// A French word neither dictionary knows is rendered by its English cognate only when
// the corpus's English notices use that word; the evidence says it is a cognate.
func TestCognates(t *testing.T) {
	c := NewCorpus(nil)
	for i := 0; i < corpusMinDocs+5; i++ {
		o := passerelle.Opportunity{ID: fmt.Sprint(i), Language: "en", Title: fmt.Sprintf("Bioinformatics pipelines for genomic data, topic %d", i)}
		c.Add(&o)
	}
	tr := defaultTranslator()
	if got := tr.translateKnown("bioinformatique", nil); len(got) != 0 {
		t.Errorf("without a corpus, cognates guessed: %+v", got)
	}
	got := tr.translateKnown("bioinformatique", c.known())
	if len(got) == 0 || !strings.HasPrefix(got[0].text, "bioinformatic") || !strings.Contains(got[0].via, "cognate") || got[0].lang != langEN {
		t.Fatalf("bioinformatique → %+v, want its English cognate, said so", got)
	}
	if got := tr.translateKnown("xylophonique", c.known()); len(got) != 0 {
		t.Errorf("a cognate the corpus never uses was believed: %+v", got)
	}
	// The skill's translation is a wording of its own, for English notices.
	s := newTestScorer(t)
	s.SetCorpus(c)
	m := passerelle.Member{ID: "bio", Name: "B", Tier: passerelle.TierPremium, Skills: []string{"bioinformatique"}}
	o := passerelle.Opportunity{ID: "call", Language: "en", Title: "Bioinformatics for rare diseases"}
	score, ex := s.Topical(&m, &o)
	if score <= 0 || len(ex.Contributions) == 0 || !strings.Contains(ex.Contributions[0].Evidence, "cognate") {
		t.Errorf("French skill on an English call: %.1f %+v", score, ex)
	}
	// With the technique turned off (eval --ablate cognates), nothing renders the word.
	off := newTestScorer(t)
	off.SetCorpus(c)
	if err := off.Ablate("cognates"); err != nil {
		t.Fatal(err)
	}
	if score, ex := off.Topical(&m, &o); score != 0 {
		t.Errorf("without cognates the French skill still finds the English call: %.1f %+v", score, ex)
	}
}

// A French skill finds a German notice without codes through the German CPV label of the
// skill's concept, and says so; with the technique off, nothing does.
func TestLabelWordings(t *testing.T) {
	s := newTestScorer(t)
	sk := s.intern("s", "nettoyage de bureaux")
	var label, code string
	for _, c := range sk.concepts {
		if !c.rolled && c.weight >= labelMinWeight && len(c.prefix) >= labelMinDigits {
			code, label = c.code, s.voc.Label(c.code, "de")
			break
		}
	}
	if label == "" {
		t.Fatalf("no sure, specific concept for the skill: %+v", sk.concepts)
	}
	m := passerelle.Member{ID: "clean", Name: "C", Tier: passerelle.TierPremium, Skills: []string{"nettoyage de bureaux"}}
	o := passerelle.Opportunity{ID: "de", Language: "de", Title: label + " für das Rathaus"}
	score, ex := s.Topical(&m, &o)
	if score <= 0 || len(ex.Contributions) == 0 || !strings.Contains(ex.Contributions[0].Evidence, "CPV "+code+" label in de") {
		t.Errorf("German notice %q: %.1f %+v", o.Title, score, ex)
	}
	off := newTestScorer(t)
	if err := off.Ablate("labels"); err != nil {
		t.Fatal(err)
	}
	if score, ex := off.Topical(&m, &o); score != 0 {
		t.Errorf("without label wordings the German notice still scores %.1f: %+v", score, ex)
	}
}

// The spelling rules cover what French doubles (personnalisé, conversationnel), its
// participles in -ué (distribué distributed), and a borrowing English notices use as
// written (cloud) — each only where the corpus's English notices use the word.
func TestCognateSpellings(t *testing.T) {
	c := NewCorpus(nil)
	for i := 0; i < corpusMinDocs+5; i++ {
		o := passerelle.Opportunity{ID: fmt.Sprint(i), Language: "en",
			Title: fmt.Sprintf("Personalised medicine, conversational agents, distributed storage and sovereign cloud, topic %d", i)}
		c.Add(&o)
	}
	tr := defaultTranslator()
	for fr, want := range map[string]string{
		"médecine personnalisée":  "personalised",
		"agents conversationnels": "conversational",
		"stockage distribué":      "distributed",
		"cloud souverain":         "cloud",
	} {
		got := tr.translateKnown(fr, c.known())
		if len(got) == 0 || !strings.Contains(got[0].text, want) || !strings.Contains(got[0].via, "cognate") {
			t.Errorf("%s → %+v, want %q as a cognate", fr, got, want)
		}
	}
	// Passed through only when the English notices use the word: "souverain" is not.
	if cs := cognatesOf("souverain", 0, func(w string) bool { return c.known()(w, 1) }); len(cs) != 0 {
		t.Errorf("souverain passed through as %v", cs)
	}
}

// An English skill read as French must not come back as its own words reordered
// ("training skill digital"): the echo is no translation.
func TestNoEchoFromTheOtherSide(t *testing.T) {
	c := NewCorpus(nil)
	for i := 0; i < corpusMinDocs+5; i++ {
		o := passerelle.Opportunity{ID: fmt.Sprint(i), Language: "en", Title: fmt.Sprintf("Digital skills and training for workers, topic %d", i)}
		c.Add(&o)
	}
	for _, tr := range defaultTranslator().translateKnown("digital skills training", c.known()) {
		if looseBag(tr.text) == looseBag("digital skills training") {
			t.Errorf("'digital skills training' → %q (%s): its own words", tr.text, tr.via)
		}
	}
	// A French skill reordered into English stays: the order is the translation.
	if got := defaultTranslator().translateKnown("sécurité des réseaux", c.known()); len(got) == 0 {
		t.Error("'sécurité des réseaux' lost its translation")
	}
}

// Each word pair names its own bridge: the cognate first, the aligned sense second, never
// the cognate's mark on the other sense.
func TestEachSenseNamesItsBridge(t *testing.T) {
	c := NewCorpus(nil)
	for i := 0; i < corpusMinDocs+5; i++ {
		o := passerelle.Opportunity{ID: fmt.Sprint(i), Language: "en", Title: fmt.Sprintf("Personalised medicine for rare diseases, topic %d", i)}
		c.Add(&o)
	}
	got := defaultTranslator().translateKnown("médecine personnalisée", c.known())
	if len(got) == 0 || !strings.Contains(got[0].via, "personnalisée (cognate)→personalised") {
		t.Fatalf("médecine personnalisée → %+v, want the cognate first, said so", got)
	}
	for _, tr := range got[1:] {
		if strings.Contains(tr.via, "(cognate)→") && !strings.Contains(tr.via, "(cognate)→personalised") {
			t.Errorf("%q via %q: the cognate's mark on another sense", tr.text, tr.via)
		}
	}
}
