package matcher

import (
	"math"
	"sort"
	"strings"
)

// concept is a CPV code (or prefix) a profile is about, with how sure we are.
type concept struct {
	prefix string  // significant digits: a notice code under it fits fully
	code   string  // the 8-digit code it came from, for the label in explanations
	weight float64 // 0..1
	why    string  // "skill 'catering'", "declared", "3 skills"
	div    int     // the division (first two digits), -1 for a one-digit prefix
	// rolled: inferred because several skills converge on a group or division, not named
	// by the member nor by one skill's words: alone, it is a broad fit (see specificFit).
	rolled bool
	// agreed is how many sources a roll-up found below its prefix (skills, for a
	// profile's); declared marks a prefix the member declared.
	agreed   int
	declared bool
}

// Bridge limits: a skill names at most maxConcepts codes, only those scoring at least
// conceptFloor and within conceptSpread of its best one.
const (
	maxConcepts   = 12
	conceptFloor  = 0.3
	conceptSpread = 0.75
	minLabelCover = 0.6
)

// conceptsOf maps a phrase to the CPV codes whose labels say the same thing, in any of
// the vocabulary's four languages: the share of the phrase's (rarity-weighted) words
// found in the label must be high, and labels mostly made of the phrase's words are
// preferred (a specific code over a broad one that merely mentions a word).
func conceptsOf(p *phrase, v *Vocabulary) []concept {
	best := map[int32]float64{}
	for _, va := range p.alts {
		for l := langEN; l < nLang; l++ {
			uniq := va.uniq[l]
			if len(uniq) == 0 || va.total[l] <= 0 {
				continue
			}
			// Rarity-weighted share of the phrase in each label that uses any of its words.
			got := map[int32]float64{}
			for i, t := range uniq {
				for _, c := range v.post[l][t] {
					got[c] += va.idf[l][i]
				}
			}
			for c, g := range got {
				cov := g / va.total[l]
				if cov < minLabelCover {
					continue
				}
				// Share of the label's weight that the phrase accounts for.
				var lab, in float64
				for _, t := range v.terms[l][c] {
					x := v.termIDF(t, l)
					lab += x
					for _, u := range uniq {
						if u == t {
							in += x
							break
						}
					}
				}
				lc := 0.0
				if lab > 0 {
					lc = in / lab
				}
				s := cov * cov * (0.4 + 0.6*lc)
				if s > best[c] {
					best[c] = s
				}
			}
		}
	}
	if len(best) == 0 {
		return nil
	}
	type cand struct {
		c int32
		s float64
	}
	cands := make([]cand, 0, len(best))
	top := 0.0
	for c, s := range best {
		cands = append(cands, cand{c, s})
		top = math.Max(top, s)
	}
	if top < conceptFloor {
		return nil
	}
	sort.Slice(cands, func(i, j int) bool {
		if cands[i].s != cands[j].s {
			return cands[i].s > cands[j].s
		}
		return v.codes[cands[i].c].Code < v.codes[cands[j].c].Code
	})
	var out []concept
	for _, c := range cands {
		if c.s < conceptSpread*top || len(out) == maxConcepts {
			break
		}
		code := v.codes[c.c].Code
		out = append(out, concept{prefix: v.Prefix(code), code: code, weight: c.s, why: "skill " + quoteS(p.text), div: division(code)})
	}
	// Roll up: several codes of this skill in one class or group mean the skill is about
	// the whole class or group, not only the codes whose labels happen to use its words.
	items := make([]rollItem, len(out))
	for i, c := range out {
		items[i] = rollItem{c.prefix, c.weight, i}
	}
	why := "skill " + quoteS(p.text)
	out = append(out, rollUp(items, []rollLevel{{4, 2, 0.85}, {3, 2, 0.85}}, out, func(int) string { return why }, false)...)
	return out
}

// rollLevel is one level of a roll-up: prefixes of n digits named by at least min
// different sources become a concept weighing factor × the heaviest below.
type rollLevel struct {
	n, min int
	factor float64
}

// rollItem is a concept a roll-up counts, and its source (a skill, or the concept itself).
type rollItem struct {
	prefix string
	weight float64
	from   int
}

// rollUp adds, level by level, a concept for each prefix that enough different sources
// name below it — several codes of one skill in a class mean the skill is about the
// class; several skills in a group mean the profile is about the group —, unless a
// concept of exclude or an earlier roll-up already covers it. why says how many sources
// agreed; rolled marks concepts merely inferred from a convergence (see specificFit).
func rollUp(items []rollItem, levels []rollLevel, exclude []concept, why func(n int) string, rolled bool) []concept {
	var out []concept
	for _, lv := range levels {
		type agg struct {
			from map[int]bool
			w    float64
		}
		groups := map[string]*agg{}
		var order []string
		for _, it := range items {
			if len(it.prefix) < lv.n {
				continue
			}
			k := it.prefix[:lv.n]
			a := groups[k]
			if a == nil {
				a = &agg{from: map[int]bool{}}
				groups[k] = a
				order = append(order, k)
			}
			a.from[it.from] = true
			a.w = math.Max(a.w, it.weight)
		}
		for _, k := range order {
			a := groups[k]
			if len(a.from) < lv.min || covered(exclude, k) || covered(out, k) {
				continue
			}
			out = append(out, concept{prefix: k, code: k + strings.Repeat("0", 8-len(k)), weight: lv.factor * a.w,
				why: why(len(a.from)), div: division(k), rolled: rolled, agreed: len(a.from)})
		}
	}
	return out
}

// covered reports whether a concept already spans prefix k.
func covered(cs []concept, k string) bool {
	for _, c := range cs {
		if strings.HasPrefix(k, c.prefix) {
			return true
		}
	}
	return false
}

// cpvSim is how well a notice code fits a concept, by the CPV hierarchy: a code under the
// concept fits fully; otherwise the deeper their common ancestor, the better (same
// category > class > group > division). A notice code that is an ancestor of the concept
// (a broad notice) fits a little better than a sibling at the same depth.
func cpvSim(code, codePrefix, conceptPrefix string) float64 {
	if strings.HasPrefix(code, conceptPrefix) {
		return 1
	}
	l := 0
	for l < len(codePrefix) && l < len(conceptPrefix) && codePrefix[l] == conceptPrefix[l] {
		l++
	}
	ancestor := l == len(codePrefix)
	return simAt(l, ancestor)
}

func simAt(l int, ancestor bool) float64 {
	switch {
	case l >= 5:
		return 0.75
	case l == 4:
		if ancestor {
			return 0.7
		}
		return 0.6
	case l == 3:
		if ancestor {
			return 0.55
		}
		return 0.4
	case l == 2:
		if ancestor {
			return 0.3
		}
		return 0.15
	}
	return 0
}

// siblingMaxBelow is the best cpvSim between codes that share fewer than n digits and
// neither contains the other: the Monitor's bound for profiles it does not retrieve.
func siblingMaxBelow(n int) float64 {
	m := 0.0
	for l := 0; l < n; l++ {
		m = math.Max(m, simAt(l, false))
	}
	return m
}

func quoteS(s string) string { return "'" + s + "'" }
