package matcher

// Off-branch concepts: a member is one business, and most of its skills' concepts land in
// the one or two CPV divisions of its trade. A skill whose concepts fall in a division no
// other skill of the profile (nor a code it declares) touches has most likely been read in
// another trade's sense — the misreadings of issue #7: "cybersécurité" as guarding
// services (7971) beside IT skills, "management consulting" as IT project management
// (72224) beside business-advice skills, "réalisation" as green-space works. Such a fit
// still counts, at offBranchCPV of its value, so that a member with a real second trade
// keeps it, below the fits of its core.
//
// Measured on the coded dev set (eval, default rules): nDCG@10 0.752 → 0.796, precision
// of kept pairs 0.659 → 0.731 at recall 0.624 → 0.623 (factor 0.7: 0.788; 0.3 and 0:
// 0.796). On codes inferred for a notice without any, the same discount cost nDCG@10
// 0.439 → 0.429 on the uncoded dev set (folds 0.402 → 0.410, 0.398 → 0.393): an inferred
// code is already weighed by how many of the notice's neighbours agree, so the discount
// applies to a notice's own codes only. The EU calls (no codes, none inferred) do not move.
const (
	offBranchCPV = 0.5
	// A profile needs branchMinSkills skills naming codes to have a branch to be off.
	branchMinSkills = 3
)

// offBranch marks, per skill of p, the concepts (bit ci for concept ci, the first 64)
// whose division no other skill's concept and no code the member declares shares (a
// roll-up of the profile's always spans two skills or more). Nil when the profile has too few skills naming codes to tell.
func offBranch(skills []*phrase, own []concept) []uint64 {
	with := 0
	for _, sk := range skills {
		if len(sk.concepts) > 0 {
			with++
		}
	}
	if with < branchMinSkills {
		return nil
	}
	// Divisions named per source: skill index, or -1 for the profile's own concepts.
	by := map[int]map[int]bool{}
	note := func(div, from int) {
		if by[div] == nil {
			by[div] = map[int]bool{}
		}
		by[div][from] = true
	}
	for i, sk := range skills {
		for _, c := range sk.concepts {
			if c.div >= 0 {
				note(c.div, i)
			}
		}
	}
	for _, c := range own {
		if c.declared && c.div >= 0 {
			note(c.div, -1)
		}
	}
	var out []uint64
	marked := false
	for _, sk := range skills {
		var m uint64
		for ci, c := range sk.concepts {
			if ci < 64 && c.div >= 0 && len(by[c.div]) == 1 {
				m |= 1 << ci
			}
		}
		if m != 0 {
			marked = true
		}
		out = append(out, m)
	}
	if !marked {
		return nil
	}
	return out
}

// isOff reports whether concept ci of skill i is off the profile's branch.
func (p *profile) isOff(i int, ci int32) bool {
	return p.off != nil && ci >= 0 && ci < 64 && p.off[i]&(1<<ci) != 0
}
