package matcher

import (
	"fmt"
	"math"
	"strings"

	passerelle "github.com/passerelle/passerelle"
)

// profile is one profile of a member compiled for scoring. A member with several profiles
// (business lines) has one compiled profile each, scored on its own: its words, codes,
// exclusions, regions, budget and threshold are its own; tier and organisation are the
// member's.
type profile struct {
	m        *passerelle.Member
	id       string // the member's, beside pid: writing a match reads both, one cache line
	pid      string // the profile's id, which a match names
	skills   []*phrase
	excludes []*phrase
	concepts []concept // declared CPV prefixes and roll-ups across skills
	clusters []int     // indexes into Scorer.clusters
	sectors  []int     // indexes into Scorer.sectors
	empty    bool
	premium  bool
	org      passerelle.Organisation
	// noCPV: the profile names no CPV code at all (none declared, none derived from its
	// skills): the CPV signal has nothing to compare, and its words stand in (see textExtra).
	noCPV bool
	// Copies of the member fields the hot path reads, so that scoring a candidate touches
	// its compact profile and not the larger Member.
	regions  []string
	regUp    []string // regions trimmed, upper-cased, without empty ones
	budget   *passerelle.Budget
	minScore float64
	// For the Monitor's upper bound: the heaviest concept (skills' and the profile's) in
	// each CPV division, and among concepts of no division (one-digit prefixes).
	divW  []divWeight
	wildW float64
	divs  divSet // divisions of concepts (declared, rolled up), all if one has none
	// off marks, per skill, its concepts off the profile's branch (offBranch); nil: none.
	off []uint64
}

// touch reads a word in each cache line of the fields scoring reads first, and the first
// line of its skills, concepts and off-branch marks, so that they are fetched ahead of it
// (see Monitor.matchOne); what it returns means nothing. Reading further (the skills'
// memo entries) measured slower: the lines fetched crowd each other out.
func (p *profile) touch() uintptr {
	x := uintptr(len(p.skills)) + uintptr(len(p.clusters)) + uintptr(len(p.regUp)) + uintptr(len(p.off)) +
		uintptr(len(p.sectors)) + uintptr(len(p.divW))
	if len(p.skills) > 0 {
		x += uintptr(p.skills[0].id)
	}
	if len(p.concepts) > 0 {
		x += uintptr(p.concepts[0].div)
	}
	if len(p.off) > 0 {
		x += uintptr(p.off[0])
	}
	return x
}

// divWeight is the heaviest concept weight of a profile in one CPV division.
type divWeight struct {
	div int
	w   float64
}

// maxPhrase is the highest id among the phrases p scores with, -1 if none: a memo for p
// alone needs no more entries, however many phrases the scorer holds.
func (p *profile) maxPhrase() int {
	n := -1
	for _, sk := range p.skills {
		n = max(n, sk.id)
	}
	for _, x := range p.excludes {
		n = max(n, x.id)
	}
	return n
}

// compileAll compiles every profile of m, in its order (see Member.EffectiveProfiles).
func (s *Scorer) compileAll(m *passerelle.Member) []*profile {
	pfs := m.EffectiveProfiles()
	out := make([]*profile, len(pfs))
	for i := range pfs {
		out[i] = s.compile(m, &pfs[i])
	}
	return out
}

// maxPhraseOf is the highest phrase id the profiles score with, -1 if none.
func maxPhraseOf(ps []*profile) int {
	n := -1
	for _, p := range ps {
		n = max(n, p.maxPhrase())
	}
	return n
}

func (s *Scorer) compile(m *passerelle.Member, pf *passerelle.Profile) *profile {
	p := &profile{m: m, pid: pf.ID, empty: pf.Empty(), premium: m.Tier == passerelle.TierPremium, org: m.OrganisationOf(),
		regions: pf.Regions, budget: pf.Budget, minScore: math.Max(s.rules.Thresholds.MinScore, pf.MinScore), id: m.ID}
	for _, r := range pf.Regions {
		if r = strings.ToUpper(strings.TrimSpace(r)); r != "" {
			p.regUp = append(p.regUp, r)
		}
	}
	seen := map[string]bool{}
	for _, sk := range pf.Skills {
		if strings.TrimSpace(sk) == "" || seen[normPhrase(sk)] {
			continue
		}
		seen[normPhrase(sk)] = true
		p.skills = append(p.skills, s.intern("s", sk))
	}
	for _, x := range pf.Exclude {
		if strings.TrimSpace(x) != "" {
			p.excludes = append(p.excludes, s.intern("x", x))
		}
	}
	for _, c := range pf.CPV {
		c = strings.TrimSpace(c)
		if c == "" || strings.Trim(c, "0123456789") != "" || len(c) > 8 {
			continue
		}
		code := c + strings.Repeat("0", 8-len(c))
		p.concepts = append(p.concepts, concept{prefix: c, code: code, weight: 1, why: "declared CPV " + c, div: division(c), declared: true})
	}
	p.concepts = append(p.concepts, s.rollUpSkills(p.skills)...)
	if !s.off.has(ablateBranch) {
		p.off = offBranch(p.skills, p.concepts)
	}
	for _, c := range pf.Clusters {
		for i, b := range s.clusters {
			if b.name == c {
				p.clusters = append(p.clusters, i)
			}
		}
	}
	for _, c := range pf.Sectors {
		for i, b := range s.sectors {
			if b.name == c {
				p.sectors = append(p.sectors, i)
			}
		}
	}
	note := func(c concept) {
		if c.div < 0 {
			p.wildW = math.Max(p.wildW, c.weight)
			return
		}
		for i := range p.divW {
			if p.divW[i].div == c.div {
				p.divW[i].w = math.Max(p.divW[i].w, c.weight)
				return
			}
		}
		p.divW = append(p.divW, divWeight{c.div, c.weight})
	}
	p.noCPV = len(p.concepts) == 0
	for _, sk := range p.skills {
		p.noCPV = p.noCPV && len(sk.concepts) == 0
	}
	for _, c := range p.concepts {
		note(c)
	}
	p.divs = divsOf(p.concepts)
	for _, sk := range p.skills {
		for _, c := range sk.concepts {
			note(c)
		}
	}
	return p
}

// rollUpSkills adds group (3 digits) concepts named by at least two different skills and
// division (2 digits) concepts named by at least three: a profile whose skills converge
// on a part of the CPV tree is about that part as a whole.
func (s *Scorer) rollUpSkills(skills []*phrase) []concept {
	var items []rollItem
	for _, sk := range skills {
		for _, c := range sk.concepts {
			items = append(items, rollItem{c.prefix, c.weight, sk.id})
		}
	}
	return rollUp(items, []rollLevel{{3, 2, 0.75}, {2, 3, 0.65}}, nil, func(n int) string { return fmt.Sprintf("%d skills", n) }, true)
}

// divsOf is the set of the divisions of cs, every division when one has none (a
// one-digit prefix): a notice whose codes share none of them fits none of cs.
func divsOf(cs []concept) divSet {
	var ds divSet
	for _, c := range cs {
		if c.div < 0 {
			return divSet{^uint64(0), ^uint64(0)}
		}
		ds.add(c.div)
	}
	return ds
}

// divSet is a set of CPV divisions (the first two digits, 0-99).
type divSet [2]uint64

func (s *divSet) add(d int) {
	if d >= 0 {
		s[d/64] |= 1 << (d % 64)
	}
}

func (s divSet) has(d int) bool { return s[d/64]&(1<<(d%64)) != 0 }

func (s divSet) meets(t divSet) bool { return s[0]&t[0] != 0 || s[1]&t[1] != 0 }

// division returns the first two digits of a code or prefix, or -1 when it has fewer.
func division(code string) int {
	if len(code) < 2 || code[0] < '0' || code[0] > '9' || code[1] < '0' || code[1] > '9' {
		return -1
	}
	return int(code[0]-'0')*10 + int(code[1]-'0')
}
