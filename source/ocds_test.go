package source

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func TestParseOCDS(t *testing.T) {
	bru := brussels(t)
	src := passerelle.Source{ID: "ocds", Format: "auto"}
	ops, err := parseFile(t, "testdata/releases.ocds.json", src)
	var re *RecordErrors
	if !errors.As(err, &re) || len(re.Errs) != 2 {
		t.Fatalf("err = %v, want 2 bad releases", err)
	}
	if e := re.Errs[0]; e.Record != 3 || e.Field != "ocid" {
		t.Errorf("first error %v, want record 3 field ocid", e)
	}
	if e := re.Errs[1]; e.Record != 4 || e.Field != "tender.tenderPeriod.endDate" || !strings.Contains(e.Error(), `"le 3 mars"`) {
		t.Errorf("second error %v", e)
	}
	if len(ops) != 3 {
		t.Fatalf("got %d releases, want 3", len(ops))
	}
	a, b, c := ops[0], ops[1], ops[2]
	if a.ID != "ocds:ocds-b5fd17-0001" || a.Title != "Audit de cybersécurité des systèmes informatiques communaux" || a.Buyer != "Ville de Namur" ||
		a.Country != "BE" || a.Language != "fr" || a.Kind != passerelle.KindCall || a.URL != "https://ocds.example.eu/notices/2026-001" {
		t.Errorf("first release: %+v", a)
	}
	if got := strings.Join(Normalize([]passerelle.Opportunity{a}, src)[0].CPV, ","); got != "72212730,79212000" {
		t.Errorf("cpv = %s (check digits stripped, UNSPSC ignored, duplicates dropped)", got)
	}
	if want := time.Date(2026, 2, 20, 12, 0, 0, 0, bru); a.Deadline == nil || !a.Deadline.Equal(want) {
		t.Errorf("deadline %v, want %v (zone-less end date read in the source's zone)", a.Deadline, want)
	}
	if a.Value == nil || a.Value.Amount != 85000 || a.Value.Currency != "EUR" {
		t.Errorf("value %+v", a.Value)
	}
	if b.Kind != passerelle.KindAward || b.Status != passerelle.StatusClosed || b.Buyer != "Stad Gent" || b.Country != "" ||
		b.Value == nil || b.Value.Amount != 120000.5 || strings.Join(b.CPV, ",") != "50312000,72514300" {
		t.Errorf("award release: %+v value %+v", b, b.Value)
	}
	if c.Kind != passerelle.KindPriorInfo || c.Value == nil || c.Value.Amount != 250000 {
		t.Errorf("planning release: %+v", c)
	}
}

func TestParseOCDSRecords(t *testing.T) {
	ops, err := parseFile(t, "testdata/records.ocds.json", passerelle.Source{ID: "ocds", Format: "ocds"})
	if err != nil || len(ops) != 2 {
		t.Fatalf("%d records, err %v", len(ops), err)
	}
	if ops[0].Title != "Audit de cybersécurité (deadline extended)" || ops[0].Deadline == nil || ops[0].Deadline.Day() != 6 {
		t.Errorf("compiled release not used: %+v", ops[0])
	}
	if ops[1].Title != "Hébergement web" || ops[1].Kind != passerelle.KindCall {
		t.Errorf("last embedded release not used: %+v", ops[1])
	}
	_, err = ParseOCDS(context.Background(), strings.NewReader(`{"foo": 1}`), "x.json", passerelle.Source{ID: "s"})
	if err == nil || !strings.Contains(err.Error(), `x.json: not an OCDS package`) {
		t.Errorf("err = %v", err)
	}
}
