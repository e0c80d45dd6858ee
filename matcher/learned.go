package matcher

import (
	"fmt"
	"math"
	"sort"
)

// Learned concepts: which CPV codes a skill's words really go with, read from the coded
// examples (the bridge's public notices and the store's). The CPV labels alone mislead
// where a word has several trades: "cybersécurité" reads like the labels of security
// services (guarding) and security equipment, while the notices that use the word are
// coded as security software and IT services; "entretien et réparation" reads like
// construction works, while the notices are repair services. So a skill's label concepts
// are checked against the notices that use its words, and those notices add the code
// groups they agree on.
const (
	// A skill's words must be in at least learnMinSupport examples to learn anything,
	// and in learnContradict for the examples to overrule the labels.
	learnMinSupport = 5
	learnContradict = 12
	// A group is learned when at least learnMinShare of those examples (and learnMinCount
	// of them) have their main code in it, and that share is learnMinLift times the
	// group's share of all examples: a group that every second notice is in says nothing.
	learnMinShare = 0.2
	learnMinCount = 3
	learnMinLift  = 4.0
	// A label concept whose group holds under learnLabelFloor of the examples is
	// contradicted by them.
	learnLabelFloor = 0.03
	// A learned class (four digits) stands for its group when it holds this share of the
	// group's examples.
	learnClassShare = 0.7
	maxLearned      = 4
)

// learnConcepts returns the concepts of skill p: its label concepts that the examples do
// not contradict, and the groups the examples agree on. Without enough examples using the
// skill's words, the labels stand as they are.
func (e *examples) learnConcepts(p *phrase, labels []concept) []concept {
	if e == nil {
		return labels
	}
	e.finish()
	docs := e.using(p)
	n := len(docs)
	if n < learnMinSupport {
		return labels
	}
	groups := map[string]int{}
	classes := map[string]int{}
	for _, d := range docs {
		c := e.codes[d][0]
		groups[c[:3]]++
		classes[c[:4]]++
	}
	var out []concept
	for _, c := range labels {
		if n >= learnContradict && len(c.prefix) >= 3 && float64(groups[c.prefix[:3]]) < learnLabelFloor*float64(n) {
			continue // the notices using these words are not in this group
		}
		out = append(out, c)
	}
	type cand struct {
		prefix string
		k      int
		share  float64
	}
	var cands []cand
	total := float64(e.notices)
	for g, k := range groups {
		share := float64(k) / float64(n)
		if k < learnMinCount || share < learnMinShare || share < learnMinLift*float64(e.group[g])/total {
			continue
		}
		prefix := g
		// The class that holds most of the group's examples is the surer concept.
		best, bk := "", 0
		for c, ck := range classes {
			if c[:3] == g && (ck > bk || (ck == bk && c < best)) {
				best, bk = c, ck
			}
		}
		if float64(bk) >= learnClassShare*float64(k) {
			prefix = best
		}
		cands = append(cands, cand{prefix, k, share})
	}
	sort.Slice(cands, func(a, b int) bool {
		if cands[a].k != cands[b].k {
			return cands[a].k > cands[b].k
		}
		return cands[a].prefix < cands[b].prefix
	})
	for i, c := range cands {
		if i == maxLearned {
			break
		}
		if covered(out, c.prefix) {
			continue
		}
		code := c.prefix + "00000000"[:8-len(c.prefix)]
		out = append(out, concept{prefix: c.prefix, code: code, weight: math.Min(0.9, math.Sqrt(c.share)),
			why: fmt.Sprintf("skill %s, learned: %d of the %d coded notices using its words", quoteS(p.text), c.k, n),
			div: division(code)})
	}
	return out
}

// using lists the examples holding every word of one of p's wordings, in a language of
// its analysis.
func (e *examples) using(p *phrase) []int32 {
	seen := map[int32]bool{}
	var out []int32
	for _, va := range p.alts {
		for l := lang(0); l < nLang; l++ {
			uniq := va.uniq[l]
			if len(uniq) == 0 {
				continue
			}
			var lists [][]int32
			for _, t := range uniq {
				lists = append(lists, e.inv[termKey(l, t)])
			}
			for _, d := range intersect(lists) {
				if !seen[d] {
					seen[d] = true
					out = append(out, d)
				}
			}
		}
	}
	return out
}

// intersect is the ids in every sorted list.
func intersect(lists [][]int32) []int32 {
	if len(lists) == 0 {
		return nil
	}
	sort.Slice(lists, func(a, b int) bool { return len(lists[a]) < len(lists[b]) })
	out := append([]int32(nil), lists[0]...)
	for _, l := range lists[1:] {
		k, j := 0, 0
		for _, x := range out {
			for j < len(l) && l[j] < x {
				j++
			}
			if j < len(l) && l[j] == x {
				out[k] = x
				k++
			}
		}
		out = out[:k]
	}
	return out
}
