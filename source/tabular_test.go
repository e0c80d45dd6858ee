package source

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestParseCSV(t *testing.T) {
	bru := brussels(t)
	src := passerelle.Source{ID: "wal", Format: "csv", Options: map[string]string{"csv.value": "Montant estimé"}}
	ops, err := parseFile(t, "testdata/calls.csv", src)
	var re *RecordErrors
	if !errors.As(err, &re) || len(re.Errs) != 2 {
		t.Fatalf("err = %v, want 2 bad rows", err)
	}
	if e := re.Errs[0]; e.Record != 3 || e.Line != 4 || e.Field != "Intitulé" {
		t.Errorf("first bad row %v, want record 3, line 4, field Intitulé", e)
	}
	if e := re.Errs[1]; e.Record != 5 || e.Field != "Date limite" || !strings.Contains(e.Error(), `"31/02/2026"`) {
		t.Errorf("second bad row %v", e)
	}
	if len(ops) != 3 {
		t.Fatalf("got %d rows, want 3", len(ops))
	}
	a := ops[0]
	if a.ID != "wal:2026-AO-001" || a.Title != "Refonte du site web communal" || a.Buyer != "Commune de Wavre" || a.URL != "https://marches.example.be/2026-AO-001" {
		t.Errorf("row 1: %+v", a)
	}
	if want := time.Date(2026, 3, 15, 12, 0, 0, 0, bru); a.Deadline == nil || !a.Deadline.Equal(want) {
		t.Errorf("row 1 deadline %v, want %v", a.Deadline, want)
	}
	if strings.Join(a.CPV, ",") != "72413000,72212224" || a.Value == nil || a.Value.Amount != 120000 || a.Value.Currency != "EUR" {
		t.Errorf("row 1 cpv %v value %+v", a.CPV, a.Value)
	}
	if b := ops[1]; b.Title != "Maintenance des serveurs; sauvegardes" || b.Value == nil || b.Value.Amount != 45000 ||
		b.Deadline == nil || !b.Deadline.Equal(time.Date(2026, 4, 1, 23, 59, 59, 0, bru)) {
		t.Errorf("row 2 (quoted delimiter, bare date): %+v value %+v", b, b.Value)
	}
	if c := ops[2]; c.Deadline == nil || !c.Deadline.Equal(time.Date(2026, 4, 30, 23, 59, 59, 0, bru)) {
		t.Errorf("row 4 (\"30 avril 2026\"): deadline %v", c.Deadline)
	}
}

func TestParseCSVOptions(t *testing.T) {
	win1252 := "Titre,Cl\xf4ture\nR\xe9novation,2026-05-01\n" // "Clôture", "Rénovation" in Windows-1252
	tests := []struct {
		name, doc string
		opts      map[string]string
		wantTitle string
		errHas    string
	}{
		{name: "comma and Windows-1252", doc: win1252, wantTitle: "Rénovation"},
		{name: "tab", doc: "name\tdeadline\nA\t2026-01-01\n", wantTitle: "A"},
		{name: "mapped column", doc: "Objet du marché;Fin\nB;01/02/2026\n", opts: map[string]string{"csv.title": "objet du marché", "csv.deadline": "Fin"}, wantTitle: "B"},
		{name: "date layout", doc: "title;deadline\nC;2026.01.02\n", opts: map[string]string{"csv.date_format": "2006.01.02"}, wantTitle: "C"},
		{name: "unknown mapped column", doc: "a;b\n1;2\n", opts: map[string]string{"csv.title": "Titre"}, errHas: `csv.title: no column "Titre" (columns: a, b)`},
		{name: "no title column", doc: "a;b\n1;2\n", errHas: "no title column; set option csv.title"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ops, err := ParseCSV(context.Background(), strings.NewReader(tt.doc), "x.csv", passerelle.Source{ID: "s", Options: tt.opts})
			if tt.errHas != "" {
				if err == nil || !strings.Contains(err.Error(), tt.errHas) {
					t.Fatalf("err = %v, want %q", err, tt.errHas)
				}
				return
			}
			if err != nil || len(ops) != 1 || ops[0].Title != tt.wantTitle || ops[0].Deadline == nil {
				t.Fatalf("got %+v, %v", ops, err)
			}
		})
	}
}

func TestParseJSONAPI(t *testing.T) {
	src := passerelle.Source{ID: "eu", Format: "json", Options: map[string]string{
		"json.items": "data.results", "json.id": "ref", "json.description": "summary", "json.deadline": "dates.closing",
		"json.published": "dates.open", "json.url": "links.0.href", "json.value": "budget.value", "json.currency": "budget.currency",
	}}
	ops, err := parseFile(t, "testdata/calls.json", src)
	var re *RecordErrors
	if !errors.As(err, &re) || len(re.Errs) != 1 || re.Errs[0].Record != 3 || re.Errs[0].Field != "name" {
		t.Fatalf("err = %v, want record 3 named for its missing title", err)
	}
	if len(ops) != 2 {
		t.Fatalf("got %d, want 2", len(ops))
	}
	a := ops[0]
	if a.ID != "eu:FT-2026-11" || a.Title != "Open call: digital twins for logistics hubs" || a.Description != "Funding for SMEs building digital twins ." && a.Description != "Funding for SMEs building digital twins." {
		t.Errorf("first: %+v", a)
	}
	if a.URL != "https://calls.example.eu/FT-2026-11" || strings.Join(a.CPV, ",") != "72212000,48000000" || a.Value == nil || a.Value.Amount != 1.5e6 {
		t.Errorf("first: url %q cpv %v value %+v", a.URL, a.CPV, a.Value)
	}
	if want := time.Date(2026, 3, 31, 15, 0, 0, 0, time.UTC); a.Deadline == nil || !a.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v", a.Deadline, want)
	}
	if ops[1].Deadline != nil || ops[1].Published == nil {
		t.Errorf("second: deadline %v published %v", ops[1].Deadline, ops[1].Published)
	}
	// Without options: a top-level array and keys recognised by name.
	ops, err = ParseJSON(context.Background(), strings.NewReader(`[{"id": 7, "title": "T", "deadline": "2026-02-01"}]`), "a.json", passerelle.Source{ID: "s"})
	if err != nil || len(ops) != 1 || ops[0].ID != "s:7" || ops[0].Deadline == nil {
		t.Errorf("plain array: %+v, %v", ops, err)
	}
	_, err = ParseJSON(context.Background(), strings.NewReader(`{"x": 1}`), "b.json", passerelle.Source{ID: "s"})
	if err == nil || !strings.Contains(err.Error(), "b.json: no array of records found; set option json.items") {
		t.Errorf("no array: %v", err)
	}
}

func TestParseHTML(t *testing.T) {
	bru := brussels(t)
	src := passerelle.Source{ID: "pole", Format: "html", Options: map[string]string{
		"html.item": "article.call", "html.description": ".summary", "html.deadline": ".deadline time",
	}}
	ops, err := parseFile(t, "testdata/calls.html", src)
	var re *RecordErrors
	if !errors.As(err, &re) || len(re.Errs) != 1 || re.Errs[0].Record != 3 || re.Errs[0].Field != "html.deadline" {
		t.Fatalf("err = %v, want item 3 named for its deadline", err)
	}
	if len(ops) != 2 {
		t.Fatalf("got %d items, want 2", len(ops))
	}
	a, b := ops[0], ops[1]
	if a.Title != "Cybersécurité des PME" || a.URL != "https://pole.example.be/appels/cyber-pme-2026" || a.ID != "pole:https://pole.example.be/appels/cyber-pme-2026" {
		t.Errorf("first: %+v", a)
	}
	if want := time.Date(2026, 3, 15, 12, 0, 0, 0, bru); a.Deadline == nil || !a.Deadline.Equal(want) {
		t.Errorf("first deadline %v, want %v (from <time datetime>)", a.Deadline, want)
	}
	if want := time.Date(2026, 4, 30, 16, 0, 0, 0, bru); b.Deadline == nil || !b.Deadline.Equal(want) || b.URL != "https://autre.example.be/iot" {
		t.Errorf("second: deadline %v (from the text), url %q", b.Deadline, b.URL)
	}
	for _, tt := range []struct {
		opts   map[string]string
		errHas string
	}{
		{map[string]string{}, "needs the option html.item"},
		{map[string]string{"html.item": "div.nothing"}, `no element matches html.item "div.nothing"`},
		{map[string]string{"html.item": "article[", "html.title": "h3"}, "html.item: bad selector"},
		{map[string]string{"html.item": "article", "html.title": "h3 >>"}, "html.title: bad selector"},
	} {
		_, err := parseFile(t, "testdata/calls.html", passerelle.Source{ID: "pole", Format: "html", Options: tt.opts})
		if err == nil || !strings.Contains(err.Error(), tt.errHas) {
			t.Errorf("options %v: err = %v, want %q", tt.opts, err, tt.errHas)
		}
	}
}
