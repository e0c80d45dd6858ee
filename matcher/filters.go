package matcher

import (
	"fmt"
	"strings"

	passerelle "github.com/passerelle/passerelle"
)

// regionVeto: a member who declared regions gets notices located in them. A notice whose
// location is unknown is not vetoed (and earns no region points).
func regionVeto(regions []string, o *passerelle.Opportunity) string {
	if len(regions) == 0 {
		return ""
	}
	if len(o.NUTS) == 0 && o.Country == "" {
		return ""
	}
	if ev, _ := regionHit(regions, o, false); ev != "" {
		return ""
	}
	where := strings.Join(o.NUTS, ", ")
	if where == "" {
		where = o.Country
	}
	return fmt.Sprintf("region: notice in %s, outside %s", where, strings.Join(regions, ", "))
}

// regionHit returns the evidence that the notice lies in one of regions (or "+" without
// explain), or "".
func regionHit(regions []string, o *passerelle.Opportunity, explain bool) (ev, where string) {
	for _, r := range regions {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		for _, n := range o.NUTS {
			if len(n) >= len(r) && strings.EqualFold(n[:len(r)], r) {
				if !explain {
					return "+", ""
				}
				return "region " + n + " ⊂ " + r, n
			}
		}
		if len(o.NUTS) == 0 && o.Country != "" && len(r) == 2 && strings.EqualFold(countryOf(strings.ToUpper(r)), o.Country) {
			if !explain {
				return "+", ""
			}
			return "country " + o.Country + " = region " + r, o.Country
		}
	}
	return "", ""
}

// regionIn is regionHit without evidence, on upper-cased regions and NUTS codes (which
// are ASCII: upper-casing both compares as EqualFold does).
func regionIn(regUp []string, d *doc) bool {
	for _, r := range regUp {
		for _, n := range d.nutsUp {
			if strings.HasPrefix(n, r) {
				return true
			}
		}
		if len(d.nutsUp) == 0 && d.o.Country != "" && len(r) == 2 && strings.EqualFold(countryOf(r), d.o.Country) {
			return true
		}
	}
	return false
}

// countryOf maps a NUTS country prefix to ISO 3166-1 (NUTS writes Greece EL, the UK UK).
func countryOf(nuts string) string {
	switch nuts {
	case "EL":
		return "GR"
	case "UK":
		return "GB"
	}
	return nuts
}

// budgetComparable: budgets are in euros; a value in another currency cannot be compared.
func budgetComparable(v *passerelle.Money) bool {
	return v.Currency == "" || strings.EqualFold(v.Currency, "EUR")
}

// budgetOut reports whether a known, comparable value lies outside budget b.
func budgetOut(b *passerelle.Budget, v *passerelle.Money) bool {
	if b == nil || v == nil || v.Amount <= 0 || !budgetComparable(v) {
		return false
	}
	return b.Min > 0 && v.Amount < b.Min || b.Max > 0 && v.Amount > b.Max
}

func budgetVeto(b *passerelle.Budget, v *passerelle.Money) string {
	if !budgetOut(b, v) {
		return ""
	}
	if b.Min > 0 && v.Amount < b.Min {
		return fmt.Sprintf("budget: value %.0f %s below the member's minimum %.0f", v.Amount, v.Currency, b.Min)
	}
	if b.Max > 0 && v.Amount > b.Max {
		return fmt.Sprintf("budget: value %.0f %s above the member's maximum %.0f", v.Amount, v.Currency, b.Max)
	}
	return ""
}

// topicalKept reports whether some profile of m fits o by topic alone as well as its
// threshold asks (status, dates, tier, region and budget aside).
func (s *Scorer) topicalKept(m *passerelle.Member, o *passerelle.Opportunity) bool {
	ps := s.compileAll(m)
	d := s.analyzeDoc(o)
	mm := newMemo(maxPhraseOf(ps) + 1)
	for _, p := range ps {
		if r := s.numbers(p, d, true, false, mm); r.topical > 0 && r.topical >= p.minScore {
			return true
		}
	}
	return false
}

func (s *Scorer) kept(p *profile, r scored) bool {
	return r.veto == "" && r.topical > 0 && r.score >= p.minScore
}
