package matcher

import (
	"math"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// A skill whose codes lie in a division none of the member's other skills touches counts
// at offBranchCPV, saying so; the member's core skills, a profile too small to have a
// branch, and the ablation count in full.
func TestOffBranchCPV(t *testing.T) {
	notice := func(title string, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: "n", Kind: passerelle.KindTender, Language: "fr", Title: title,
			CPV: cpv, Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen}
	}
	it := []string{"développement de logiciels", "logiciels de gestion", "services informatiques"}
	withCleaning := passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Skills: append(append([]string{}, it...), "nettoyage de bureaux")}
	small := passerelle.Member{ID: "s", Name: "S", Tier: passerelle.TierPremium, Skills: []string{"développement de logiciels", "nettoyage de bureaux"}}
	cleaning := notice("Marché public", "90919200")
	software := notice("Marché public", "72212000")
	cpvOf := func(s *Scorer, m passerelle.Member, o passerelle.Opportunity) (passerelle.Contribution, passerelle.Match) {
		got, _ := s.Score(&m, &o, now)
		for _, c := range got.Explanation.Contributions {
			if c.Signal == "cpv" {
				return c, got
			}
		}
		return passerelle.Contribution{}, got
	}
	on := newTestScorer(t)
	off := newTestScorer(t)
	if err := off.Ablate("branch"); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		name   string
		m      passerelle.Member
		o      passerelle.Opportunity
		factor float64
	}{
		{"off-branch skill", withCleaning, cleaning, offBranchCPV},
		{"core skill", withCleaning, software, 1},
		{"too few skills to tell", small, cleaning, 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, got := cpvOf(on, tc.m, tc.o)
			full, _ := cpvOf(off, tc.m, tc.o)
			if full.Points <= 0 {
				t.Fatalf("no CPV fit without the discount: %+v", full)
			}
			if want := math.Round(full.Points*tc.factor*10) / 10; math.Abs(c.Points-want) > 0.15 {
				t.Errorf("cpv points %.1f, want %.1f (%.1f × %g)", c.Points, want, full.Points, tc.factor)
			}
			if said := strings.Contains(c.Evidence, "off the profile's branch"); said != (tc.factor < 1) {
				t.Errorf("evidence %q: discount said %v, want %v", c.Evidence, said, tc.factor < 1)
			}
			if math.Abs(sum(got.Explanation)-got.Score) > 1e-9 {
				t.Errorf("contributions add up to %.1f, score %.1f", sum(got.Explanation), got.Score)
			}
		})
	}
}
