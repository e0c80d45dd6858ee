package matcher

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

func coded(id, title, code string) passerelle.Opportunity {
	return passerelle.Opportunity{ID: id, Language: "fr", Title: title, CPV: []string{code}}
}

// codedCorpus is a corpus of n notices per group: title (a format taking the notice's
// number) and code.
func codedCorpus(groups ...group) *Corpus {
	c := NewCorpus(nil)
	for gi, g := range groups {
		for i := 0; i < g.n; i++ {
			o := coded(fmt.Sprint(gi, "-", i), fmt.Sprintf(g.title, i), g.code)
			c.Add(&o)
		}
	}
	return c
}

type group = struct {
	n           int
	title, code string
}

// A notice without codes borrows the code group its nearest coded notices agree on, with
// a confidence and the count that says how many of them carry it; a notice like none of
// them borrows nothing.
func TestInferCodes(t *testing.T) {
	c := codedCorpus(group{8, "Audit de cybersécurité et tests d'intrusion du système d'information %d", "72212730"},
		group{8, "Nettoyage des locaux et des vitres de la mairie %d", "90919200"})
	voc := DefaultVocabulary()
	q := passerelle.Opportunity{Language: "fr", Title: "Tests d'intrusion et audit de cybersécurité des serveurs"}
	got := c.ex.infer(docFields(&q), voc, allInference)
	if len(got) == 0 || got[0].code[:3] != "722" || got[0].conf < 0.5 || got[0].of < 5 || got[0].k < got[0].of {
		t.Fatalf("inferred %+v, want group 722 first, confidently, from most neighbours", got)
	}
	for _, x := range got {
		if x.code[:3] == "909" {
			t.Errorf("cleaning inferred for a security audit: %+v", got)
		}
	}
	far := passerelle.Opportunity{Language: "fr", Title: "Fourniture de carburant pour la flotte de bus"}
	if got := c.ex.infer(docFields(&far), voc, inferOptions{closer: true, lead: true}); len(got) != 0 {
		t.Errorf("a notice like none of the coded notices borrowed %+v", got)
	}
	// The vocabulary's own labels still name what it buys, and say they are labels.
	got = c.ex.infer(docFields(&far), voc, allInference)
	if len(got) == 0 || got[0].code[:3] != "091" || got[0].lab != got[0].of {
		t.Errorf("fuel inferred from the CPV labels as %+v, want group 091 (fuels), from labels only", got)
	}
}

// A call for funding borrows no codes: the coded examples are purchases, and a grant is
// not one, however close its words.
func TestNoCodesInferredForFundingCalls(t *testing.T) {
	c := codedCorpus(group{8, "Audit de cybersécurité et tests d'intrusion du système d'information %d", "72212730"})
	s, err := NewScorer(DefaultRules(), DefaultVocabulary())
	if err != nil {
		t.Fatal(err)
	}
	s.SetCorpus(c)
	tender := passerelle.Opportunity{ID: "t", Language: "fr", Kind: passerelle.KindTender, Title: "Tests d'intrusion et audit de cybersécurité des serveurs"}
	if d := s.analyzeDoc(&tender); len(d.inferred) == 0 {
		t.Fatal("the tender borrowed no code: the test proves nothing")
	}
	for _, o := range []passerelle.Opportunity{
		{ID: "g", Language: "fr", Kind: passerelle.KindGrant, Title: tender.Title},
		{ID: "c1", Language: "fr", Kind: passerelle.KindCall, Title: tender.Title, ActionType: "HORIZON Innovation Actions"},
		{ID: "c2", Language: "fr", Kind: passerelle.KindCall, Title: tender.Title, Programme: "Digital Europe Programme"},
	} {
		if d := s.analyzeDoc(&o); len(d.inferred) != 0 {
			t.Errorf("%s (kind %s, programme %q, action %q) borrowed %+v", o.ID, o.Kind, o.Programme, o.ActionType, d.inferred)
		}
	}
}

// The examples overrule a skill's labels where they clearly disagree (construction works
// for "entretien et réparation", when the notices using the words are repair services);
// and where no label says it, they add the group they agree on, saying how many notices
// it rests on.
func TestLearnedConcepts(t *testing.T) {
	c := codedCorpus(group{15, "Entretien et réparation des ascenseurs du bâtiment %d", "50750000"},
		group{30, "Fourniture de mobilier de bureau lot %d", "39130000"})
	plain := newTestScorer(t)
	labels := plain.intern("s", "entretien et réparation").concepts
	s := newTestScorer(t)
	s.SetCorpus(c) // before the skill is interned: phrases are compiled once per scorer
	learned := s.intern("s", "entretien et réparation").concepts
	var got []string
	found := false
	for _, x := range learned {
		got = append(got, x.prefix)
		if strings.HasPrefix(x.prefix, "45") {
			t.Errorf("construction concept %s kept though no notice using these words is a construction notice", x.prefix)
		}
		if strings.HasPrefix("50750000", x.prefix) {
			found = true // the labels' repair division, or the group learned
		}
	}
	if !found {
		t.Errorf("concepts %v: nothing covers the repair services the notices are coded with", got)
	}
	t.Logf("labels %d concepts, learned %v", len(labels), got)

	// A word no label knows: the examples alone give its group.
	c2 := codedCorpus(group{10, "Exploitation de grappes Kubernetes et supervision %d", "72514000"},
		group{40, "Fourniture de mobilier de bureau lot %d", "39130000"})
	s2 := newTestScorer(t)
	s2.SetCorpus(c2)
	k := s2.intern("s", "Kubernetes").concepts
	if len(k) == 0 || !strings.HasPrefix("72514000", k[0].prefix) || !strings.Contains(k[0].why, "learned: 10 of the 10 coded notices") {
		t.Errorf("Kubernetes concepts %+v, want the group of its notices, learned", k)
	}
}

// A bridge file written is read back the same; bad lines are refused with their number;
// Without leaves out the notices named.
func TestBridgeFile(t *testing.T) {
	ops := []passerelle.Opportunity{coded("a", "Audit de cybersécurité", "72212730"), coded("b", "Nettoyage des vitres", "90911300"),
		{ID: "c", Language: "fr", Title: "Sans code"}}
	var buf bytes.Buffer
	n, err := WriteBridge(&buf, ops)
	if err != nil || n != 2 {
		t.Fatalf("wrote %d examples (%v), want 2: the one without codes is no example", n, err)
	}
	b, err := ReadBridge(bytes.NewReader(buf.Bytes()))
	if err != nil || b.Len() != 2 {
		t.Fatalf("read %d examples: %v", b.Len(), err)
	}
	if w := b.Without(map[string]bool{"a": true}); w.Len() != 1 || w.ex[0].id != "b" {
		t.Errorf("Without(a) holds %d examples", w.Len())
	}
	for _, bad := range []string{"a\t72212730", "a\tnot-a-code\t1fr:audit:1", "a\t72212730\t1fraudit"} {
		input := buf.String() + bad + "\n"
		if _, err := ReadBridge(strings.NewReader(input)); err == nil || !strings.Contains(err.Error(), "line 3") {
			t.Errorf("bad line %q: error %v, want one naming line 3", bad, err)
		}
	}
}

// The closest neighbours weigh more than a tail of loosely alike ones (votePower): two
// notices saying what the query says outvote eight that share a word or two with it more
// than they would by plain similarity.
func TestInferCloserNeighboursWeighMore(t *testing.T) {
	c := codedCorpus(group{2, "Maintenance des ascenseurs et monte-charges de l'hôpital %d", "50750000"},
		group{8, "Travaux de rénovation des bâtiments de l'hôpital et maintenance %d", "45453000"})
	voc := DefaultVocabulary()
	q := passerelle.Opportunity{Language: "fr", Title: "Maintenance des ascenseurs et monte-charges de l'hôpital"}
	confOf := func(closer bool) (lift, works float64) {
		for _, x := range c.ex.infer(docFields(&q), voc, inferOptions{closer: closer, lead: true}) {
			switch x.code[:3] {
			case "507":
				lift = x.conf
			case "454":
				works = x.conf
			}
		}
		return lift, works
	}
	lift, works := confOf(true)
	plainLift, plainWorks := confOf(false)
	if lift <= 0 || plainLift <= 0 {
		t.Fatalf("lift maintenance not inferred: %.2f closer, %.2f plain", lift, plainLift)
	}
	if lift <= plainLift || works >= plainWorks {
		t.Errorf("closer neighbours: lift maintenance %.2f (plain %.2f), works %.2f (plain %.2f); want the close pair to gain, the loose tail to lose",
			lift, plainLift, works, plainWorks)
	}
}

// The evidence of an inferred code counts the neighbours that carry its group by kind —
// coded notices, CPV labels — and never calls labels notices.
func TestCarriersNameTheirKind(t *testing.T) {
	for _, tc := range []struct {
		x    inferred
		want string
	}{
		{inferred{of: 6, k: 10}, "6 of the 10 closest coded notices"},
		{inferred{of: 4, lab: 4, k: 10, kLab: 10}, "4 of the 10 closest CPV labels"},
		{inferred{of: 4, lab: 4, k: 10, kLab: 5}, "4 CPV labels of the 10 closest examples (5 coded notices, 5 CPV labels)"},
		{inferred{of: 1, k: 10, kLab: 5}, "1 coded notice of the 10 closest examples (5 coded notices, 5 CPV labels)"},
		{inferred{of: 4, lab: 1, k: 10, kLab: 3}, "3 coded notices and 1 CPV label of the 10 closest examples (7 coded notices, 3 CPV labels)"},
	} {
		if got := carriers(tc.x); got != tc.want {
			t.Errorf("carriers(%+v) = %q, want %q", tc.x, got, tc.want)
		}
	}
}

// A notice without codes is compared on what its description says first: the same words,
// the cleaning first and the building works last, or the other way round, borrow the
// codes of the part they lead with (leadOf); without lead, both borrow the same.
func TestInferReadsTheLead(t *testing.T) {
	c := codedCorpus(group{8, "Nettoyage des locaux et des vitres des bâtiments communaux %d", "90919200"},
		group{8, "Travaux de gros œuvre et de maçonnerie pour la construction de l'école %d", "45210000"})
	voc := DefaultVocabulary()
	cleaning := "Le marché porte sur le nettoyage des locaux et des vitres."
	works := "Les travaux de gros œuvre et de maçonnerie de l'école voisine sont en cours."
	filler := strings.Repeat(" Les offres sont remises selon le règlement de la consultation.", 8)
	first := func(desc string, o inferOptions) string {
		q := passerelle.Opportunity{Language: "fr", Title: "Marché 2026", Description: desc}
		got := c.ex.infer(docFields(&q), voc, o)
		if len(got) == 0 {
			return ""
		}
		return got[0].code[:3]
	}
	if g := first(cleaning+filler+" "+works, allInference); g != "909" {
		t.Errorf("cleaning first: group %q inferred first, want 909", g)
	}
	if g := first(works+filler+" "+cleaning, allInference); g != "452" {
		t.Errorf("works first: group %q inferred first, want 452", g)
	}
}
