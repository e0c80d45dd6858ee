package matcher

import (
	passerelle "github.com/passerelle/passerelle"
)

// memo caches per-notice work shared by the profiles scored against one notice — each
// skill's text match and CPV fit, their evidence, each exclusion's verdict — indexed by
// phrase id. Reset it (a new epoch) for each notice. The numbers scoring reads (text, CPV)
// are kept apart from the evidence, in small entries: 100,000 profiles hold hundreds of
// thousands of phrases, and the numbers are read for every candidate.
type memo struct {
	epoch uint32
	// text and cpv hold each entry beside the epoch it is valid for: scoring a candidate
	// reads the entries of its skills, scattered over hundreds of thousands, and one
	// cache miss per entry is cheaper than two.
	text   []textEntry
	cpv    []cpvEntry
	xstamp []uint32 // epoch of cold[id]
	cold   []coldMemo
	// parts is the buffer numbers writes a breakdown's parts in, reused notice after
	// notice.
	parts []part
	// conceptEv is the evidence of profiles' own concepts in this notice.
	conceptEv map[conceptEvKey]conceptEv
	// arena, when set, is where explanations are carved from (one allocation for many
	// matches in the batch).
	arena []passerelle.Contribution
	// regionEv is the evidence of a single declared region in this notice, by region as
	// the member wrote it: most members declare one, and thousands the same.
	regionEv map[string]conceptEv
	// budgetEv, budgetR: the budget evidence of this notice (the same for every member
	// within budget), once budgetDone.
	budgetEv   string
	budgetR    *passerelle.Reason
	budgetDone bool
	// keysDone: the Monitor has already matched every skill having a key term in the
	// notice, so any other skill provably has no text match (see variant.keys).
	keysDone bool
}

// cpvMemo is the best fit of a phrase's concepts with the notice's codes (cpv), and the
// best when nothing else corroborates it (lone: broad fits discounted, see loneBroadCPV).
type cpvMemo struct {
	cpv, lone    cpvFit
	inf, infLone cpvFit // with the codes inferred for a notice without codes (i into doc.inferred)
}

// noCPVFit is the fit of concepts sharing no division with a notice.
var noCPVFit = cpvMemo{cpv: noFit, lone: noFit, inf: noFit, infLone: noFit}

var noFit = cpvFit{i: -1, c: -1}

// textEntry is a skill's text match in the notice of epoch.
type textEntry struct {
	hit   skillHit
	epoch uint32
}

// cpvEntry is a skill's CPV fits in the notice of epoch.
type cpvEntry struct {
	cpvMemo
	epoch uint32
}

// coldMemo is what only explanations and exclusions need.
type coldMemo struct {
	flags  uint8
	textEv [2]string // without and with the note of textExtra
	cpvEv  [2]string // evidence of cpv and of lone
	textR  *passerelle.Reason
	cpvR   [2]*passerelle.Reason
	ex     string
}

// cpvFit is a fit between a notice code (i, into doc.cpv) and a concept (c); v is 0 and
// i, c are -1 when there is none.
type cpvFit struct {
	v    float64
	i, c int32
}

const (
	hasEx uint8 = 1 << iota
	hasTextEv
	hasCPVEv
	hasLoneEv
	hasTextNoteEv
)

func newMemo(n int) *memo {
	return &memo{epoch: 1,
		text: make([]textEntry, n), cpv: make([]cpvEntry, n),
		xstamp: make([]uint32, n), cold: make([]coldMemo, n)}
}

func (mm *memo) reset() {
	mm.epoch++
	mm.keysDone = false
	clear(mm.conceptEv)
	clear(mm.regionEv)
	mm.budgetEv, mm.budgetR, mm.budgetDone = "", nil, false
}

// regionEvidence is the evidence that o lies in one of regions (which it does), as text
// and as a reason; shared by the members declaring the same single region.
func (mm *memo) regionEvidence(regions []string, o *passerelle.Opportunity) (string, *passerelle.Reason) {
	if len(regions) == 1 {
		if ev, ok := mm.regionEv[regions[0]]; ok {
			return ev.text, ev.reason
		}
	}
	ev, where := regionHit(regions, o, true)
	r := reasonOf(passerelle.ReasonRegion, "where", where)
	if len(regions) == 1 {
		if mm.regionEv == nil {
			mm.regionEv = map[string]conceptEv{}
		}
		mm.regionEv[regions[0]] = conceptEv{ev, r}
	}
	return ev, r
}

// conceptEv is the evidence of a concept's fit, as text and as a reason.
type conceptEv struct {
	text   string
	reason *passerelle.Reason
}

// conceptEvKey identifies the evidence of a concept's fit in the current notice.
type conceptEvKey struct {
	at                int32 // index of the notice code
	alone             bool
	prefix, code, why string
}

// skill is the text match of sk in d.
func (s *Scorer) skill(sk *phrase, d *doc, mm *memo) *skillHit {
	e := &mm.text[sk.id]
	if e.epoch != mm.epoch {
		if mm.keysDone {
			return &noText
		}
		e.epoch, e.hit = mm.epoch, s.matchSkill(sk, d)
	}
	return &e.hit
}

// setSkill records the text match of a skill (the Monitor matches skills by their keys).
func (s *Scorer) setSkill(sk *phrase, d *doc, mm *memo) *skillHit {
	e := &mm.text[sk.id]
	e.epoch, e.hit = mm.epoch, s.matchSkill(sk, d)
	return &e.hit
}

// skillCPV is the best fit of sk's concepts with d's codes and with those inferred for d.
func (s *Scorer) skillCPV(sk *phrase, d *doc, mm *memo) *cpvMemo {
	if !sk.divs.meets(d.divs) {
		// No concept in a division of d (bestConcept and bestInferred would skip them
		// all): no fit, and no entry to fetch from memory.
		return &noCPVFit
	}
	e := &mm.cpv[sk.id]
	if e.epoch != mm.epoch {
		e.epoch = mm.epoch
		e.cpv, e.lone = bestConcept(sk.concepts, d, 0)
		e.inf, e.infLone = bestInferred(sk.concepts, d)
	}
	return &e.cpvMemo
}

func (mm *memo) coldOf(id int) *coldMemo {
	if mm.xstamp[id] != mm.epoch {
		mm.xstamp[id] = mm.epoch
		mm.cold[id] = coldMemo{}
	}
	return &mm.cold[id]
}

func (s *Scorer) exclusion(x *phrase, d *doc, mm *memo) string {
	e := mm.coldOf(x.id)
	if e.flags&hasEx == 0 {
		e.ex = s.excluded(x, d)
		e.flags |= hasEx
	}
	return e.ex
}
