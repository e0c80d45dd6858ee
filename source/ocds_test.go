package source

import (
	"context"
	"errors"
	"os"
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

// Issue 9, defect 5: a record package without compiledRelease merges its releases by date
// (the award released last does not wipe the tender), and reads the eForms profile of OCDS.
func TestOCDSRecordMergeEFormsProfile(t *testing.T) {
	ops, err := parseFile(t, "testdata/eforms_profile.ocds.json", passerelle.Source{ID: "no", Format: "auto"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("%d records, err %v", len(ops), err)
	}
	o := ops[0]
	want := time.Date(2023, 3, 9, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	if o.Title != "VA Sodin" || o.Buyer != "Heim kommune" || o.Country != "NO" || o.Kind != passerelle.KindAward ||
		o.Deadline == nil || !o.Deadline.Equal(want) || o.Value == nil || o.Value.Amount != 4120000 || o.Language != "nb" {
		t.Errorf("merged record: %+v deadline %v value %+v", o, o.Deadline, o.Value)
	}
}

// A partial release of a known ocid completes it; a bare release file is detected.
func TestOCDSPartialAndBareRelease(t *testing.T) {
	ops, err := parseFile(t, "testdata/partial.ocds.json", passerelle.Source{ID: "ocds", Format: "auto"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("%d releases, err %v", len(ops), err)
	}
	o := ops[0]
	want := time.Date(2026, 3, 6, 12, 0, 0, 0, brussels(t))
	if o.Title != "Refonte du site web communal" || o.Deadline == nil || !o.Deadline.Equal(want) ||
		o.Value == nil || o.Value.Amount != 60000 || o.Kind != passerelle.KindCall || o.Buyer != "Commune de Gembloux" {
		t.Errorf("merged release: %+v deadline %v", o, o.Deadline)
	}

	body, err := os.ReadFile("testdata/release.ocds.json")
	if err != nil {
		t.Fatal(err)
	}
	if f, err := Detect(body, "release.json"); err != nil || f != "ocds" {
		t.Fatalf("bare release detected as %q, %v", f, err)
	}
	ops, err = parseFile(t, "testdata/release.ocds.json", passerelle.Source{ID: "ocds", Format: "auto"})
	if err != nil || len(ops) != 1 || ops[0].Title != "Onderhoud van de netwerkinfrastructuur" || ops[0].Deadline == nil {
		t.Fatalf("bare release: %+v, %v", ops, err)
	}
	// The same releases one per line, and as a JSON array.
	lines := strings.ReplaceAll(strings.ReplaceAll(string(body), "\n", ""), "  ", "") + "\n" +
		`{"ocid": "ocds-b5fd17-0203", "date": "2026-01-21", "tag": ["tender"], "tender": {"title": "Wifi in de bibliotheek"}}` + "\n"
	for _, doc := range []string{lines, "[" + strings.Replace(strings.TrimSpace(lines), "\n", ",", 1) + "]"} {
		ops, err := Parse(context.Background(), "auto", strings.NewReader(doc), "releases", passerelle.Source{ID: "ocds"})
		if err != nil || len(ops) != 2 || ops[1].Title != "Wifi in de bibliotheek" {
			t.Errorf("%.30q…: %d releases, %v", doc, len(ops), err)
		}
	}
}
