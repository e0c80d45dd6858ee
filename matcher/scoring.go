package matcher

import (
	"fmt"
	"math"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Why skills found whole earned the CPV weight too: the CPV signal had nothing to
// compare on one side.
const (
	noteNone uint8 = iota
	noteNoticeNoCPV
	noteProfileNoCPV
	noteNoticeInferred
)

// textExtra is the CPV weight that the text signal may earn on top of its own for profile
// p on notice d, and why. CPV codes are evidence only where both sides have them: a call
// for projects from a pole's RSS feed carries none, and a profile whose words name no code
// of the vocabulary has none to compare. Missing data is not disagreement: the words are
// then the only topical evidence there is, and text alone (its own weight, 20 by default)
// could never reach the threshold. So the skills found whole in the notice (every word,
// as a phrase or scattered) earn the CPV weight as well, saturated like the text signal;
// each such text contribution carries its share and says so, and the contributions still
// add up to the score. A mere part of a skill's words earns nothing more: on the dev set
// stripped of its codes (TestDevSetWithoutCPV), the matches this would keep on parts of
// skills were relevant 7 times in 53, against 45 in 100 on skills found whole; as it is,
// 238 pairs are kept, 44% relevant (2 before; with the codes, 1,710 and 55%). Words
// still have to be found, so an empty or unrelated profile gets nothing; with a text
// or CPV weight of 0 nothing moves.
func (s *Scorer) textExtra(p *profile, d *doc) (float64, uint8) {
	w := &s.rules.Weights
	if w.Text <= 0 || w.CPV <= 0 {
		return 0, noteNone
	}
	switch {
	case len(d.cpv) == 0 && len(d.inferred) > 0:
		// Codes inferred from the nearest coded notices compare in the CPV signal by
		// their confidence; the words keep the part of the weight they leave.
		return w.CPV * (1 - d.inferred[0].conf), noteNoticeInferred
	case len(d.cpv) == 0:
		return w.CPV, noteNoticeNoCPV
	case p.noCPV:
		return w.CPV, noteProfileNoCPV
	}
	return 0, noteNone
}

// textNotes are the notes textExtra's reasons add to the evidence of skills found whole.
var textNotes = [...]string{
	noteNoticeNoCPV:  "notice without CPV codes: its words also earn the CPV weight",
	noteProfileNoCPV: "profile naming no CPV code: its words also earn the CPV weight",
}

// textNote is the note of textExtra's reason on d.
func textNote(note uint8, d *doc) string {
	if note == noteNoticeInferred {
		x := d.inferred[0]
		return fmt.Sprintf("notice without CPV codes: its words also earn the part of the CPV weight its inferred code leaves (CPV %s, confidence %.2f), ×%.2f",
			x.code, x.conf, 1-x.conf)
	}
	return textNotes[note]
}

// textSaturation: the text signal gives 1-exp(-Σ/k) of its weight, so one skill in the
// title gives about two thirds and further skills add less and less.
const textSaturation = 1.0

type scored struct {
	score   float64
	topical float64
	veto    string
	contrib []passerelle.Contribution
	parts   breakdown
}

// breakdown is what a score is made of, as numbers: the parts it adds, how they were
// scaled (0: a topical score, unrounded), and the choices its evidence must name — why
// skills found whole earned more (textExtra), which CPV fit counted and whether alone.
// parts lives in the memo's buffer: it is valid until the next numbers call with it.
type breakdown struct {
	parts    []part
	scale    float64
	textNote uint8
	cpv      cpvFit
	cpvAlone bool
	cpvOff   bool // the fit is of a skill's concept off the profile's branch (offBranch)
}

// Signals of a part, in the order a score adds them.
const (
	sigText uint8 = iota
	sigCPV
	sigCluster
	sigSector
	sigDeadline
	sigFreshness
	sigRegion
	sigBudget
)

var signalNames = [...]string{"text", "cpv", "cluster", "sector", "deadline", "freshness", "region", "budget"}

// part is one contribution as numbers: which signal, whose (the skill for text, the
// bundle for cluster and sector), how many points before rounding.
type part struct {
	sig uint8
	who int32
	x   float64
}

// score is the one scoring function both paths (Score and the Monitor) run. With explain
// false it computes the same numbers without building the evidence; explain then builds
// it from the breakdown.
func (s *Scorer) score(p *profile, d *doc, now time.Time, topicalOnly, explain bool, mm *memo) scored {
	out := s.numbers(p, d, topicalOnly, explain, mm)
	if explain && out.veto == "" {
		out.contrib = s.explain(p, d, out.parts, mm)
	}
	return out
}

// numbers computes the score of p on d and its breakdown, without any evidence text.
// Without why, a veto is only marked (vetoed), not explained.
func (s *Scorer) numbers(p *profile, d *doc, topicalOnly, why bool, mm *memo) scored {
	var out scored
	veto := func(v string) scored { return scored{veto: v} }
	o, r := d.o, &s.rules
	if p.empty {
		return veto("empty profile: nothing declared to match on")
	}
	// Eligibility is not a matter of dates or subscription: even a topical score (eval)
	// gives nothing for a call the member may not apply to.
	if d.instr != instrOpen && !s.off.has(ablateEligibility) {
		if v := eligibilityVeto(d.instr, o.ActionType, p.org); v != "" {
			return veto(v)
		}
	}
	if !topicalOnly {
		if !p.premium {
			return veto("member tier " + string(p.m.Tier) + ": matches are for premium members")
		}
		if d.closed != "" {
			return veto(d.closed)
		}
		if d.deadlineVeto != "" {
			return veto(d.deadlineVeto)
		}
		if d.global != "" {
			return veto(d.global)
		}
		for _, x := range p.excludes {
			if v := s.exclusion(x, d, mm); v != "" {
				return veto(v)
			}
		}
		if len(p.regions) > 0 {
			if !regionIn(p.regUp, d) && (len(o.NUTS) > 0 || o.Country != "") {
				if !why {
					return veto(vetoed)
				}
				return veto(regionVeto(p.regions, o))
			}
		}
		if p.budget != nil && budgetOut(p.budget, o.Value) {
			if !why {
				return veto(vetoed)
			}
			return veto(budgetVeto(p.budget, o.Value))
		}
	}
	parts := mm.parts[:0]
	var b breakdown
	add := func(sig uint8, who int, x float64) {
		if x > 0 {
			parts = append(parts, part{sig, int32(who), x})
		}
	}
	// Text: each skill's best match, saturated together. Two skills found through the
	// same wording (a skill and its synonym) are one piece of evidence, counted once.
	textSum, wholeSum, nText := 0.0, 0.0, 0
	if r.Weights.Text > 0 {
		for i, sk := range p.skills {
			if h := s.skill(sk, d, mm); h.score > 0 {
				nText++
				if !s.sameWording(p, i, d, mm) {
					textSum += h.score
					if h.whole {
						wholeSum += h.score
					}
				}
			}
		}
	}
	cluster, sector := -1, -1
	if r.Weights.Cluster > 0 {
		for _, ci := range p.clusters {
			if d.clusters[ci].strength > 0 && (cluster < 0 || d.clusters[ci].strength > d.clusters[cluster].strength) {
				cluster = ci
			}
		}
	}
	if r.Weights.Sector > 0 {
		for _, si := range p.sectors {
			if d.sectors[si].strength > 0 && (sector < 0 || d.sectors[si].strength > d.sectors[sector].strength) {
				sector = si
			}
		}
	}
	if textSum > 0 {
		// The skills found whole may earn the CPV weight too, saturated apart (textExtra).
		extra, note := s.textExtra(p, d)
		if wholeSum <= 0 {
			extra, note = 0, noteNone
		}
		b.textNote = note
		total := r.Weights.Text * (1 - math.Exp(-textSum/textSaturation))
		more := extra * (1 - math.Exp(-wholeSum/textSaturation))
		for i, sk := range p.skills {
			h := s.skill(sk, d, mm)
			if h.score <= 0 {
				continue
			}
			if s.sameWording(p, i, d, mm) {
				continue
			}
			x := total * h.score / textSum
			if h.whole && more > 0 {
				x += more * h.score / wholeSum
			}
			add(sigText, i, x)
		}
	}
	// CPV: the best fit between the notice's codes (main code first) — or, on a notice
	// without codes, the codes inferred for it from its nearest coded notices, weighed by
	// their confidence — and the profile's; alone (nothing else in the notice agrees), a
	// broad fit counts less (an inferred one nothing). A part of a skill's words is no
	// agreement: one common word ("conseil" of "conseil en gestion" in a tender for legal
	// advice) beside a division-wide fit made 22.7 points of a management consultant's
	// legal tenders. Counting only skills found whole, on TED with codes MAP 0.766 →
	// 0.774 and kept pairs 1076 at precision 0.732, recall 0.620 → 1043 at 0.753, 0.618
	// (nDCG@10 0.804 → 0.802: one member's top ten swaps two notices); without codes
	// nDCG@10 0.467 → 0.468, MAP 0.122 → 0.124; EU calls unchanged.
	b.cpv = cpvFit{i: -1, c: -1}
	if inferred := len(d.cpv) == 0; r.Weights.CPV > 0 && (!inferred || len(d.inferred) > 0) {
		alone := wholeSum <= 0 && cluster < 0 && sector < 0
		if best, from := s.bestCPV(p, d, mm, alone, inferred); best.v > 0 {
			b.cpv, b.cpvAlone = best, alone
			b.cpvOff = !inferred && from >= 0 && p.isOff(from, best.c)
			add(sigCPV, from, r.Weights.CPV*best.v)
		}
	}
	if cluster >= 0 {
		add(sigCluster, cluster, r.Weights.Cluster*d.clusters[cluster].strength)
	}
	if sector >= 0 {
		add(sigSector, sector, r.Weights.Sector*d.sectors[sector].strength)
	}
	for _, pt := range parts {
		out.topical += pt.x
	}
	if topicalOnly || out.topical <= 0 {
		out.score = out.topical
		mm.parts, b.parts = parts, parts
		out.parts = b
		return out
	}
	// Practical signals order what fits; they never make a match on their own.
	add(sigDeadline, -1, d.deadlinePts)
	add(sigFreshness, -1, d.freshPts)
	if len(p.regions) > 0 && r.Weights.Region > 0 && regionIn(p.regUp, d) {
		add(sigRegion, -1, r.Weights.Region)
	}
	if p.budget != nil && o.Value != nil && o.Value.Amount > 0 && r.Weights.Budget > 0 && budgetComparable(o.Value) && !budgetOut(p.budget, o.Value) {
		add(sigBudget, -1, r.Weights.Budget)
	}
	// Round each contribution to 0.1 and let the score be their sum, capped at 100 by
	// scaling every contribution alike.
	raw := 0.0
	for _, pt := range parts {
		raw += pt.x
	}
	scale := 1.0
	if raw > 100 {
		scale = 100 / raw
	}
	tenths := 0
	for _, pt := range parts {
		tenths += int(math.Round(pt.x * scale * 10))
	}
	out.score = float64(tenths) / 10
	mm.parts, b.parts, b.scale = parts, parts, scale
	out.parts = b
	return out
}

// bestCPV is the best fit of the profile's concepts — its skills' (from their index) or
// its own (from -1) — with the notice's codes, or with those inferred for it, as it
// counts alone or beside other evidence.
func (s *Scorer) bestCPV(p *profile, d *doc, mm *memo, alone, inferred bool) (best cpvFit, from int) {
	best, from = cpvFit{i: -1, c: -1}, -1
	pick := func(full, lone cpvFit) cpvFit {
		if alone {
			return lone
		}
		return full
	}
	for i, sk := range p.skills {
		e := s.skillCPV(sk, d, mm)
		f := pick(e.cpv, e.lone)
		if inferred {
			f = pick(e.inf, e.infLone)
		} else if p.isOff(i, f.c) {
			// The skill's best fit is off the profile's branch: another of its concepts
			// may now fit best.
			f = pick(bestConcept(sk.concepts, d, p.off[i]))
		}
		if f.v > best.v {
			best, from = f, i
		}
	}
	if len(p.concepts) > 0 && p.divs.meets(d.divs) {
		var f cpvFit
		if inferred {
			f = pick(bestInferred(p.concepts, d))
		} else {
			f = pick(bestConcept(p.concepts, d, 0))
		}
		if f.v > best.v {
			best, from = f, -1
		}
	}
	return best, from
}
