package notify

import (
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestSayReason(t *testing.T) {
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, brussels(t))
	for _, tc := range []struct {
		r      passerelle.Reason
		fr, en string
	}{
		{passerelle.Reason{Key: passerelle.ReasonSkillPhrase, Args: map[string]string{"skill": "cybersécurité", "field": "title"}},
			"Votre compétence « cybersécurité » figure dans le titre",
			"Your skill “cybersécurité” appears in the title"},
		{passerelle.Reason{Key: passerelle.ReasonSkillPhrase, Args: map[string]string{"skill": "expérience utilisateur", "field": "description",
			"via": passerelle.ReasonViaTranslation, "via_term": "user experience", "found": "User Experience"}},
			"Votre compétence « expérience utilisateur » (traduite « user experience ») figure dans la description : « User Experience »",
			"Your skill “expérience utilisateur” (translated “user experience”) appears in the description: “User Experience”"},
		{passerelle.Reason{Key: passerelle.ReasonSkillApart, Args: map[string]string{"skill": "API design", "field": "title", "field_lang": "de", "found": "API … Design"}},
			"Les mots de votre compétence « API design » figurent dans le titre (de), à distance : « API … Design »",
			"The words of your skill “API design” appear in the title (de), apart: “API … Design”"},
		{passerelle.Reason{Key: passerelle.ReasonCPV, Args: map[string]string{"code": "72212730", "label_fr": "Services de développement de logiciels de sécurité",
			"label_en": "Security software development services", "skill": "cybersécurité"}},
			"Le code CPV 72212730 (Services de développement de logiciels de sécurité) de l'avis correspond à votre compétence « cybersécurité »",
			"The notice's CPV code 72212730 (Security software development services) fits your skill “cybersécurité”"},
		{passerelle.Reason{Key: passerelle.ReasonCPV, Args: map[string]string{"code": "72212730", "label_en": "Security software development services", "prefix": "722"}},
			"Le code CPV 72212730 (Security software development services) de l'avis correspond à votre code déclaré 722",
			"The notice's CPV code 72212730 (Security software development services) fits your declared code 722"},
		{passerelle.Reason{Key: passerelle.ReasonCPVInferred, Args: map[string]string{"code": "72212000", "of": "6", "k": "10", "conf": "0.58", "skills": "3"}},
			"Code CPV 72212000 déduit des avis semblables (6 des 10 plus proches le portent, confiance 58 %) : il correspond à plusieurs de vos compétences (3)",
			"CPV code 72212000 inferred from similar notices (6 of the 10 closest carry it, confidence 58%): it fits several of your skills (3)"},
		{passerelle.Reason{Key: passerelle.ReasonBundleKeyword, Args: map[string]string{"bundle": "security", "bundle_kind": "cluster", "keyword": "cybersecurity", "field": "title"}},
			"Le mot « cybersecurity » de votre grappe Sécurité figure dans le titre",
			"The word “cybersecurity” of your Security cluster appears in the title"},
		{passerelle.Reason{Key: passerelle.ReasonDeadline, Args: map[string]string{"date": "2026-03-31T15:00:00Z"}},
			"Clôture le 31 mars 2026 à 17:00 (dans 30 jours)",
			"Closes on 31 March 2026, 17:00 (in 30 days)"},
		{passerelle.Reason{Key: passerelle.ReasonDeadline, Args: map[string]string{"date": "2026-03-02T07:00:00Z"}},
			"Clôture le 2 mars 2026 à 08:00 (demain)", "Closes on 2 March 2026, 08:00 (tomorrow)"},
		{passerelle.Reason{Key: "no.such"}, "no.such", "no.such"},
	} {
		if got := Say(tc.r, "fr", now); got != tc.fr {
			t.Errorf("%s fr:\n got %s\nwant %s", tc.r.Key, got, tc.fr)
		}
		if got := Say(tc.r, "en", now); got != tc.en {
			t.Errorf("%s en:\n got %s\nwant %s", tc.r.Key, got, tc.en)
		}
	}
	// A language without a catalogue reads French, the members' first language.
	r := passerelle.Reason{Key: passerelle.ReasonPublished, Args: map[string]string{"date": "2026-02-20T10:00:00Z"}}
	if got, want := Say(r, "nl", now), "Publiée le 20 février 2026 à 11:00"; got != want {
		t.Errorf("nl: got %q, want %q", got, want)
	}
}

// Every key a reason may carry has a message in each language, and both languages say
// the same set of things.
func TestReasonCatalogueComplete(t *testing.T) {
	keys := []string{passerelle.ReasonSkillPhrase, passerelle.ReasonSkillNear, passerelle.ReasonSkillApart, passerelle.ReasonSkillPart, passerelle.ReasonCPV, passerelle.ReasonCPVInferred,
		passerelle.ReasonBundleTagged, passerelle.ReasonBundleCPV, passerelle.ReasonBundleKeyword, passerelle.ReasonDeadline, passerelle.ReasonPublished, passerelle.ReasonRegion, passerelle.ReasonBudget,
		passerelle.ReasonViaSynonym, passerelle.ReasonViaTranslation, passerelle.ReasonViaLabel}
	for lang, c := range reasonTexts {
		for _, k := range keys {
			if c[k] == "" {
				t.Errorf("catalogue %s has no message %s", lang, k)
			}
		}
		for k := range reasonTexts["fr"] {
			if c[k] == "" {
				t.Errorf("catalogue %s lacks %s, which French has", lang, k)
			}
		}
	}
}
