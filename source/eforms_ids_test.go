package source

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// Defect 1 of issue 9: Doffin notices carry NoticePublicationID "n.a." (or another notice's
// OJS number): each must keep its own identifier (BT-701).
func TestEFormsOwnNoticeID(t *testing.T) {
	tests := []struct{ file, want string }{
		// Doffin, NoticePublicationID "n.a.": BT-701 is Doffin's number.
		{"ContractNotice_cn-standard_2023-697632.xml", "2023-697632"},
		{"ContractNotice_cn-standard_2022-963627.xml", "2022-963627"},
		// Doffin, NoticePublicationID "2021/S 056-142708": the OJS number of an older notice.
		{"ContractAwardNotice_can-modif_2022-627512.xml", "2022-627512"},
		// Published on TED: its publication number.
		{"2024-OJS044-00129266.xml", "129266-2024"},
	}
	for _, tt := range tests {
		o := parseFixture(t, tt.file)
		if o.ExternalID != tt.want || o.ID != "ted:"+tt.want {
			t.Errorf("%s: id %q external %q, want external %q", tt.file, o.ID, o.ExternalID, tt.want)
		}
	}
}

func parseFixture(t *testing.T, file string) passerelle.Opportunity {
	t.Helper()
	f, err := os.Open(filepath.Join("../testdata/ted", file))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	ops, err := Parse(context.Background(), "auto", f, file, passerelle.Source{ID: "ted"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("%s: %d notices, %v", file, len(ops), err)
	}
	return ops[0]
}

// Two Doffin notices with "n.a." in one batch stay two; two different notices under one id
// are a reported record error that keeps the first; the same notice twice is one.
func TestLoadIDCollision(t *testing.T) {
	dir := t.TempDir()
	copyFile(t, "../testdata/ted/ContractNotice_cn-standard_2023-697632.xml", filepath.Join(dir, "a/697632.xml"))
	copyFile(t, "../testdata/ted/ContractNotice_cn-standard_2022-963627.xml", filepath.Join(dir, "a/963627.xml"))
	var f Fetcher
	res, err := f.Load(context.Background(), passerelle.Source{ID: "doffin", URL: filepath.Join(dir, "a")}, Validators{})
	if err != nil || len(res.Opportunities) != 2 || len(res.Errors) != 0 {
		t.Fatalf("two n.a. notices: %d opportunities, errors %v, %v", len(res.Opportunities), res.Errors, err)
	}

	// The same notice in two packages, and a different notice that reuses its id.
	body, err := os.ReadFile("../testdata/ted/ContractNotice_cn-standard_2023-697632.xml")
	if err != nil {
		t.Fatal(err)
	}
	body2, err := os.ReadFile("../testdata/ted/ContractNotice_cn-standard_2022-963627.xml")
	if err != nil {
		t.Fatal(err)
	}
	other := strings.Replace(string(body2), "<cbc:ID schemeName=\"notice-id\">2022-963627", "<cbc:ID schemeName=\"notice-id\">2023-697632", 1)
	for name, b := range map[string][]byte{"1.xml": body, "2.xml": body, "3.xml": []byte(other)} {
		if err := os.WriteFile(filepath.Join(dir, name), b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	res, err = f.Load(context.Background(), passerelle.Source{ID: "doffin", URL: dir, Format: "eforms"}, Validators{})
	if err != nil {
		t.Fatal(err)
	}
	// a/ holds the two earlier notices: 697632 (three times, twice different) and 963627.
	n := 0
	for _, o := range res.Opportunities {
		if o.ID == "doffin:2023-697632" {
			n++
		}
	}
	if n != 1 || len(res.Opportunities) != 2 {
		t.Errorf("%d opportunities, %d under doffin:2023-697632; want 2 and 1", len(res.Opportunities), n)
	}
	var coll *ErrIDCollision
	if len(res.Errors) != 1 || !errors.As(res.Errors[0], &coll) || coll.ID != "doffin:2023-697632" {
		t.Fatalf("errors %v, want one id collision on doffin:2023-697632", res.Errors)
	}
	if !strings.Contains(res.Errors[0].Error(), "already used by a different notice") {
		t.Errorf("message %q", res.Errors[0])
	}
}

// Defect 2 of issue 9: BT-1311 (requests to participate) and BT-630 (expressions of
// interest) are deadlines; several of them on different dates are stages.
func TestEFormsDeadlinePeriods(t *testing.T) {
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	// Real: BT-1311 only (Belgian cn-social notice on TED).
	o := parseFixture(t, "2024-OJS044-00129266.xml")
	if o.Deadline == nil || len(o.Stages) != 0 {
		t.Fatalf("BT-1311 notice: deadline %v, stages %v", o.Deadline, o.Stages)
	}
	// Real: BT-630 repeats BT-131's date (Doffin): one deadline, no stages.
	o = parseFixture(t, "ContractNotice_cn-standard_2023-697632.xml")
	if o.Deadline == nil || !o.Deadline.Equal(at("2023-03-09T12:00:00+02:00")) || len(o.Stages) != 0 {
		t.Errorf("BT-630 = BT-131 notice: deadline %v, stages %v", o.Deadline, o.Stages)
	}
	// Real: BT-630 alone (a PIN used as a call for competition, SDK 1.10 sample).
	o = parseFixture(t, "eforms_samples__eforms_sdk_v1.10__eform_subtype_12__770113-2023.xml")
	if o.Deadline == nil {
		t.Errorf("BT-630 notice: no deadline")
	}
	// Realistic: a restricted procedure, requests to participate then tenders.
	body, err := os.ReadFile("../testdata/ted/2024-OJS044-00129266.xml")
	if err != nil {
		t.Fatal(err)
	}
	doc := strings.Replace(string(body), "<cac:ParticipationRequestReceptionPeriod>",
		"<cac:TenderSubmissionDeadlinePeriod><cbc:EndDate>2024-05-30+02:00</cbc:EndDate><cbc:EndTime>10:00:00+02:00</cbc:EndTime></cac:TenderSubmissionDeadlinePeriod><cac:ParticipationRequestReceptionPeriod>", 1)
	ops, err := ParseEForms(context.Background(), strings.NewReader(doc), "restricted.xml", passerelle.Source{ID: "ted"})
	if err != nil || len(ops) != 1 {
		t.Fatalf("%d notices, %v", len(ops), err)
	}
	o = ops[0]
	if len(o.Stages) != 2 || o.Stages[0].Name != "requests to participate" || o.Stages[1].Name != "tenders" ||
		!o.Stages[1].Deadline.Equal(at("2024-05-30T10:00:00+02:00")) || !o.Deadline.Equal(*o.Stages[0].Deadline) {
		t.Errorf("restricted procedure: deadline %v, stages %+v", o.Deadline, o.Stages)
	}
}

// Issue 9, defect 3: a change notice names its notice by identifier and version
// ("…-01"): the reference is the identifier alone; a notice stored under its publication
// number carries its identifier as an alias.
func TestEFormsChangeReference(t *testing.T) {
	c := parseFixture(t, "ContractNotice_pin-cfc-standard_2023-101942.xml")
	if c.Changes != "537eb083-fde5-44ea-8395-2e9308bac65e" {
		t.Errorf("changes %q", c.Changes)
	}
	o := parseFixture(t, "2024-OJS044-00129266.xml")
	if len(o.Aliases) != 1 || o.Aliases[0] != "ted:95a505a4-924c-420b-958d-b628f7c4d50b" {
		t.Errorf("aliases %v", o.Aliases)
	}
	// Doffin notices are stored under their identifier: no alias.
	if d := parseFixture(t, "ContractNotice_cn-standard_2023-697632.xml"); len(d.Aliases) != 0 {
		t.Errorf("doffin aliases %v", d.Aliases)
	}
	for ref, want := range map[string]string{"422781-2023": "422781-2023", "2023-697632-01": "2023-697632", "2023-697632": "2023-697632"} {
		if got := changedNotice(ref); got != want {
			t.Errorf("changedNotice(%q) = %q, want %q", ref, got, want)
		}
	}
}

// The same id in one document or two: the same notice again (same title, a moved deadline)
// replaces the earlier record; a different notice is a collision.
func TestLoadIDCollisionRules(t *testing.T) {
	dir := t.TempDir()
	day1 := `{"id":"pole:42","title":"Appel Cyber 2026","deadline":"2026-03-01T12:00"}` + "\n"
	day2 := `{"id":"pole:42","title":"Appel  cyber 2026","deadline":"2026-03-15T12:00"}` + "\n" +
		`{"id":"pole:43","title":"Appel IoT","deadline":"2026-04-01T12:00"}` + "\n" +
		`{"id":"pole:43","title":"Appel Data","deadline":"2026-04-02T12:00"}` + "\n"
	for name, body := range map[string]string{"1-day1.jsonl": day1, "2-day2.jsonl": day2} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	var f Fetcher
	res, err := f.Load(context.Background(), passerelle.Source{ID: "pole", URL: dir}, Validators{})
	if err != nil || len(res.Opportunities) != 2 {
		t.Fatalf("%d opportunities, %v", len(res.Opportunities), err)
	}
	if o := res.Opportunities[0]; o.ID != "pole:42" || o.Deadline == nil || o.Deadline.Day() != 15 {
		t.Errorf("the later copy of pole:42 must win: %+v", o)
	}
	var coll *ErrIDCollision
	if len(res.Errors) != 1 || !errors.As(res.Errors[0], &coll) || coll.ID != "pole:43" ||
		!strings.Contains(res.Errors[0].Error(), "2-day2.jsonl: record 3: id:") || res.Opportunities[1].Title != "Appel IoT" {
		t.Errorf("errors %v, kept %q", res.Errors, res.Opportunities[1].Title)
	}
}
