package pipeline

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// The tender of a contracting process, then, in a later package, the partial release that
// extends its deadline (the shape of source/testdata/partial.ocds.json, one release per
// package, as a publisher sending what changed each day writes them).
const (
	ocdsTender = `{"version": "1.1", "releases": [{
  "ocid": "ocds-b5fd17-0101", "id": "0101-01", "date": "2026-11-12T09:00:00+01:00", "tag": ["tender"], "language": "fr",
  "buyer": {"id": "BE-0207.123.456", "name": "Commune de Gembloux"},
  "tender": {"title": "Refonte du site web communal", "description": "Conception et hébergement du nouveau site.",
             "tenderPeriod": {"endDate": "2027-01-15T12:00:00"}, "value": {"amount": 60000, "currency": "EUR"},
             "items": [{"id": "1", "classification": {"scheme": "CPV", "id": "72413000"}}]}}]}`
	ocdsAmendment = `{"version": "1.1", "releases": [{
  "ocid": "ocds-b5fd17-0101", "id": "0101-02", "date": "2026-11-25T15:00:00+01:00", "tag": ["tenderAmendment"],
  "tender": {"tenderPeriod": {"endDate": "2027-02-05T12:00:00"}, "amendments": [{"id": "A1", "rationale": "Report de la date limite"}]}}]}`
)

// Issue 9, defect 5: a partial OCDS release of a known ocid merges into the stored
// opportunity even when it comes in a later package (a later run); when it comes first, it
// waits in the store and completes the notice when that one arrives. Either way one
// opportunity, with the tender's title, value and buyer and the amendment's deadline.
func TestOCDSPartialReleaseInALaterPackage(t *testing.T) {
	brussels, _ := time.LoadLocation("Europe/Brussels")
	extended := time.Date(2027, 2, 5, 12, 0, 0, 0, brussels)
	const id = "ocds:ocds-b5fd17-0101"
	for _, order := range []string{"tender first", "amendment first"} {
		t.Run(order, func(t *testing.T) {
			p := newPipeline(t)
			ctx := context.Background()
			first, second := ocdsTender, ocdsAmendment
			if order == "amendment first" {
				first, second = second, first
			}
			sr := ingestOCDS(t, p, first)
			if order == "amendment first" {
				if _, err := p.Store.Opportunity(ctx, id); passerelle.ErrorCode(err) != passerelle.ENOTFOUND {
					t.Fatalf("the partial release was stored as an opportunity of its own: %v", err)
				}
				if !strings.Contains(strings.Join(sr.Notes, "\n"), "1 partial releases kept") {
					t.Errorf("the run does not say the partial release waits: %+v", sr.Notes)
				}
			}
			ingestOCDS(t, p, second)

			got, err := p.Store.OpportunityWithRevisions(ctx, id)
			if err != nil {
				t.Fatal(err)
			}
			if got.Title != "Refonte du site web communal" || got.Buyer != "Commune de Gembloux" || got.Value == nil || got.Value.Amount != 60000 {
				t.Errorf("the tender's fields were lost: title %q, buyer %q, value %+v", got.Title, got.Buyer, got.Value)
			}
			if got.Deadline == nil || !got.Deadline.Equal(extended) {
				t.Errorf("deadline %v, want the amendment's %v", got.Deadline, extended)
			}
			if got.Partial || got.Kind != passerelle.KindCall || len(got.CPV) == 0 {
				t.Errorf("stored partial %v, kind %q, cpv %v", got.Partial, got.Kind, got.CPV)
			}
			if order == "tender first" {
				// The amendment is a revision of the notice, with its diff.
				last := got.Revisions[len(got.Revisions)-1]
				if got.Revision != 2 || len(last.Changes) == 0 || last.Changes[0].Field != "deadline" {
					t.Errorf("revision %d, last %+v; want 2 with the deadline's change", got.Revision, last)
				}
			}
			n := 0
			if err := p.Store.ForEachOpportunity(ctx, func(*passerelle.Opportunity) error { n++; return nil }); err != nil || n != 1 {
				t.Errorf("%d opportunities stored (%v), want 1", n, err)
			}
			// The amendment sent again changes nothing more.
			ingestOCDS(t, p, ocdsAmendment)
			if again, _ := p.Store.Opportunity(ctx, id); again.Revision != got.Revision || again.Deadline == nil || !again.Deadline.Equal(extended) {
				t.Errorf("the amendment sent again: revision %d → %d, deadline %v", got.Revision, again.Revision, again.Deadline)
			}
			// The tender's full release sent again, dated before the amendment: the newer
			// deadline stands (the OCDS merge is by date, not by arrival).
			ingestOCDS(t, p, ocdsTender)
			if again, _ := p.Store.Opportunity(ctx, id); again.Deadline == nil || !again.Deadline.Equal(extended) || again.Title != "Refonte du site web communal" {
				t.Errorf("the older tender sent again: deadline %v, title %q; want the amendment's deadline kept", again.Deadline, again.Title)
			}
			if rep, err := p.Store.Check(ctx); err != nil || !rep.OK() {
				t.Errorf("store check: %+v %v", rep, err)
			}
		})
	}
}

// ingestOCDS ingests one OCDS package as the source "ocds" would bring it in one run.
func ingestOCDS(t *testing.T, p *Pipeline, body string) passerelle.SourceRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "package.json"), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	src := passerelle.Source{ID: "ocds", URL: dir, Format: "ocds", Enabled: true, Timezone: "Europe/Brussels"}
	sr, err := p.IngestSource(context.Background(), src, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Errors) > 0 || sr.Failed > 0 {
		t.Fatalf("ingest: %+v", sr)
	}
	return sr
}
