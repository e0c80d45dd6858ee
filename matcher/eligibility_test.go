package matcher

import (
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// The types of action of real Funding & Tenders topics (../shared/data/calls) and whom
// they are for.
func TestInstrumentOf(t *testing.T) {
	for _, c := range []struct {
		action string
		want   instrument
	}{
		{"HORIZON Research and Innovation Actions", instrOpen},
		{"HORIZON Innovation Actions", instrOpen},
		{"HORIZON EIC Grants", instrOpen},
		{"HORIZON TMA MSCA Doctoral Networks", instrOpen},
		{"HORIZON TMA MSCA Staff Exchanges", instrOpen},
		{"EDF Lump Sum Grants", instrOpen},
		{"", instrOpen},
		{"HORIZON ERC Grants", instrResearcher},
		{"HORIZON TMA MSCA Postdoctoral Fellowships - European Fellowships", instrResearcher},
		{"HORIZON TMA MSCA Cofund Doctoral programme", instrResearcher},
		{"HORIZON Pre-commercial Procurement", instrBuyers},
		{"HORIZON Public Procurement of Innovative Solutions", instrBuyers},
		{"HORIZON Programme Cofund Actions", instrFunders},
		{"EURATOM Cofund Actions", instrFunders},
		{"HORIZON Recognition Prize", instrRecognition},
	} {
		if got := instrumentOf(c.action); got != c.want {
			t.Errorf("instrumentOf(%q) = %d, want %d", c.action, got, c.want)
		}
	}
}

// An SME is vetoed from an ERC grant and a pre-commercial procurement whatever the fit,
// with the reason shown; a research body may take the ERC grant, a public body the PCP;
// an open instrument is scored as any call.
func TestEligibilityVeto(t *testing.T) {
	s := newTestScorer(t)
	call := func(action string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: "fts:" + action, Kind: passerelle.KindCall, Language: "en",
			Title:       "Post-quantum cryptography for secure networks",
			Description: "Research on post-quantum cryptography and network security.",
			ActionType:  action, Deadline: days(60), Published: days(-1), Status: passerelle.StatusOpen}
	}
	member := func(org passerelle.Organisation) passerelle.Member {
		return passerelle.Member{ID: "m-" + string(org), Name: "M", Tier: passerelle.TierPremium, Organisation: org,
			Skills: []string{"post-quantum cryptography", "network security"}}
	}
	for _, c := range []struct {
		org    passerelle.Organisation
		action string
		kept   bool
	}{
		{"", "HORIZON Research and Innovation Actions", true},
		{"", "HORIZON ERC Grants", false},
		{passerelle.OrgSME, "HORIZON Pre-commercial Procurement", false},
		{passerelle.OrgLarge, "HORIZON ERC Grants", false},
		{passerelle.OrgResearch, "HORIZON ERC Grants", true},
		{passerelle.OrgResearch, "HORIZON Pre-commercial Procurement", false},
		{passerelle.OrgPublic, "HORIZON Pre-commercial Procurement", true},
	} {
		m, o := member(c.org), call(c.action)
		got, ok := s.Score(&m, &o, now)
		if ok != c.kept {
			t.Errorf("%s × %s: kept %v, want %v (%+v)", m.OrganisationOf(), c.action, ok, c.kept, got.Explanation)
			continue
		}
		if !c.kept {
			v := got.Explanation.Veto
			if !strings.Contains(v, "not eligible") || !strings.Contains(v, c.action) || !strings.Contains(v, string(m.OrganisationOf())) {
				t.Errorf("%s × %s: veto %q does not say why", m.OrganisationOf(), c.action, v)
			}
			if top, _ := s.Topical(&m, &o); top != 0 {
				t.Errorf("%s × %s: topical score %.1f, want 0: an ineligible call is not ranked", m.OrganisationOf(), c.action, top)
			}
		}
	}
}
