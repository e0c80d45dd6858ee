package source

import (
	"testing"

	"github.com/passerelle/passerelle"
)

// Issue 9, defect 6: multilingual arrays are read in the source's language, the others kept
// as translations; a list-valued language is not lost; a buyer is one name, not three.
func TestJSONMultilingualArrays(t *testing.T) {
	src := passerelle.Source{ID: "bosa", Format: "json", Language: "fr", Options: map[string]string{
		"json.items": "publications", "json.id": "publicationReferenceNumber", "json.title": "dossier.titles",
		"json.description": "dossier.descriptions", "json.buyer": "organisation.organisationNames",
		"json.language": "publicationLanguages", "json.cpv": "cpvMainCode.code", "json.deadline": "vaultSubmissionDeadline",
	}}
	ops, err := parseFile(t, "testdata/multilingual.json", src)
	if err != nil || len(ops) != 2 {
		t.Fatalf("%d records, %v", len(ops), err)
	}
	a, b := ops[0], ops[1]
	if a.Language != "fr" || a.Title != "Reconstruction hôpital — lot informatique et réseaux" || a.Buyer != "CHR Haute Senne" ||
		a.Translations["nl"].Title != "Heraanleg ziekenhuis — perceel IT en netwerken" ||
		a.Translations["nl"].Description != "Levering en installatie van de netwerkinfrastructuur van het nieuwe ziekenhuis." ||
		a.Description != "Fourniture et installation de l'infrastructure réseau du nouvel hôpital." || a.Deadline == nil {
		t.Errorf("bilingual record: %+v", a)
	}
	// Published in Dutch with a French title too: the source's French is picked, and the
	// Dutch description stays with its Dutch title.
	if b.Language != "fr" || b.Title != "Entretien de l'éclairage public" || b.Description != "" || b.Buyer != "Kasterlee" ||
		b.Translations["nl"].Title != "Onderhoud openbare verlichting" ||
		b.Translations["nl"].Description != "Raamovereenkomst voor het onderhoud van de openbare verlichting." {
		t.Errorf("second record: %+v", b)
	}
	// A Dutch source reads both in Dutch.
	src.Language = "nl"
	ops, err = parseFile(t, "testdata/multilingual.json", src)
	if err != nil || ops[0].Language != "nl" || ops[0].Title != "Heraanleg ziekenhuis — perceel IT en netwerken" ||
		ops[1].Title != "Onderhoud openbare verlichting" || ops[1].Translations["fr"].Title == "" {
		t.Errorf("Dutch source: %+v, %v", ops, err)
	}
	// No source language: the record's first declared language (a list) is kept.
	src.Language = ""
	ops, err = parseFile(t, "testdata/multilingual.json", src)
	if err != nil || ops[0].Language != "fr" || ops[1].Language != "nl" {
		t.Errorf("languages from the list: %q %q, %v", ops[0].Language, ops[1].Language, err)
	}
}
