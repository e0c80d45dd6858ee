package matcher

import (
	"context"
	"math"
	"runtime"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Monitor is the nightly batch path: a reverse index over member profiles, in the manner
// of Luwak / Lucene's Monitor. Profiles are indexed by what could make them match — the
// rarest words of each skill (in every analysis language), their CPV concepts, their
// clusters and sectors — and each opportunity streamed through it is scored only against
// the profiles it could match, with the very scoring function Score uses. A profile the
// index does not retrieve provably scores below the threshold (see cpvBounds), so Match
// keeps exactly the matches Score would keep.
type Monitor struct {
	s        *Scorer
	members  []passerelle.Member
	profiles []*profile // nil for members that can never match (basic tier, empty profile)
	nPhrases int
	phrases  []*phrase // the scorer's phrases when the index was built

	skillKeys    [nLang]map[string][]int32 // analysed term → skills that have it as a key
	skillMembers map[int32][]int32         // skill → members having it
	skillCPV     map[string][]int32        // CPV key → skills with a concept under it
	memberCPV    map[string][]int32        // CPV key → members with a declared or rolled-up concept
	skillAnc     map[string][]int32        // shorter prefix → skills with a concept key under it
	memberAnc    map[string][]int32        // shorter prefix → members with a concept key under it
	clusterMem   [][]int32
	sectorMem    [][]int32
	bounds       cpvBounds
	nScored      atomic.Int64 // profiles fully scored, for benchmarks
}

func (mon *Monitor) scanned() int64 { return mon.nScored.Load() }

// NewMonitor indexes the premium, non-empty profiles among members. The members slice is
// kept, not copied: do not change it while the Monitor is in use.
func NewMonitor(s *Scorer, members []passerelle.Member) *Monitor {
	mon := &Monitor{
		s: s, members: members, profiles: make([]*profile, len(members)),
		skillMembers: map[int32][]int32{}, skillCPV: map[string][]int32{}, memberCPV: map[string][]int32{},
		skillAnc: map[string][]int32{}, memberAnc: map[string][]int32{},
		clusterMem: make([][]int32, len(s.clusters)), sectorMem: make([][]int32, len(s.sectors)),
	}
	for l := range mon.skillKeys {
		mon.skillKeys[l] = map[string][]int32{}
	}
	mon.bounds = boundsOf(s.rules)
	indexedSkill := map[int]bool{}
	for i := range members {
		m := &members[i]
		if m.Tier != passerelle.TierPremium || m.EmptyProfile() {
			continue
		}
		p := s.compile(m)
		mon.profiles[i] = p
		for _, sk := range p.skills {
			id := int32(sk.id)
			mon.skillMembers[id] = append(mon.skillMembers[id], int32(i))
			if indexedSkill[sk.id] {
				continue
			}
			indexedSkill[sk.id] = true
			for l := lang(0); l < nLang; l++ {
				seen := map[string]bool{}
				for _, va := range sk.alts {
					for _, k := range va.keys[l] {
						if !seen[k] {
							seen[k] = true
							mon.skillKeys[l][k] = append(mon.skillKeys[l][k], id)
						}
					}
				}
			}
			seen := map[string]bool{}
			for _, c := range sk.concepts {
				if k, ok := mon.bounds.key(c); ok && !seen[k] {
					seen[k] = true
					mon.skillCPV[k] = append(mon.skillCPV[k], id)
					for n := 2; n < len(k) && mon.bounds.ancestors; n++ {
						if !seen["<"+k[:n]] {
							seen["<"+k[:n]] = true
							mon.skillAnc[k[:n]] = append(mon.skillAnc[k[:n]], id)
						}
					}
				}
			}
		}
		seen := map[string]bool{}
		for _, c := range p.concepts {
			if k, ok := mon.bounds.key(c); ok && !seen[k] {
				seen[k] = true
				mon.memberCPV[k] = append(mon.memberCPV[k], int32(i))
				for n := 2; n < len(k) && mon.bounds.ancestors; n++ {
					if !seen["<"+k[:n]] {
						seen["<"+k[:n]] = true
						mon.memberAnc[k[:n]] = append(mon.memberAnc[k[:n]], int32(i))
					}
				}
			}
		}
		for _, ci := range p.clusters {
			mon.clusterMem[ci] = append(mon.clusterMem[ci], int32(i))
		}
		for _, si := range p.sectors {
			mon.sectorMem[si] = append(mon.sectorMem[si], int32(i))
		}
	}
	s.mu.Lock()
	mon.phrases = append([]*phrase(nil), s.byID...)
	s.mu.Unlock()
	mon.nPhrases = len(mon.phrases)
	return mon
}

// cpvBounds says how CPV concepts must be indexed for a retrieval (the Monitor's reverse
// index, ProfileQuery's prefixes) to reach every pair Score can keep. A pair reached by no
// skill's words, no cluster and no sector has CPV as its only topical evidence: its score
// is at most the CPV weight × its lone fit (broad fits at loneBroadCPV) plus every
// practical signal at its best, with a margin for rounding. Whatever cannot reach the
// minimum score that way need not be retrieved.
type cpvBounds struct {
	// depth is how many digits of a concept it is indexed by: a notice code sharing that
	// many digits with it is retrieved, even when it is a mere sibling.
	depth int
	// ancestors: a notice coded with a broader code (an ancestor of the concept) must be
	// retrieved too.
	ancestors bool
	// minWeight is the lightest lone concept weight (see loneWeight) worth indexing.
	minWeight float64
}

func boundsOf(r passerelle.Rules) cpvBounds {
	w := r.Weights
	b := cpvBounds{depth: 2, ancestors: true}
	if w.CPV <= 0 {
		return cpvBounds{depth: 8, minWeight: math.Inf(1)}
	}
	room := r.Thresholds.MinScore - (w.Deadline + w.Freshness + w.Region + w.Budget) - 0.5
	b.minWeight = math.Max(0, room/w.CPV)
	// A notice code not under the concept (sibling or ancestor) fits at most
	// siblingMaxBelow(9) = the best similarity below 1, and is broad.
	if loneBroadCPV*siblingMaxBelow(9)*w.CPV < room {
		return cpvBounds{depth: 8, minWeight: b.minWeight}
	}
	// Below two common digits the fit is 0; the deepest depth whose sibling bound stays
	// below the room is sound.
	for n := 3; n <= 8; n++ {
		if loneBroadCPV*siblingMaxBelow(n)*w.CPV < room {
			b.depth = n
		}
	}
	return b
}

// loneWeight is the most a concept can give alone: its weight, halved (loneBroadCPV)
// when it is broader than a group, since then even a code under it is a broad fit.
func loneWeight(c concept) float64 {
	if len(c.prefix) < 3 {
		return c.weight * loneBroadCPV
	}
	return c.weight
}

// indexed reports whether concept c must retrieve, and by which key.
func (b cpvBounds) key(c concept) (string, bool) {
	if loneWeight(c) < b.minWeight {
		return "", false
	}
	if len(c.prefix) > b.depth {
		return c.prefix[:b.depth], true
	}
	return c.prefix, true
}

// worker holds one goroutine's scratch space.
type worker struct {
	mm      *memo
	mstamp  []uint32 // member → epoch when already a candidate
	sstamp  []uint32 // skill → epoch when its words were already looked at
	cstamp  []uint32 // skill → epoch when its members were already added by CPV
	epoch   uint32
	cands   []int32
	scanned int
}

func (mon *Monitor) newWorker() *worker {
	mm := newMemo(mon.nPhrases)
	mm.arena = make([]passerelle.Contribution, 0, 4096)
	return &worker{mm: mm, mstamp: make([]uint32, len(mon.members)), sstamp: make([]uint32, mon.nPhrases), cstamp: make([]uint32, mon.nPhrases)}
}

// Match streams ops through the index and returns the kept matches (the ones Score would
// keep, with the same scores and explanations), ordered by opportunity then member as
// given. It stops early when ctx is done.
func (mon *Monitor) Match(ctx context.Context, ops []passerelle.Opportunity, now time.Time) ([]passerelle.Match, error) {
	results := make([][]passerelle.Match, len(ops))
	w := runtime.GOMAXPROCS(0)
	if w > len(ops) {
		w = len(ops)
	}
	var wg sync.WaitGroup
	var mu sync.Mutex
	next := 0
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			wk := mon.newWorker()
			defer func() { mon.nScored.Add(int64(wk.scanned)) }()
			for {
				if ctx.Err() != nil {
					return
				}
				mu.Lock()
				i := next
				next += 16
				mu.Unlock()
				if i >= len(ops) {
					return
				}
				for j := i; j < i+16 && j < len(ops); j++ {
					results[j] = mon.matchOne(wk, &ops[j], now)
				}
			}
		}()
	}
	wg.Wait()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	n := 0
	for _, r := range results {
		n += len(r)
	}
	out := make([]passerelle.Match, 0, n)
	for _, r := range results {
		out = append(out, r...)
	}
	return out, nil
}

func (mon *Monitor) matchOne(wk *worker, o *passerelle.Opportunity, now time.Time) []passerelle.Match {
	s := mon.s
	d := s.analyzeDoc(o)
	s.prepare(d, now)
	if d.global != "" || d.closed != "" || d.deadlineVeto != "" {
		return nil // vetoed for every member
	}
	wk.epoch++
	wk.mm.reset()
	wk.cands = wk.cands[:0]
	addMember := func(i int32) {
		if wk.mstamp[i] != wk.epoch {
			wk.mstamp[i] = wk.epoch
			wk.cands = append(wk.cands, i)
		}
	}
	addSkill := func(id int32) {
		if wk.sstamp[id] == wk.epoch {
			return
		}
		wk.sstamp[id] = wk.epoch
		if s.skill(mon.phrases[id], d, wk.mm).text.score <= 0 {
			return
		}
		for _, i := range mon.skillMembers[id] {
			addMember(i)
		}
	}
	for _, f := range d.fields {
		keys := mon.skillKeys[f.lang]
		for t := range f.pos {
			for _, id := range keys[t] {
				addSkill(id)
			}
		}
	}
	// Every skill with a key term in the notice has been matched; the others cannot match.
	wk.mm.keysDone = true
	addSkillMembers := func(id int32) {
		// A skill retrieved by CPV brings its members whatever its words do.
		if wk.cstamp[id] == wk.epoch {
			return
		}
		wk.cstamp[id] = wk.epoch
		for _, i := range mon.skillMembers[id] {
			addMember(i)
		}
	}
	for ci, code := range d.cpv {
		for n := 1; n <= mon.bounds.depth && n <= len(code); n++ {
			k := code[:n]
			for _, id := range mon.skillCPV[k] {
				addSkillMembers(id)
			}
			for _, i := range mon.memberCPV[k] {
				addMember(i)
			}
		}
		// A broad notice code (a group, say) fits the concepts under it.
		if cp := d.cpvPre[ci]; mon.bounds.ancestors && len(cp) < mon.bounds.depth {
			for _, id := range mon.skillAnc[cp] {
				addSkillMembers(id)
			}
			for _, i := range mon.memberAnc[cp] {
				addMember(i)
			}
		}
	}
	for ci, h := range d.clusters {
		if h.strength > 0 {
			for _, i := range mon.clusterMem[ci] {
				addMember(i)
			}
		}
	}
	for si, h := range d.sectors {
		if h.strength > 0 {
			for _, i := range mon.sectorMem[si] {
				addMember(i)
			}
		}
	}
	sortInt32(wk.cands)
	var out []passerelle.Match
	for _, i := range wk.cands {
		p := mon.profiles[i]
		wk.scanned++
		r := s.score(p, d, now, false, false, wk.mm)
		if !s.kept(p, r) {
			continue
		}
		r = s.score(p, d, now, false, true, wk.mm)
		out = append(out, s.toMatch(p.m, o, r))
	}
	return out
}

func sortInt32(a []int32) { slices.Sort(a) }
