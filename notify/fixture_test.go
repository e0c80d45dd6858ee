package notify

import (
	"testing"
	"time"
	_ "time/tzdata" // Europe/Brussels on machines without a zone database

	"github.com/passerelle/passerelle"
)

// brussels is the association's zone; the fixed clock is Monday 2 March 2026, 07:00 there.
func brussels(t testing.TB) *time.Location {
	t.Helper()
	loc, err := time.LoadLocation("Europe/Brussels")
	if err != nil {
		t.Fatal(err)
	}
	return loc
}

func clock(t testing.TB) time.Time {
	return time.Date(2026, 3, 2, 7, 0, 0, 0, brussels(t))
}

func tp(t time.Time) *time.Time { return &t }

func codeloop() passerelle.Member {
	return passerelle.Member{
		ID:        "codeloop",
		Name:      "Codeloop",
		Tier:      passerelle.TierPremium,
		Clusters:  []string{"security", "web"},
		Skills:    []string{"cybersécurité", "développement web"},
		Languages: []string{"fr", "en"},
		Contacts: []passerelle.Contact{
			{Name: "Amélie Dubois", Email: "amelie@codeloop.example"},
			{Name: "Jon Smith", Email: "jon@codeloop.example"},
			{Name: "Amélie (doublon)", Email: "AMELIE@codeloop.example"},
		},
		Notify: passerelle.NotifySettings{Frequency: "daily", Channels: []string{"email", "webhook"}},
	}
}

func dataforge() passerelle.Member {
	m := codeloop()
	m.ID, m.Name = "dataforge", "DataForge"
	m.Languages = []string{"en"}
	m.Contacts = []passerelle.Contact{{Name: "Ann Lee", Email: "ann@dataforge.example"}}
	return m
}

// fixtureItems are matches of member id against four opportunities, built around now:
// one with stages, a translation, awkward characters (; , \ and a newline) for the feeds.
func fixtureItems(t testing.TB, member string) []Item {
	now := clock(t)
	loc := now.Location()
	at := func(y int, mo time.Month, d, h, mi int) *time.Time {
		return tp(time.Date(y, mo, d, h, mi, 0, 0, loc))
	}
	created := now.Add(-5 * time.Hour)
	mk := func(opp string, score float64, cs ...passerelle.Contribution) passerelle.Match {
		return passerelle.Match{Member: member, Opportunity: opp, Score: score, State: passerelle.MatchNew,
			Explanation: passerelle.Explanation{Contributions: cs}, RulesVersion: 3,
			Created: created, Updated: created}
	}
	c := func(sig, ev string, p float64) passerelle.Contribution {
		return passerelle.Contribution{Signal: sig, Evidence: ev, Points: p}
	}
	return []Item{
		{
			Match: mk("wallonie:2026-017", 62,
				c("cluster", "cluster web", 10),
				c("text", "skill 'développement web' ~ title 'plateforme web'", 22.5),
				c("deadline", "deadline in 11 days", 4),
				c("freshness", "published 2 days ago", 2),
				c("region", "region BE3 outside BE31", -5)),
			Opportunity: passerelle.Opportunity{
				ID: "wallonie:2026-017", Source: "wallonie", Kind: passerelle.KindTender,
				Title: "Développement d'une plateforme web; maintenance, hébergement et support \\ 3 ans",
				Buyer: "Service public de Wallonie", URL: "https://marches.example/2026-017",
				Language: "fr", Clusters: []string{"web"}, Status: passerelle.StatusOpen,
				Deadline: at(2026, 3, 13, 12, 0), Updated: now.Add(-24 * time.Hour), Revision: 2,
			},
		},
		{
			Match: mk("ted:123456-2026", 87,
				c("text", "skill 'cybersécurité' ~ title 'sécurité informatique'", 14),
				c("cluster", "cluster security", 20),
				c("cpv", "CPV 72212730 ⊂ bundle security", 18),
				c("deadline", "deadline in 5 days", 6)),
			Opportunity: passerelle.Opportunity{
				ID: "ted:123456-2026", Source: "ted", Kind: passerelle.KindTender,
				Title:        "Audit de sécurité informatique des hôpitaux",
				Translations: map[string]passerelle.Text{"en": {Title: "IT security audit of the hospitals"}},
				Buyer:        "CHU de Liège", URL: "https://ted.example/notice/123456-2026",
				Language: "fr", Clusters: []string{"security"}, CPV: []string{"72212730"},
				Status: passerelle.StatusClosing, Deadline: at(2026, 3, 7, 17, 0),
				Updated: now.Add(-2 * time.Hour), Revision: 1,
			},
		},
		{
			Match: mk("poles:biowin-call-7", 71,
				c("text", "skill 'cybersécurité' ~ description 'cybersecurity of medical devices'", 25),
				c("sector", "sector health", 8)),
			Opportunity: passerelle.Opportunity{
				ID: "poles:biowin-call-7", Source: "poles", Kind: passerelle.KindCall,
				Title: "Call for projects: secure medical IoT,\nphase 1",
				Buyer: "BioWin", Language: "en", Clusters: []string{"iot", "security"},
				Status: passerelle.StatusOpen, Deadline: at(2026, 6, 30, 17, 0),
				Stages: []passerelle.Stage{
					{Name: "Letter of intent", Deadline: at(2026, 3, 3, 12, 0)},
					{Name: "Pre-proposal", Deadline: at(2026, 4, 15, 17, 0)},
					{Name: "Full proposal", Deadline: at(2026, 6, 30, 17, 0)},
				},
				Updated: now.Add(-30 * time.Hour),
			},
		},
		{
			Match: mk("rss:placeholder", 55, c("cluster", "cluster web", 10)),
			Opportunity: passerelle.Opportunity{
				ID: "rss:placeholder", Source: "rss", Kind: passerelle.KindOther,
				Title: "Marché sans date limite connue", Language: "fr", Status: passerelle.StatusUnknown,
				Deadline: at(2049, 12, 31, 0, 0), DeadlineUntrusted: true,
				Updated: now.Add(-48 * time.Hour),
			},
		},
	}
}
