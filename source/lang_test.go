package source

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestDetectLanguage(t *testing.T) {
	tests := []struct{ text, want string }{
		{"Appel à projets pour la sécurité informatique des PME et des administrations de la Région", "fr"},
		{"Supply of ultra-low temperature freezers for the storage of critical samples in the laboratory", "en"},
		{"Levering van sensoren voor de zorg en het onderhoud van de installaties in een woonzorgcentrum", "nl"},
		{"Lieferung und Montage von Schließanlagen für die Gebäude der Stadt und des Landkreises", "de"},
		{"Suministro de equipos informáticos para los centros de salud de la provincia y del ayuntamiento", "es"},
		{"Fornitura di servizi di pulizia per gli uffici della regione e delle aziende sanitarie", "it"},
		{"Aquisição de serviços de limpeza para os edifícios da câmara municipal e das escolas", "pt"},
		{"Cybersécurité", ""},     // too short to tell
		{"Data centers: IoT", ""}, // no stop words
		{"", ""},
	}
	for _, tt := range tests {
		if got := DetectLanguage(tt.text); got != tt.want {
			t.Errorf("DetectLanguage(%q) = %q, want %q", tt.text, got, tt.want)
		}
	}
}

func TestNormalizeLanguageAndPlaceholders(t *testing.T) {
	y := func(year int) *time.Time { v := time.Date(year, 12, 31, 0, 0, 0, 0, time.UTC); return &v }
	in := []passerelle.Opportunity{
		{ExternalID: "a", Title: "Marché de travaux pour la rénovation de la piscine et des vestiaires", Deadline: y(2049)},
		{ExternalID: "b", Title: "Call for tenders for the maintenance of the bridges", Deadline: y(2026)},
		{ExternalID: "c", Title: "x", Language: "de", Deadline: y(1970)},
	}
	out := Normalize(in, passerelle.Source{ID: "s"})
	if out[0].Language != "fr" || !out[0].DeadlineUntrusted {
		t.Errorf("a: language %q untrusted %v", out[0].Language, out[0].DeadlineUntrusted)
	}
	if out[1].Language != "en" || out[1].DeadlineUntrusted {
		t.Errorf("b: language %q untrusted %v", out[1].Language, out[1].DeadlineUntrusted)
	}
	if out[2].Language != "de" || !out[2].DeadlineUntrusted {
		t.Errorf("c: language %q untrusted %v", out[2].Language, out[2].DeadlineUntrusted)
	}
}

// TestSharedLanguageDetection measures DetectLanguage on the shared notices written in one
// of the languages it knows (their language is given by the source).
func TestSharedLanguageDetection(t *testing.T) {
	p := filepath.Join(*sharedData, "ted", "notices.jsonl")
	if _, err := os.Stat(p); err != nil {
		t.Skipf("shared data not found at %s", p)
	}
	f, err := os.Open(p)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ops, err := ParseJSONL(context.Background(), f, p, passerelle.Source{ID: "ted"})
	if err != nil {
		t.Fatal(err)
	}
	total, right, undecided := 0, 0, 0
	for _, o := range ops {
		if _, known := stopWords[o.Language]; !known {
			continue
		}
		total++
		switch DetectLanguage(o.Title + "\n" + o.Description) {
		case o.Language:
			right++
		case "":
			undecided++
		}
	}
	t.Logf("language detection: %d/%d right (%.1f%%), %d undecided, %d wrong", right, total, 100*float64(right)/float64(total), undecided, total-right-undecided)
	if float64(right) < 0.9*float64(total) {
		t.Errorf("only %d/%d right", right, total)
	}
}

// Issue 9, defect 8: a CSV line of a few words gets a language: the source's declared one
// (a code or a name), else the batch's clear majority, else a guess from its words.
func TestShortRecordLanguage(t *testing.T) {
	for _, tt := range []struct {
		name, srcLang string
		want          []string
	}{
		{"declared code", "FR", []string{"fr", "fr", "fr", "fr"}},
		{"declared name", "Français", []string{"fr", "fr", "fr", "fr"}},
		// Record 3 has no title and is rejected; records 1, 2 and 4 are read.
		{"nothing declared", "", []string{"fr", "fr", "fr"}},
	} {
		src := passerelle.Source{ID: "csv", Format: "csv", Language: tt.srcLang}
		ops, _ := parseFile(t, "testdata/calls.csv", src)
		ops = Normalize(ops, src)
		var got []string
		for _, o := range ops {
			got = append(got, o.Language)
		}
		if strings.Join(got, ",") != strings.Join(tt.want[:len(got)], ",") || len(got) < 3 {
			t.Errorf("%s: languages %v", tt.name, got)
		}
	}
	// A batch in Dutch decides for its short record.
	ops := Normalize([]passerelle.Opportunity{
		{ExternalID: "1", Title: "Onderhoud van het netwerk voor de scholen van de gemeente en het OCMW"},
		{ExternalID: "2", Title: "Levering van een nieuwe server voor het stadhuis en de bibliotheek"},
		{ExternalID: "3", Title: "Renovatie van het zwembad, de kleedkamers en de cafetaria die door de stad worden beheerd"},
		{ExternalID: "4", Title: "Wifi bibliotheek"},
	}, passerelle.Source{ID: "s"})
	if ops[3].Language != "nl" {
		t.Errorf("short record in a Dutch batch: %q", ops[3].Language)
	}
	if got := detectShortLanguage("Refonte du site web communal"); got != "fr" {
		t.Errorf("short French title: %q", got)
	}
}
