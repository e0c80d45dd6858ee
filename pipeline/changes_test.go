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

// realNotice is a real eForms notice published on TED (see ../testdata/README): stored under
// its publication number, ted:129266-2024, its notice identifier (BT-701) is
// 95a505a4-924c-420b-958d-b628f7c4d50b.
const realNotice = "../testdata/ted/2024-OJS044-00129266.xml"

// changeOf derives the change notice of the real notice as TED would publish it: a new
// identifier and publication number, BT-758 naming the notice's identifier with its version
// ("…-01"), and the deadline for requests to participate moved from 18 to 30 April 2024.
func changeOf(t *testing.T, notice string) string {
	t.Helper()
	for _, part := range []string{"95a505a4-924c-420b-958d-b628f7c4d50b", "00129266-2024", "<cbc:EndDate>2024-04-18+02:00</cbc:EndDate>"} {
		if !strings.Contains(notice, part) {
			t.Fatalf("fixture %s no longer holds %q", realNotice, part)
		}
	}
	c := strings.Replace(notice, `<cbc:ID schemeName="notice-id">95a505a4-924c-420b-958d-b628f7c4d50b`, `<cbc:ID schemeName="notice-id">c3d4e5f6-0718-4a2b-9c3d-4e5f60718293`, 1)
	c = strings.Replace(c, "00129266-2024", "00151010-2024", 1)
	c = strings.Replace(c, "<cbc:EndDate>2024-04-18+02:00</cbc:EndDate>", "<cbc:EndDate>2024-04-30+02:00</cbc:EndDate>", 1)
	return strings.Replace(c, "<efext:EformsExtension>", `<efext:EformsExtension><efac:Changes><efbc:ChangedNoticeIdentifier>95a505a4-924c-420b-958d-b628f7c4d50b-01</efbc:ChangedNoticeIdentifier><efac:ChangeReason><cbc:ReasonCode listName="change-corrig-justification">cor-buy</cbc:ReasonCode></efac:ChangeReason></efac:Changes>`, 1)
}

// ingestFile ingests one document as the source "ted" would bring it.
func ingestFile(t *testing.T, p *Pipeline, name, body string) passerelle.SourceRun {
	t.Helper()
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
		t.Fatal(err)
	}
	sr, err := p.IngestSource(context.Background(), passerelle.Source{ID: "ted", URL: dir, Format: "auto", Enabled: true}, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if len(sr.Errors) > 0 || sr.Failed > 0 {
		t.Fatalf("ingest %s: %+v", name, sr)
	}
	return sr
}

// Issue 9, defects 3 and 4: an eForms change notice updates the notice it changes (a
// revision with its diff), whichever of the two arrives first.
func TestEFormsChangeNoticeInEitherOrder(t *testing.T) {
	body, err := os.ReadFile(realNotice)
	if err != nil {
		t.Fatal(err)
	}
	notice, change := string(body), changeOf(t, string(body))
	moved := time.Date(2024, 4, 30, 12, 0, 0, 0, time.FixedZone("", 2*3600))
	for _, order := range []string{"notice first", "change first"} {
		t.Run(order, func(t *testing.T) {
			p := newPipeline(t)
			ctx := context.Background()
			if order == "notice first" {
				ingestFile(t, p, "notice.xml", notice)
				ingestFile(t, p, "change.xml", change)
			} else {
				ingestFile(t, p, "change.xml", change)
				if _, err := p.Store.Opportunity(ctx, "ted:129266-2024"); passerelle.ErrorCode(err) != passerelle.ENOTFOUND {
					t.Fatalf("the change created its notice: %v", err)
				}
				ingestFile(t, p, "notice.xml", notice)
			}
			got, err := p.Store.OpportunityWithRevisions(ctx, "ted:129266-2024")
			if err != nil {
				t.Fatal(err)
			}
			if got.Deadline == nil || !got.Deadline.Equal(moved) || got.Revision != 2 {
				t.Fatalf("change not applied: deadline %v, revision %d", got.Deadline, got.Revision)
			}
			last := got.Revisions[len(got.Revisions)-1]
			if len(last.Changes) == 0 || last.Changes[0].Field != "deadline" {
				t.Errorf("revision does not show the deadline change: %+v", last)
			}
			// The notice is found under its identifier too.
			if byID, err := p.Store.Opportunity(ctx, "ted:95a505a4-924c-420b-958d-b628f7c4d50b"); err != nil || byID.ID != got.ID {
				t.Errorf("by notice identifier: %v %v", byID.ID, err)
			}
			// The change notice is kept as its own record, yet never matched: its changes
			// are in the notice, which members get once.
			sc, err := p.Scorer(ctx)
			if err != nil {
				t.Fatal(err)
			}
			member := passerelle.Member{ID: "m", Tier: passerelle.TierPremium, Skills: []string{got.Title}}
			changes := 0
			err = p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
				if o.Changes == "" {
					return nil
				}
				changes++
				if m, ok := sc.Score(&member, o, moved.AddDate(0, 0, -30)); ok || !strings.Contains(m.Explanation.Veto, "change notice") {
					t.Errorf("change notice %s matched: %v %+v", o.ID, ok, m.Explanation)
				}
				return nil
			})
			if err != nil || changes != 1 {
				t.Errorf("%d change notices stored (%v), want 1", changes, err)
			}
			// The original notice sent again keeps the change it received.
			ingestFile(t, p, "notice.xml", notice)
			if again, _ := p.Store.Opportunity(ctx, got.ID); again.Deadline == nil || !again.Deadline.Equal(moved) || again.Revision != 2 {
				t.Errorf("the notice sent again undid its change: deadline %v revision %d", again.Deadline, again.Revision)
			}
			// Ingesting the change again applies nothing more.
			ingestFile(t, p, "change.xml", change)
			if again, _ := p.Store.Opportunity(ctx, got.ID); again.Revision != 2 {
				t.Errorf("revision %d after the change came again", again.Revision)
			}
			if rep, err := p.Store.Check(ctx); err != nil || !rep.OK() {
				t.Errorf("store check: %+v %v", rep, err)
			}
		})
	}
}

// A TED corrigendum (F14) that arrives in an earlier package than its notice is applied when
// the notice arrives, and only once.
func TestCorrigendumBeforeItsNotice(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	d1, d2 := now.AddDate(0, 0, 10), now.AddDate(0, 0, 40)
	pub1, pub2 := now.AddDate(0, 0, -5), now.AddDate(0, 0, -1)
	corr := passerelle.Opportunity{ID: "ted:001200-2026", Source: "ted", ExternalID: "001200-2026", Kind: passerelle.KindOther, Title: "Services de sécurité informatique", Deadline: &d2, Published: &pub2, Changes: "000817-2026"}
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{corr}); err != nil {
		t.Fatal(err)
	}
	orig := passerelle.Opportunity{ID: "ted:000817-2026", Source: "ted", ExternalID: "000817-2026", Kind: passerelle.KindCall, Title: "Services de sécurité informatique", Deadline: &d1, Published: &pub1}
	changed, _, err := p.Save(ctx, []passerelle.Opportunity{orig})
	if err != nil {
		t.Fatal(err)
	}
	got, err := p.Store.OpportunityWithRevisions(ctx, orig.ID)
	if err != nil {
		t.Fatal(err)
	}
	if got.Deadline == nil || !got.Deadline.Equal(d2) || got.Revision != 2 {
		t.Fatalf("pending corrigendum not applied: deadline %v revision %d", got.Deadline, got.Revision)
	}
	if !contains(changed, orig.ID) {
		t.Errorf("changed %v: the corrected notice must be (re)matched", changed)
	}
	// The original sent once more (its first version) does not undo the corrigendum.
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{orig}); err != nil {
		t.Fatal(err)
	}
	if again, err := p.Store.Opportunity(ctx, orig.ID); err != nil || again.Deadline == nil || !again.Deadline.Equal(d2) || again.Revision != 2 {
		t.Errorf("the original sent again undid its corrigendum: deadline %v revision %d (%v)", again.Deadline, again.Revision, err)
	}
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// Issue 9, defect 1: two different notices under one id in one batch are a failure the run
// reports (the first is stored, the other not), never a silent overwrite; two Doffin notices
// whose publication id is "n.a." are two opportunities.
func TestRunReportsIDCollision(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	a, err := os.ReadFile("../testdata/ted/ContractNotice_cn-standard_2023-697632.xml")
	if err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile("../testdata/ted/ContractNotice_cn-standard_2022-963627.xml")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	forged := strings.Replace(string(b), `<cbc:ID schemeName="notice-id">2022-963627`, `<cbc:ID schemeName="notice-id">2023-697632`, 1)
	for name, body := range map[string]string{"1.xml": string(a), "2.xml": string(b), "3.xml": forged} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(body), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	sr, err := p.IngestSource(ctx, passerelle.Source{ID: "doffin", URL: dir, Format: "auto", Enabled: true}, map[string]bool{})
	if err != nil {
		t.Fatal(err)
	}
	if sr.New != 2 || sr.Failed != 1 || len(sr.Errors) != 1 || !strings.Contains(sr.Errors[0], "already used by a different notice") {
		t.Fatalf("run: new %d failed %d errors %q", sr.New, sr.Failed, sr.Errors)
	}
	if o, err := p.Store.Opportunity(ctx, "doffin:2023-697632"); err != nil || o.Title != "VA Sodin" {
		t.Errorf("the first notice must stay: %q %v", o.Title, err)
	}
}
