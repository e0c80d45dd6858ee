package passerelle

import (
	"testing"
	"time"
)

func TestReasonSay(t *testing.T) {
	brussels, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Skip("no zone database:", err)
	}
	now := time.Date(2026, 3, 1, 9, 0, 0, 0, brussels)
	for _, tc := range []struct {
		r      Reason
		fr, en string
	}{
		{Reason{ReasonSkillPhrase, map[string]string{"skill": "cybersécurité", "field": "title"}},
			"Votre compétence « cybersécurité » figure dans le titre",
			"Your skill “cybersécurité” appears in the title"},
		{Reason{ReasonSkillPhrase, map[string]string{"skill": "expérience utilisateur", "field": "description",
			"via": ReasonViaTranslation, "via_term": "user experience", "found": "User Experience"}},
			"Votre compétence « expérience utilisateur » (traduite « user experience ») figure dans la description : « User Experience »",
			"Your skill “expérience utilisateur” (translated “user experience”) appears in the description: “User Experience”"},
		{Reason{ReasonSkillApart, map[string]string{"skill": "API design", "field": "title", "field_lang": "de", "found": "API … Design"}},
			"Les mots de votre compétence « API design » figurent dans le titre (de), à distance : « API … Design »",
			"The words of your skill “API design” appear in the title (de), apart: “API … Design”"},
		{Reason{ReasonCPV, map[string]string{"code": "72212730", "label_fr": "Services de développement de logiciels de sécurité",
			"label_en": "Security software development services", "skill": "cybersécurité"}},
			"Le code CPV 72212730 (Services de développement de logiciels de sécurité) de l'avis correspond à votre compétence « cybersécurité »",
			"The notice's CPV code 72212730 (Security software development services) fits your skill “cybersécurité”"},
		{Reason{ReasonCPV, map[string]string{"code": "72212730", "label_en": "Security software development services", "prefix": "722"}},
			"Le code CPV 72212730 (Security software development services) de l'avis correspond à votre code déclaré 722",
			"The notice's CPV code 72212730 (Security software development services) fits your declared code 722"},
		{Reason{ReasonCPVInferred, map[string]string{"code": "72212000", "of": "6", "k": "10", "conf": "0.58", "skills": "3"}},
			"Code CPV 72212000 déduit des avis semblables (6 des 10 plus proches le portent, confiance 58 %) : il correspond à plusieurs de vos compétences (3)",
			"CPV code 72212000 inferred from similar notices (6 of the 10 closest carry it, confidence 58%): it fits several of your skills (3)"},
		{Reason{ReasonBundleKeyword, map[string]string{"bundle": "security", "bundle_kind": "cluster", "keyword": "cybersecurity", "field": "title"}},
			"Le mot « cybersecurity » de votre grappe Sécurité figure dans le titre",
			"The word “cybersecurity” of your Security cluster appears in the title"},
		{Reason{ReasonDeadline, map[string]string{"date": "2026-03-31T15:00:00Z"}},
			"Clôture le 31 mars 2026 à 17:00 (dans 30 jours)",
			"Closes on 31 March 2026, 17:00 (in 30 days)"},
		{Reason{ReasonDeadline, map[string]string{"date": "2026-03-02T07:00:00Z"}},
			"Clôture le 2 mars 2026 à 08:00 (demain)", "Closes on 2 March 2026, 08:00 (tomorrow)"},
		{Reason{Key: "no.such"}, "no.such", "no.such"},
	} {
		if got := tc.r.Say("fr", now, brussels); got != tc.fr {
			t.Errorf("%s fr:\n got %s\nwant %s", tc.r.Key, got, tc.fr)
		}
		if got := tc.r.Say("en", now, brussels); got != tc.en {
			t.Errorf("%s en:\n got %s\nwant %s", tc.r.Key, got, tc.en)
		}
	}
	// A language without a catalogue reads French, the members' first language.
	r := Reason{ReasonPublished, map[string]string{"date": "2026-02-20T10:00:00Z"}}
	if got, want := r.Say("nl", now, brussels), "Publiée le 20 février 2026 à 11:00"; got != want {
		t.Errorf("nl: got %q, want %q", got, want)
	}
}

// Every key a reason may carry has a message in every catalogue.
func TestCatalogueComplete(t *testing.T) {
	keys := []string{ReasonSkillPhrase, ReasonSkillNear, ReasonSkillApart, ReasonSkillPart, ReasonCPV, ReasonCPVInferred,
		ReasonBundleTagged, ReasonBundleCPV, ReasonBundleKeyword, ReasonDeadline, ReasonPublished, ReasonRegion, ReasonBudget,
		ReasonViaSynonym, ReasonViaTranslation, ReasonViaLabel}
	for lang, c := range catalogues {
		for _, k := range keys {
			if c.msg[k] == "" {
				t.Errorf("catalogue %s has no message %s", lang, k)
			}
		}
		if len(c.msg) != len(catalogues["fr"].msg) {
			t.Errorf("catalogue %s has %d messages, fr %d", lang, len(c.msg), len(catalogues["fr"].msg))
		}
	}
}
