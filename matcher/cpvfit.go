package matcher

import (
	"strings"
)

// loneBroadCPV is what a broad CPV fit is worth when it is the only topical evidence: no
// skill in the notice's words, no cluster, no sector. Broad is a division-wide concept, a
// concept merely inferred from several skills converging on a group (rolled up), or a
// notice code that is not under the concept (a sibling, or a broader code). Measured on
// the dev set with the default rules, such lone matches were relevant 2 to 25 times in
// 100, against 45 to 96 for a notice code under a group or narrower concept named by the
// member or by one skill: a member whose skills map to division 45 must not get every
// construction notice.
const loneBroadCPV = 0.5

// specificFit: the notice code is under the concept, and the concept is at least a group
// named by the member or by one of its skills.
func specificFit(code string, c *concept) bool {
	return len(c.prefix) >= 3 && !c.rolled && strings.HasPrefix(code, c.prefix)
}

// bestConcept is the best fit between concepts and the notice's codes (main code first,
// others at 0.8), first best kept on ties: full is the fit as it counts beside other
// evidence, lone as it counts alone (broad fits at loneBroadCPV). The concepts marked in
// off (bit ci for concept ci) are off the profile's branch and count at offBranchCPV.
func bestConcept(cs []concept, d *doc, off uint64) (full, lone cpvFit) {
	full, lone = cpvFit{i: -1, c: -1}, cpvFit{i: -1, c: -1}
	for ci := range cs {
		c := &cs[ci]
		if c.div >= 0 && !d.divs.has(c.div) {
			continue // no common division: no fit
		}
		for i, code := range d.cpv {
			w := 1.0
			if i > 0 {
				w = 0.8
			}
			x := w * c.weight * cpvSim(code, d.cpvPre[i], c.prefix)
			if ci < 64 && off&(1<<ci) != 0 {
				x *= offBranchCPV
			}
			if x > full.v {
				full = cpvFit{x, int32(i), int32(ci)}
			}
			if !specificFit(code, c) {
				x *= loneBroadCPV
			}
			if x > lone.v {
				lone = cpvFit{x, int32(i), int32(ci)}
			}
		}
	}
	return full, lone
}

// bestInferred is the best fit between concepts and the codes inferred for a notice
// without codes, each fit weighed by the confidence of its code: full beside other
// evidence, lone when nothing else agrees — where only a specific fit counts (a guessed
// code that is also a broad fit is no evidence at all).
func bestInferred(cs []concept, d *doc) (full, lone cpvFit) {
	full, lone = cpvFit{i: -1, c: -1}, cpvFit{i: -1, c: -1}
	for ci := range cs {
		c := &cs[ci]
		if c.div >= 0 && !d.divs.has(c.div) {
			continue
		}
		for i := range d.inferred {
			x := &d.inferred[i]
			v := c.weight * x.conf * cpvSim(x.code, x.pre, c.prefix)
			if v > full.v {
				full = cpvFit{v, int32(i), int32(ci)}
			}
			if v > lone.v && specificFit(x.code, c) {
				lone = cpvFit{v, int32(i), int32(ci)}
			}
		}
	}
	return full, lone
}
