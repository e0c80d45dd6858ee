package matcher

import (
	"math"
)

// translationTrust is how far a hit of a skill's translation counts against a hit of the
// skill's own words: a term a thesaurus aligns whole is surer than words translated one
// by one, which may each be right and together miss the sense ("expérience utilisateur"
// → "user experiment").
func translationTrust(tr translation) float64 {
	if tr.wordByWord {
		return wordByWordTrust
	}
	return termTrust
}

const (
	termTrust       = 0.8
	wordByWordTrust = 0.6
)

// skillHit is the best match of one skill in one notice.
type skillHit struct {
	score float64 // 0..1, field-weighted
	field int16
	alt   int16
	whole bool // every word of the skill found (as a phrase or scattered), not a part
	// confirm is 1 + the index of the title field that also holds the skill (some of
	// its words at least) when the best hit is in a description, 0 otherwise; confirmAlt
	// the wording found there (see titleConfirms).
	confirm, confirmAlt int16
}

func (s *Scorer) matchSkill(sk *phrase, d *doc) skillHit {
	best, title := skillHit{field: -1}, skillHit{field: -1}
	for fi, f := range d.fields {
		if fi > math.MaxInt16 {
			break // tens of thousands of translations: the rest is not read
		}
		fw := s.rules.Fields.Description
		if f.title {
			fw = s.rules.Fields.Title
		}
		if fw <= 0 {
			continue
		}
		alts := sk.alts
		if len(d.cpv) > 0 {
			alts = alts[:sk.trusted] // the others are translations, skipped below
		}
		for ai, va := range alts {
			if ai > math.MaxInt16 {
				break
			}
			if va.trust < 1 && len(d.cpv) > 0 {
				// A notice's codes already bridge its language and the member's (the
				// CPV labels are in four languages): a translation, a guess, serves
				// only the notices without codes.
				continue
			}
			if !va.keyIn(f, len(d.cpv) == 0) {
				continue // cannot cover minCoverage (see variant.keys)
			}
			h := va.matchW(f, false, len(d.cpv) == 0)
			if h.q <= 0 || (va.trust < 1 && !h.whole) {
				// A part of a translation's words is no evidence: they were one guess
				// together, and a part of them is mostly a word the skill's own
				// wordings find anyway.
				continue
			}
			sc := math.Min(1, h.q*fw/s.maxField*s.corpus.weigh(va, f, len(d.cpv) > 0, s.off)) * va.trust
			if !f.title && !s.off.has(ablateLead) {
				sc *= leadFactor(h.at, len(f.terms))
			}
			if f.title && sc > title.score {
				title = skillHit{score: sc, field: int16(fi), alt: int16(ai)}
			}
			if sc > best.score {
				best = skillHit{score: sc, field: int16(fi), alt: int16(ai), whole: h.whole}
			}
		}
	}
	if len(d.cpv) == 0 && !s.off.has(ablateTitle) && best.field >= 0 && !d.fields[best.field].title && title.field >= 0 {
		best.score = math.Min(1, best.score+titleConfirms*title.score)
		best.confirm, best.confirmAlt = title.field+1, title.alt
	}
	return best
}

// titleConfirms: a skill found in the description whose words the title also holds is
// what the notice is about, not a passing mention; the description hit gains this share
// of the title's (BM25F adds fields' evidence likewise), up to a full hit. Only without
// codes: with them, the codes already say what the notice is about, and on the coded
// dev set it only reshuffled them (nDCG@10 0.804 → 0.801). Measured beside the lead
// factor, nDCG@10: TED without codes 0.461 → 0.466, EU calls 0.479 → 0.486, French skills
// 0.434 → 0.438 at 0.5. In full (1.0), as BM25F sums fields: the rankings hold or gain
// (0.466, 0.487 → 0.490, 0.438; folds of the TED notices 0.422, 0.431 → 0.433) and the
// pairs delivered gain most — of the confirmed pairs among each member's 60 best EU
// calls, 0.79 are relevant against 0.18 for a description hit alone, and at 0.5 the
// threshold lost them: kept pairs on the calls 60 at precision 0.567, recall 0.288 →
// 64 at 0.578, 0.314; TED without codes 166 at 0.572, 0.075 → 168 at 0.577, 0.076.
const titleConfirms = 1.0

// noText is a skill without text match.
var noText = skillHit{field: -1}

// sameWording reports whether another skill of p matched the notice through the same
// wording as skill i (the same words, whatever their order and number) and counts
// instead of it: the higher hit, or the earlier of two equal ones.
func (s *Scorer) sameWording(p *profile, i int, d *doc, mm *memo) bool {
	e := s.skill(p.skills[i], d, mm)
	w := p.skills[i].alts[e.alt].bag
	for j := range p.skills {
		if j == i {
			continue
		}
		ej := s.skill(p.skills[j], d, mm)
		if ej.score > 0 && p.skills[j].alts[ej.alt].bag == w && (ej.score > e.score || ej.score == e.score && j < i) {
			return true
		}
	}
	return false
}

// keyIn reports whether f holds one of va's keys — the ones matchW's weights make keys
// (ckeys by the corpus, byCorpus). Without one, matchW finds less than minCoverage of
// the weight and nothing matches: a cheaper test, as most wordings tried on a notice
// are not in most of its fields.
func (va *variant) keyIn(f *field, byCorpus bool) bool {
	keys := va.keys[f.lang]
	if byCorpus && va.cidf[f.lang] != nil && va.ckeys[f.lang] != nil {
		keys = va.ckeys[f.lang]
	}
	for _, k := range keys {
		if len(f.pos[k]) > 0 {
			return true
		}
	}
	return false
}

// leadDiscount: a description says first what it is about; a skill it names only near
// its end is a side remark (the conditions, a list of application areas, the links to
// other topics). A description hit counts 1 - leadDiscount×(its position / the text's
// length). Measured on the 30 best pairs of each member before this factor, the share of
// relevant pairs by where the best description hit first stood, first to last quarter:
// EU calls 0.42, 0.32, 0.18, 0.14; TED notices without codes 0.44, 0.26, 0.30, 0.24.
// With it, nDCG@10: TED coded 0.796 → 0.804, without codes 0.443 → 0.444, EU calls 0.475
// → 0.479 (French skills 0.431 → 0.434); kept pairs fewer and surer (without codes 185 at
// precision 0.524 → 157 at 0.567; EU calls 80 at 0.475 → 60 at 0.567). At 0.3 and 0.7 the
// rankings move alike (0.805/0.443/0.480 and 0.803/0.456/0.474). Titles are short: all
// of a title is its lead.
const leadDiscount = 0.5

// leadFactor is the weight of a hit at position at of a description of n terms.
func leadFactor(at int32, n int) float64 {
	if n <= 0 {
		return 1
	}
	return 1 - leadDiscount*float64(at)/float64(n)
}
