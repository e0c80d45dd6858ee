package matcher

import (
	"cmp"
	"context"
	"math"
	"math/bits"
	"slices"
	"strings"
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
//
// The index is over profiles, not members: a member with several profiles (business
// lines) has a slot for each, indexed and scored on its own, and a notice gives the member
// one match, its best profile's (as Score). Slots lie in member order, a member's profiles
// side by side in theirs; a member that can never match (basic tier) or an empty profile
// has none. Below, "member i" in the index's lists is slot i.
type Monitor struct {
	s        *Scorer
	members  []passerelle.Member
	profiles []*profile // by slot
	slab     []profile  // the profiles themselves, side by side: profiles[i] is &slab[i]
	nPhrases int
	phrases  []*phrase // the scorer's phrases when the index was built

	skillKeys [nLang]map[string][]int32 // analysed term → skills that have it as a key
	// skillKeysC is the same for notices without codes, where skills' words weigh by
	// their rarity in the corpus (variant.ckeys).
	skillKeysC   [nLang]map[string][]int32
	skillMembers [][]int32          // skill (phrase id) → members having it
	skillCPV     map[string][]int32 // CPV key → skills with a concept under it
	memberCPV    map[string][]int32 // CPV key → members with a declared or rolled-up concept
	skillAnc     map[string][]int32 // shorter prefix → skills with a concept key under it
	memberAnc    map[string][]int32 // shorter prefix → members with a concept key under it
	clusterMem   [][]int32
	sectorMem    [][]int32
	bounds       cpvBounds
	hot          []hotProfile      // by member: what bound reads, packed
	regionIDs    map[string]uint16 // every region (upper-cased) some member declared
	regionOf     []string          // id → region
	// idle are the workers of finished Match calls, for the next: the pipeline matches in
	// batches, and a worker's scratch (a memo entry per phrase) costs more to make than
	// most batches take to match.
	idleMu  sync.Mutex
	idle    []*worker
	nScored atomic.Int64 // profiles fully scored, for benchmarks
	nCands  atomic.Int64 // profiles retrieved (bounded, maybe scored), for benchmarks
	// audit, set by tests, is given every retrieved candidate's bound and full score
	// (scored even when the bound rules it out): a bound below a score loses pairs.
	audit func(slot int32, bound float64, r scored)
}

func (mon *Monitor) scanned() int64 { return mon.nScored.Load() }

func (mon *Monitor) candidates() int64 { return mon.nCands.Load() }

// NewMonitor indexes the premium, non-empty profiles among members. The members slice is
// kept, not copied: do not change it while the Monitor is in use.
func NewMonitor(s *Scorer, members []passerelle.Member) *Monitor {
	type slotRef struct {
		member int32
		pf     *passerelle.Profile
	}
	var refs []slotRef
	for i := range members {
		m := &members[i]
		if m.Tier != passerelle.TierPremium {
			continue
		}
		pfs := m.EffectiveProfiles()
		for k := range pfs {
			if !pfs[k].Empty() {
				refs = append(refs, slotRef{int32(i), &pfs[k]})
			}
		}
	}
	mon := &Monitor{
		s: s, members: members, profiles: make([]*profile, len(refs)), hot: make([]hotProfile, len(refs)),
		regionIDs: map[string]uint16{},
		skillCPV:  map[string][]int32{}, memberCPV: map[string][]int32{},
		skillAnc: map[string][]int32{}, memberAnc: map[string][]int32{},
		clusterMem: make([][]int32, len(s.clusters)), sectorMem: make([][]int32, len(s.sectors)),
	}
	for l := range mon.skillKeys {
		mon.skillKeys[l] = map[string][]int32{}
		mon.skillKeysC[l] = map[string][]int32{}
	}
	mon.bounds = boundsOf(s.rules)
	indexedSkill := map[int]bool{}
	// Profiles live side by side in member order, as candidates are scored. Compiling
	// them (their phrases through the vocabulary) is most of the work: it runs on every
	// core; the scorer interns phrases safely.
	slab := make([]profile, len(refs))
	var wg sync.WaitGroup
	nw := s.workerCount()
	for k := 0; k < nw; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := k; i < len(refs); i += nw {
				slab[i] = *s.compile(&members[refs[i].member], refs[i].pf)
			}
		}()
	}
	wg.Wait()
	mon.slab = slab
	for i := range refs {
		p := &slab[i]
		mon.profiles[i] = p
		for _, sk := range p.skills {
			id := int32(sk.id)
			if sk.id >= len(mon.skillMembers) {
				mon.skillMembers = slices.Grow(mon.skillMembers, sk.id+1-len(mon.skillMembers))[:sk.id+1]
			}
			mon.skillMembers[id] = append(mon.skillMembers[id], int32(i))
			if indexedSkill[sk.id] {
				continue
			}
			indexedSkill[sk.id] = true
			for l := lang(0); l < nLang; l++ {
				seen := map[string]bool{}
				seenC := map[string]bool{}
				for _, va := range sk.alts {
					// A notice with codes is matched by a skill's own wordings only, not
					// by its translations (see matchSkill): their keys would retrieve the
					// skill only for matchSkill to find nothing.
					for _, k := range va.keys[l] {
						if !seen[k] && va.trust >= 1 {
							seen[k] = true
							mon.skillKeys[l][k] = append(mon.skillKeys[l][k], id)
						}
					}
					// Notices without codes weigh the words by the corpus where it
					// knows the language: other keys, maybe.
					ck := va.keys[l]
					if va.ckeys[l] != nil {
						ck = va.ckeys[l]
					}
					for _, k := range ck {
						if !seenC[k] {
							seenC[k] = true
							mon.skillKeysC[l][k] = append(mon.skillKeysC[l][k], id)
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
		for _, r := range p.regUp {
			if _, ok := mon.regionIDs[r]; !ok && len(mon.regionIDs) < math.MaxUint16 {
				mon.regionIDs[r] = uint16(len(mon.regionIDs))
				mon.regionOf = append(mon.regionOf, r)
			}
		}
		mon.hot[i] = mon.pack(p)
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

// loneWeight is the most a concept can give alone: its weight, at loneBroadCPV when it
// is broader than a group or rolled up, since then even a code under it is a broad fit.
func loneWeight(c concept) float64 {
	if len(c.prefix) < 3 || c.rolled {
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
	mm *memo
	// cand has bit i set when member i is a candidate for the notice: reading the set
	// bits in order gives the candidates sorted (by slot, as scoring wants them) without
	// sorting; they are cleared as they are read.
	cand    []uint64
	text    []float64 // member → sum of its skills' text scores in the notice (valid while a candidate)
	sstamp  []uint32  // skill → epoch when its words were already looked at
	cstamp  []uint32  // skill → epoch when its members were already added by CPV
	epoch   uint32
	cands   []int32
	rstamp  []uint32 // region id → epoch when the notice lies in it
	located bool     // the notice says where it is (NUTS or country)
	kept    []keptMatch
	// store is where the kept matches of each notice are copied out of kept, a chunk for
	// many notices, until Match writes them into the matches returned.
	store     []keptMatch
	scanned   int
	retrieved int
	// touched keeps the reads of touch from being optimised away.
	touched uintptr
}

// getWorker is an idle worker, or a new one.
func (mon *Monitor) getWorker() *worker {
	mon.idleMu.Lock()
	defer mon.idleMu.Unlock()
	if n := len(mon.idle); n > 0 {
		wk := mon.idle[n-1]
		mon.idle[n-1] = nil
		mon.idle = mon.idle[:n-1]
		return wk
	}
	return mon.newWorker()
}

// putWorker keeps wk for the next Match, holding nothing of the matches returned: its
// explanations are carved from a new arena, its kept matches stored in a new chunk.
func (mon *Monitor) putWorker(wk *worker) {
	wk.mm.arena = make([]passerelle.Contribution, 0)
	wk.store = nil
	mon.idleMu.Lock()
	mon.idle = append(mon.idle, wk)
	mon.idleMu.Unlock()
}

func (mon *Monitor) newWorker() *worker {
	mm := newMemo(mon.nPhrases)
	mm.arena = make([]passerelle.Contribution, 0, arenaChunk)
	return &worker{mm: mm, cand: make([]uint64, (len(mon.profiles)+63)/64), text: make([]float64, len(mon.profiles)), sstamp: make([]uint32, mon.nPhrases), cstamp: make([]uint32, mon.nPhrases),
		rstamp: make([]uint32, len(mon.regionOf))}
}

// Match streams ops through the index and returns the kept matches (the ones Score would
// keep, with the same scores and explanations), ordered by opportunity then member as
// given. It stops early when ctx is done.
func (mon *Monitor) Match(ctx context.Context, ops []passerelle.Opportunity, now time.Time) ([]passerelle.Match, error) {
	// Kept matches stay compact (member, score, evidence) until their number is known;
	// then they are written once into the slice returned, without growing or copying it.
	results := make([][]keptMatch, len(ops))
	w := mon.s.workerCount()
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
			wk := mon.getWorker()
			defer func() {
				mon.nScored.Add(int64(wk.scanned))
				mon.nCands.Add(int64(wk.retrieved))
				wk.scanned, wk.retrieved = 0, 0
				mon.putWorker(wk)
			}()
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
	offs := make([]int, len(ops)+1)
	for j, r := range results {
		offs[j+1] = offs[j] + len(r)
	}
	out := make([]passerelle.Match, offs[len(ops)])
	// Each worker fills the matches of a contiguous run of notices.
	per := (len(ops) + w - 1) / max(w, 1)
	for k := 0; k < w; k++ {
		lo, hi := k*per, min((k+1)*per, len(ops))
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := lo; j < hi; j++ {
				dst := out[offs[j]:offs[j+1]]
				for x, km := range results[j] {
					p := &mon.slab[km.slot]
					mon.s.fillMatch(&dst[x], p.id, p.pid, ops[j].ID, km.score, km.contrib, "")
				}
				results[j] = nil
			}
		}()
	}
	wg.Wait()
	return out, nil
}

func (mon *Monitor) matchOne(wk *worker, o *passerelle.Opportunity, now time.Time) []keptMatch {
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
		if w, bit := i>>6, uint64(1)<<(i&63); wk.cand[w]&bit == 0 {
			wk.cand[w] |= bit
			wk.text[i] = 0
		}
	}
	addSkill := func(id int32) {
		if wk.sstamp[id] == wk.epoch {
			return
		}
		wk.sstamp[id] = wk.epoch
		x := s.setSkill(mon.phrases[id], d, wk.mm).score
		if x <= 0 {
			return
		}
		for _, i := range mon.skillMembers[id] {
			addMember(i)
			wk.text[i] += x
		}
	}
	for _, f := range d.fields {
		keys := mon.skillKeys[f.lang]
		if len(d.cpv) == 0 {
			keys = mon.skillKeysC[f.lang]
		}
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
	byCode := func(code, pre string) {
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
		if mon.bounds.ancestors && len(pre) < mon.bounds.depth {
			for _, id := range mon.skillAnc[pre] {
				addSkillMembers(id)
			}
			for _, i := range mon.memberAnc[pre] {
				addMember(i)
			}
		}
	}
	for ci, code := range d.cpv {
		byCode(code, d.cpvPre[ci])
	}
	// The codes inferred for a notice without codes fit as its own would (by confidence).
	for _, x := range d.inferred {
		byCode(x.code, x.pre)
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
	for w, x := range wk.cand {
		if x == 0 {
			continue
		}
		for ; x != 0; x &= x - 1 {
			wk.cands = append(wk.cands, int32(w<<6+bits.TrailingZeros64(x)))
		}
		wk.cand[w] = 0
	}
	wk.retrieved += len(wk.cands)
	// The regions the notice lies in, as regionIn reads them, for bound's region veto.
	wk.located = len(o.NUTS) > 0 || o.Country != ""
	for _, n := range d.nutsUp {
		for k := 1; k <= len(n); k++ {
			if id, ok := mon.regionIDs[n[:k]]; ok {
				wk.rstamp[id] = wk.epoch
			}
		}
	}
	if len(d.nutsUp) == 0 && o.Country != "" {
		for id, r := range mon.regionOf {
			if len(r) == 2 && strings.EqualFold(countryOf(r), o.Country) {
				wk.rstamp[id] = wk.epoch
			}
		}
	}
	// The bounds first, in a loop of their own, which also fetches the profiles of the
	// candidates left: each lies far from the previous one (a cache miss), and short
	// independent steps let the processor fetch many at once where scoring them one by
	// one would wait for each in turn. The candidates left stay in slot order.
	left := wk.cands[:0]
	var touched uintptr
	for _, i := range wk.cands {
		// minScore went through float32: 0.01 below it is safely below the true one.
		ub := mon.bound(wk, i, d)
		if mon.audit != nil {
			mon.audit(i, ub, s.numbers(mon.profiles[i], d, false, false, wk.mm))
		}
		if ub >= float64(mon.hot[i].minScore)-0.01 {
			left = append(left, i)
			touched += mon.slab[i].touch()
		}
	}
	wk.cands, wk.touched = left, touched
	// Numbers then, for every candidate the bound cannot rule out; evidence only for the
	// matches kept.
	kept := wk.kept[:0]
	var last *passerelle.Member // the member of kept's last match
	for _, i := range left {
		p := &mon.slab[i]
		wk.scanned++
		r := s.numbers(p, d, false, false, wk.mm)
		if !s.kept(p, r) {
			continue
		}
		// One match per member: its best profile's, the earlier on a tie (as Score).
		// Candidates come by slot, so a member's profiles come one after the other.
		if n := len(kept); n > 0 && last == p.m {
			if r.score <= kept[n-1].score {
				continue
			}
			kept = kept[:n-1]
		}
		kept = append(kept, keptMatch{i, r.score, s.explain(p, d, r.parts, wk.mm)})
		last = p.m
	}
	wk.kept = kept
	if len(kept) == 0 {
		return nil
	}
	n := len(kept)
	if cap(wk.store)-len(wk.store) < n {
		wk.store = make([]keptMatch, 0, max(keptChunk, n))
	}
	l := len(wk.store)
	wk.store = append(wk.store, kept...)
	clear(kept) // the worker's scratch must not hold the evidence alive
	return wk.store[l : l+n : l+n]
}

// keptChunk is how many kept matches a worker's store holds at a time: a few notices'
// worth (200 each on the benchmark), in few allocations.
const keptChunk = 8192

// keptMatch is a kept match before it becomes a passerelle.Match: only what the match
// holds of its scoring (hundreds of thousands wait in this form until they are counted).
type keptMatch struct {
	slot    int32 // the profile's, which says the member's id and its own
	score   float64
	contrib []passerelle.Contribution
}

// hotProfile is what bound needs of a profile, packed in one cache line so that skipping
// a candidate does not fetch the profile itself (100,000 profiles do not fit in a cache).
// Every profile has one; what does not fit is folded in so that the bound only loosens
// (see pack).
type hotProfile struct {
	minScore  float32
	practical float32 // region and budget points at best (the member declared them), and rounding slack
	wildW     float32 // heaviest concept of no division, or of a division not packed in div
	clusters  uint32  // bit i: Scorer.clusters[i]
	sectors   uint32
	// anyCluster, anySector: the profile names a bundle beyond the 32 of the masks; the
	// bound then takes the notice's strongest.
	anyCluster, anySector bool
	noCPV                 bool // the profile names no CPV code (see Scorer.textExtra)
	// regMode: regNone (no regions declared), regPacked (regs[:nRegs], the member's
	// regions as ids of Monitor.regionIDs), regMany (too many to pack: not checked).
	regMode uint8
	nRegs   uint8
	regs    [hotRegs]uint16
	nDiv    uint8
	div     [hotDivs]uint8
	w       [hotDivs]float32 // heaviest concept in div[k]
}

const (
	hotDivs = 5
	hotRegs = 2
)

const (
	regNone uint8 = iota
	regPacked
	regMany
)

// pack makes p's hotProfile. Weights are rounded up to float32, which only loosens the
// bound; a profile with more divisions than fit keeps its heaviest ones and folds the
// others into wildW (counted whatever the notice's divisions): looser, never below.
func (mon *Monitor) pack(p *profile) hotProfile {
	w := &mon.s.rules.Weights
	h := hotProfile{minScore: float32(p.minScore), wildW: up32(p.wildW), noCPV: p.noCPV}
	practical := 0.0
	if len(p.regions) > 0 {
		practical += w.Region
		h.regMode = regPacked
		for _, r := range p.regUp {
			id, ok := mon.regionIDs[r]
			if !ok || int(h.nRegs) == hotRegs {
				h.regMode = regMany
				break
			}
			h.regs[h.nRegs] = id
			h.nRegs++
		}
	}
	if p.budget != nil {
		practical += w.Budget
	}
	// Each contribution is rounded to 0.1, so may gain 0.05: one per skill, and at most
	// seven other signals (CPV, cluster, sector, deadline, freshness, region, budget).
	practical += 0.05 * float64(len(p.skills)+8)
	h.practical = up32(practical)
	for _, ci := range p.clusters {
		if ci >= 32 {
			h.anyCluster = true
		} else {
			h.clusters |= 1 << ci
		}
	}
	for _, si := range p.sectors {
		if si >= 32 {
			h.anySector = true
		} else {
			h.sectors |= 1 << si
		}
	}
	divs := slices.Clone(p.divW)
	slices.SortStableFunc(divs, func(a, b divWeight) int { return cmp.Compare(b.w, a.w) })
	for k, dw := range divs {
		if k < hotDivs {
			h.div[k], h.w[k] = uint8(dw.div), up32(dw.w)
			h.nDiv++
		} else {
			h.wildW = max(h.wildW, up32(dw.w))
		}
	}
	return h
}

// up32 is x as a float32 no smaller than x.
func up32(x float64) float32 {
	f := float32(x)
	if float64(f) < x {
		f = math.Nextafter32(f, float32(math.Inf(1)))
	}
	return f
}

// bound is an upper bound of the score of profile i on d, or 0 when its regions veto it,
// cheap enough to skip most candidates that fall short without scoring them: text is the
// sum of the text scores of its skills in d (the Monitor has matched every skill with a
// key in d; the score counts each wording once, so it may sum less); the CPV fit is at
// most its heaviest concept in a division of d's codes, its own or inferred (and nothing
// when d has no codes, where the text weight takes the CPV weight instead, as it does for
// a profile naming no code); cluster and sector are exact; the practical signals at their
// best for the member; plus what rounding each contribution to 0.1 can add. It reads the
// packed profile only (hotProfile), never the profile.
func (mon *Monitor) bound(wk *worker, i int32, d *doc) float64 {
	h, text := &mon.hot[i], wk.text[i]
	if h.regMode == regPacked && wk.located {
		// Vetoed by the member's regions (see numbers): never kept.
		in := false
		for k := 0; k < int(h.nRegs); k++ {
			in = in || wk.rstamp[h.regs[k]] == wk.epoch
		}
		if !in {
			return 0
		}
	}
	w := &mon.s.rules.Weights
	ub := 0.0
	if text > 0 {
		ub += mon.textWeight(h.noCPV, d) * (1 - math.Exp(-text/textSaturation))
	}
	if len(d.cpv) > 0 || len(d.inferred) > 0 { // inferred codes: divs holds their divisions
		cpv := float64(h.wildW)
		for k := 0; k < int(h.nDiv); k++ {
			if x := float64(h.w[k]); x > cpv && d.divs.has(int(h.div[k])) {
				cpv = x
			}
		}
		ub += w.CPV * cpv
	}
	cl, se := 0.0, 0.0
	for m := h.clusters; m != 0; m &= m - 1 {
		cl = math.Max(cl, d.clusters[bits.TrailingZeros32(m)].strength)
	}
	for m := h.sectors; m != 0; m &= m - 1 {
		se = math.Max(se, d.sectors[bits.TrailingZeros32(m)].strength)
	}
	if h.anyCluster {
		cl = math.Max(cl, strongest(d.clusters))
	}
	if h.anySector {
		se = math.Max(se, strongest(d.sectors))
	}
	ub += w.Cluster*cl + w.Sector*se
	if ub <= 0 {
		return 0 // no topical evidence: never kept
	}
	return ub + d.deadlinePts + d.freshPts + float64(h.practical)
}

// textWeight is the most the text signal can give per unit of saturation: its weight, and
// the CPV weight too where the notice or the profile has no codes (Scorer.textExtra: the
// skills found whole, a part of the text sum, earn it).
func (mon *Monitor) textWeight(noCPV bool, d *doc) float64 {
	w := &mon.s.rules.Weights
	if w.Text > 0 && w.CPV > 0 && (len(d.cpv) == 0 || noCPV) {
		return w.Text + w.CPV
	}
	return w.Text
}

// strongest is the strength of the strongest of a notice's bundle hits.
func strongest(hs []signalHit) float64 {
	x := 0.0
	for _, h := range hs {
		x = math.Max(x, h.strength)
	}
	return x
}
