package matcher

import (
	"strings"

	passerelle "github.com/passerelle/passerelle"
)

// instrument is who a funding instrument is for, as its type of action says. Most
// instruments (research and innovation actions, innovation actions, coordination
// actions, project grants, tenders) are open to companies, research bodies and public
// bodies alike; a few are not, whatever their topic:
//   - an ERC grant or an MSCA postdoctoral fellowship funds a researcher hosted by a
//     research organisation, and an MSCA COFUND the fellowship programme of such an
//     organisation or of a public funder;
//   - a pre-commercial procurement (PCP) or a public procurement of innovative solutions
//     (PPI) funds the public buyers who procure; companies are their suppliers later, in a
//     tender of its own;
//   - a programme cofund action funds national research programmes (ministries, funding
//     agencies);
//   - a recognition prize rewards past achievements of researchers, innovators or cities,
//     not a project a company proposes.
//
// Companies still take part in MSCA doctoral networks and staff exchanges, EIC grants and
// inducement prizes: those are not listed.
type instrument uint8

const (
	instrOpen instrument = iota
	instrResearcher
	instrBuyers
	instrFunders
	instrRecognition
)

// instrumentRule is what the type of action says and which organisations may apply.
type instrumentRule struct {
	who     string // who the instrument funds, for the veto's reason
	allowed [4]passerelle.Organisation
}

var instrumentRules = [...]instrumentRule{
	instrResearcher:  {"researchers hosted by a research organisation", [4]passerelle.Organisation{passerelle.OrgResearch}},
	instrBuyers:      {"public buyers procuring innovation", [4]passerelle.Organisation{passerelle.OrgPublic}},
	instrFunders:     {"national research funders and their programmes", [4]passerelle.Organisation{passerelle.OrgPublic, passerelle.OrgResearch}},
	instrRecognition: {"past achievements of researchers, innovators or cities", [4]passerelle.Organisation{passerelle.OrgResearch, passerelle.OrgPublic}},
}

// instrumentOf reads an action type ("HORIZON ERC Grants", "HORIZON Pre-commercial
// Procurement", "HORIZON TMA MSCA Postdoctoral Fellowships - European Fellowships").
func instrumentOf(actionType string) instrument {
	a := strings.ToLower(actionType)
	has := func(s ...string) bool {
		for _, x := range s {
			if strings.Contains(a, x) {
				return true
			}
		}
		return false
	}
	switch {
	case a == "":
		return instrOpen
	case has("erc grant", "erc-") || strings.HasPrefix(a, "erc "):
		return instrResearcher
	case has("msca") && has("postdoctoral", "fellowship", "cofund"):
		return instrResearcher
	case has("pre-commercial procurement", "precommercial procurement", "public procurement of innovative solutions"):
		return instrBuyers
	case has("programme cofund", "cofund action"):
		return instrFunders
	case has("recognition prize"):
		return instrRecognition
	}
	return instrOpen
}

// eligibilityVeto is why an organisation of kind org may not apply to an instrument, or "".
func eligibilityVeto(in instrument, actionType string, org passerelle.Organisation) string {
	if in == instrOpen {
		return ""
	}
	r := instrumentRules[in]
	for _, a := range r.allowed {
		if a == org {
			return ""
		}
	}
	return "not eligible: " + quoteS(actionType) + " funds " + r.who + ", not a member of kind " + string(org)
}
