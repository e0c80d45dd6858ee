package matcher

import (
	"fmt"
	"math"
	"slices"
	"sort"
	"strings"
	"sync"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Scorer scores a member against an opportunity with a set of rules. It is pure (the same
// inputs give the same score and explanation) and safe for concurrent use.
type Scorer struct {
	rules    passerelle.Rules
	voc      *Vocabulary
	clusters []bundle // sorted by name
	sectors  []bundle
	global   []*phrase  // global exclusions
	synonyms [][]string // normalized, to find them
	spelt    [][]string // as the rules write them ("IT security"), to say them
	maxField float64
	corpus   *Corpus // document frequencies the text signal weighs hits by; nil: none
	off      ablations

	mu      sync.Mutex
	phrases map[string]*phrase // interned by kind+text
	byID    []*phrase
}

// bundle is a compiled cluster or sector bundle.
type bundle struct {
	name     string
	keywords []*phrase
	cpv      []string
}

// NewScorer compiles rules r over vocabulary v (DefaultVocabulary when nil). It returns
// the rules' validation error when they are invalid.
func NewScorer(r passerelle.Rules, v *Vocabulary) (*Scorer, error) {
	if err := r.Validate(); err != nil {
		return nil, err
	}
	if v == nil {
		v = DefaultVocabulary()
	}
	s := &Scorer{rules: r, voc: v, phrases: map[string]*phrase{}}
	s.maxField = math.Max(r.Fields.Title, r.Fields.Description)
	for _, g := range r.Synonyms {
		var norm, spelt []string
		for _, w := range g {
			norm = append(norm, normPhrase(w))
			spelt = append(spelt, strings.Join(strings.Fields(w), " "))
		}
		s.synonyms = append(s.synonyms, norm)
		s.spelt = append(s.spelt, spelt)
	}
	compile := func(m map[string]passerelle.Bundle) []bundle {
		var out []bundle
		for _, name := range sortedKeys(m) {
			b := m[name]
			cb := bundle{name: name, cpv: append([]string(nil), b.CPV...)}
			seen := map[string]bool{}
			for _, lang := range sortedKeys(b.Keywords) {
				for _, k := range b.Keywords[lang] {
					if n := normPhrase(k); !seen[n] {
						seen[n] = true
						cb.keywords = append(cb.keywords, s.intern("k", k))
					}
				}
			}
			out = append(out, cb)
		}
		return out
	}
	s.clusters = compile(r.Clusters)
	s.sectors = compile(r.Sectors)
	for _, e := range r.Exclusions {
		s.global = append(s.global, s.intern("x", e))
	}
	return s, nil
}

// SetCorpus makes the text signal weigh each skill's hit by the specificity of its words
// and their frequency in the notice, as learned from c (see Corpus). Call it before the
// scorer is used; c must not change afterwards. Both paths (Score and the Monitor) read
// the same corpus, so they still agree.
func (s *Scorer) SetCorpus(c *Corpus) { s.corpus = c }

// Rules returns the rules the scorer applies.
func (s *Scorer) Rules() passerelle.Rules { return s.rules }

// Vocabulary returns the CPV vocabulary the scorer uses.
func (s *Scorer) Vocabulary() *Vocabulary { return s.voc }

// translationTrust is how far a hit of a skill's translation counts against a hit of the
// skill's own words: a term a thesaurus aligns whole is surer than words translated one
// by one, which may each be right and together miss the sense ("expérience utilisateur"
// → "user experiment").
func translationTrust(tr translation) float64 {
	if strings.HasPrefix(tr.via, "word by word") {
		return wordByWordTrust
	}
	return termTrust
}

const (
	termTrust       = 0.8
	wordByWordTrust = 0.6
)

// normPhrase is the spelling-insensitive form of a phrase, used to intern it and to find
// synonyms: lowercase, folded, single spaces.
func normPhrase(p string) string {
	return strings.Join(tokenize(fold(strings.ToLower(p))), " ")
}

// intern returns the compiled phrase for text; kind "s" (skill) also derives its CPV
// concepts and synonyms, "x" (exclusion) and "k" (keyword) are matched literally.
func (s *Scorer) intern(kind, text string) *phrase {
	key := kind + "\x00" + text
	s.mu.Lock()
	p := s.phrases[key]
	s.mu.Unlock()
	if p != nil {
		return p
	}
	p = &phrase{text: text}
	p.alts = []*variant{newVariant(text, s.voc)}
	if kind != "x" {
		for _, alt := range s.synonymsOf(text) {
			va := newVariant(alt, s.voc)
			va.via = "synonym " + quoteS(alt)
			p.alts = append(p.alts, va)
		}
	}
	if kind == "s" {
		// The CPV labels are in four languages already: concepts come from the skill's
		// own wordings, not from a translation's (which would add its own misreadings).
		p.concepts = conceptsOf(p, s.voc)
		if s.corpus != nil && !s.off.has(ablateLearned) {
			p.concepts = s.corpus.ex.learnConcepts(p, p.concepts)
		}
	}
	if kind == "s" && !s.off.has(ablateTranslation) {
		// Members write French, EU calls are in English (and the other way round): the
		// skill's translation is one more wording, its evidence naming the bridge.
		for _, tr := range defaultTranslator().translate(text) {
			if n := normPhrase(tr.text); n == "" || n == p.alts[0].norm {
				continue
			}
			va := newVariant(tr.text, s.voc)
			va.via = "translation " + quoteS(tr.text) + ", " + tr.via
			va.trust = translationTrust(tr)
			p.alts = append(p.alts, va)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.phrases[key]; q != nil { // compiled concurrently by another caller
		return q
	}
	p.id = len(s.byID)
	s.byID = append(s.byID, p)
	s.phrases[key] = p
	return p
}

// synonymsOf returns the other wordings of text given by the rules' synonym groups: for
// each group entry that text contains (as whole words), text with that entry replaced by
// each other entry of the group.
func (s *Scorer) synonymsOf(text string) []string {
	n := " " + normPhrase(text) + " "
	var out []string
	seen := map[string]bool{strings.TrimSpace(n): true}
	for gi, g := range s.synonyms {
		for _, e := range g {
			if e == "" || !strings.Contains(n, " "+e+" ") {
				continue
			}
			for k, other := range g {
				if other == e {
					continue
				}
				// The other entry as the rules spell it: its capitals may make an
				// acronym ("IT security": not any security).
				alt := strings.TrimSpace(strings.Replace(n, " "+e+" ", " "+s.spelt[gi][k]+" ", 1))
				if !seen[alt] {
					seen[alt] = true
					out = append(out, alt)
				}
			}
		}
	}
	return out
}

// profile is a member compiled for scoring.
type profile struct {
	m        *passerelle.Member
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
	id       string
	budget   *passerelle.Budget
	minScore float64
	// For the Monitor's upper bound: the heaviest concept (skills' and the profile's) in
	// each CPV division, and among concepts of no division (one-digit prefixes).
	divW  []divWeight
	wildW float64
	divs  divSet // divisions of concepts (declared, rolled up), all if one has none
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

func (s *Scorer) compile(m *passerelle.Member) *profile {
	p := &profile{m: m, empty: m.EmptyProfile(), premium: m.Tier == passerelle.TierPremium, org: m.OrganisationOf(),
		regions: m.Regions, budget: m.Budget, minScore: math.Max(s.rules.Thresholds.MinScore, m.MinScore), id: m.ID}
	for _, r := range m.Regions {
		if r = strings.ToUpper(strings.TrimSpace(r)); r != "" {
			p.regUp = append(p.regUp, r)
		}
	}
	seen := map[string]bool{}
	for _, sk := range m.Skills {
		if strings.TrimSpace(sk) == "" || seen[normPhrase(sk)] {
			continue
		}
		seen[normPhrase(sk)] = true
		p.skills = append(p.skills, s.intern("s", sk))
	}
	for _, x := range m.Exclude {
		if strings.TrimSpace(x) != "" {
			p.excludes = append(p.excludes, s.intern("x", x))
		}
	}
	for _, c := range m.CPV {
		c = strings.TrimSpace(c)
		if c == "" || strings.Trim(c, "0123456789") != "" || len(c) > 8 {
			continue
		}
		code := c + strings.Repeat("0", 8-len(c))
		p.concepts = append(p.concepts, concept{prefix: c, code: code, weight: 1, why: "declared CPV " + c, div: division(c)})
	}
	p.concepts = append(p.concepts, s.rollUpSkills(p.skills)...)
	for _, c := range m.Clusters {
		for i, b := range s.clusters {
			if b.name == c {
				p.clusters = append(p.clusters, i)
			}
		}
	}
	for _, c := range m.Sectors {
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
		if c.div < 0 {
			p.divs = divSet{^uint64(0), ^uint64(0)}
		}
		p.divs.add(c.div)
	}
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
	var out []concept
	for _, lv := range []struct {
		n, min int
		factor float64
	}{{3, 2, 0.75}, {2, 3, 0.65}} {
		type agg struct {
			skills map[int]bool
			w      float64
		}
		groups := map[string]*agg{}
		var order []string
		for _, sk := range skills {
			for _, c := range sk.concepts {
				if len(c.prefix) < lv.n {
					continue
				}
				k := c.prefix[:lv.n]
				a := groups[k]
				if a == nil {
					a = &agg{skills: map[int]bool{}}
					groups[k] = a
					order = append(order, k)
				}
				a.skills[sk.id] = true
				a.w = math.Max(a.w, c.weight)
			}
		}
		for _, k := range order {
			a := groups[k]
			if len(a.skills) < lv.min || covered(out, k) {
				continue
			}
			out = append(out, concept{prefix: k, code: k + strings.Repeat("0", 8-len(k)), weight: lv.factor * a.w,
				why: fmt.Sprintf("%d skills", len(a.skills)), div: division(k), rolled: true})
		}
	}
	return out
}

// doc is an opportunity analysed once for scoring against many profiles.
type doc struct {
	o        *passerelle.Opportunity
	fields   []*field
	cpv      []string // normalized 8-digit codes
	cpvPre   []string // their significant prefixes
	divs     divSet   // their divisions
	clusters []signalHit
	sectors  []signalHit
	global   string // veto from a global exclusion, or ""
	nutsUp   []string
	instr    instrument // who the funding instrument is for (eligibility)
	// inferred are the codes a notice without codes borrows from its nearest coded
	// neighbours (Corpus), best first; their divisions are in divs.
	inferred []inferred

	// Set by prepare for one clock.
	now          time.Time
	closed       string
	deadlineVeto string
	deadlinePts  float64
	deadlineEv   string
	freshPts     float64
	freshEv      string
}

// docFields analyses the texts of o: title and description in its own language (guessed
// when unsaid), then each translation's.
func docFields(o *passerelle.Opportunity) []*field {
	var fields []*field
	l := langOf(o.Language)
	if o.Language == "" {
		l = guessLang(o.Title + " " + o.Description)
	}
	fields = append(fields, newField("title", true, l, o.Title))
	if o.Description != "" {
		fields = append(fields, newField("description", false, l, o.Description))
	}
	for _, code := range sortedKeys(o.Translations) {
		if strings.EqualFold(code, o.Language) {
			continue
		}
		t := o.Translations[code]
		tl := langOf(code)
		if t.Title != "" {
			fields = append(fields, newField("title ("+code+")", true, tl, t.Title))
		}
		if t.Description != "" {
			fields = append(fields, newField("description ("+code+")", false, tl, t.Description))
		}
	}
	return fields
}

// signalHit says how strongly a notice belongs to a bundle, and why.
type signalHit struct {
	strength float64
	why      string
}

func (s *Scorer) analyzeDoc(o *passerelle.Opportunity) *doc {
	d := &doc{o: o, fields: docFields(o), instr: instrumentOf(o.ActionType)}
	for _, n := range o.NUTS {
		d.nutsUp = append(d.nutsUp, strings.ToUpper(n))
	}
	for _, c := range o.CPV {
		if n := passerelle.NormalizeCPV(c); n != "" {
			d.cpv = append(d.cpv, n)
			d.cpvPre = append(d.cpvPre, s.voc.Prefix(n))
			d.divs.add(division(n))
		}
	}
	if len(d.cpv) == 0 && s.corpus != nil && !s.off.has(ablateInference) {
		d.inferred = s.corpus.ex.infer(d.fields, s.voc)
		for _, x := range d.inferred {
			d.divs.add(division(x.code))
		}
	}
	d.clusters = make([]signalHit, len(s.clusters))
	for i, b := range s.clusters {
		d.clusters[i] = s.bundleHit(d, b, contains(o.Clusters, b.name), "cluster")
	}
	d.sectors = make([]signalHit, len(s.sectors))
	for i, b := range s.sectors {
		d.sectors[i] = s.bundleHit(d, b, contains(o.Sectors, b.name), "sector")
	}
	for _, x := range s.global {
		if v := s.excluded(x, d); v != "" {
			d.global = "global exclusion: " + v
			break
		}
	}
	return d
}

func contains(list []string, x string) bool {
	for _, y := range list {
		if y == x {
			return true
		}
	}
	return false
}

// bundleHit: a notice tagged with the bundle by its source, or whose main CPV code falls
// under the bundle, belongs fully; another of its codes or a keyword in the title counts
// 0.8; a keyword in the description 0.5.
func (s *Scorer) bundleHit(d *doc, b bundle, tagged bool, kind string) signalHit {
	if tagged {
		return signalHit{1, kind + " " + b.name + ": tagged by the source"}
	}
	best := signalHit{}
	for i, c := range d.cpv {
		for _, p := range b.cpv {
			if strings.HasPrefix(c, p) {
				st := 1.0
				if i > 0 {
					st = 0.8
				}
				if st > best.strength {
					best = signalHit{st, fmt.Sprintf("%s %s: CPV %s ⊂ %s", kind, b.name, c, p)}
				}
			}
		}
	}
	if best.strength >= 1 {
		return best
	}
	for _, k := range b.keywords {
		for _, f := range d.fields {
			for _, va := range k.alts {
				// A quality of 0.8 needs every word: without its rarest one, skip.
				if k := va.keys[f.lang]; len(k) == 0 || len(f.pos[k[0]]) == 0 {
					continue
				}
				h := va.match(f, false)
				if h.q < 0.8 {
					continue
				}
				st := 0.5
				if f.title {
					st = 0.8
				}
				if st > best.strength {
					// Name what the notice says: the keyword's words as they occur there.
					via := ""
					if va != k.alts[0] {
						via = " (" + va.via + ")"
					}
					best = signalHit{st, fmt.Sprintf("%s %s: keyword %s%s in %s %s", kind, b.name, quoteS(k.text), via, f.name,
						quoteS(va.match(f, true).surfaceText(f, va)))}
				}
			}
		}
	}
	return best
}

// excluded returns the veto text when phrase x appears in the notice, or "".
func (s *Scorer) excluded(x *phrase, d *doc) string {
	for _, f := range d.fields {
		for _, va := range x.alts {
			// The phrase as written needs every word: without its rarest one, skip.
			if k := va.keys[f.lang]; len(k) == 0 || len(f.pos[k[0]]) == 0 {
				continue
			}
			if h := va.match(f, false); h.q >= 1 {
				return fmt.Sprintf("excluded word %s in %s", quoteS(x.text), f.name)
			}
		}
	}
	return ""
}

// skillHit is the best match of one skill in one notice.
type skillHit struct {
	score float64 // 0..1, field-weighted
	field int16
	alt   int16
	whole bool // every word of the skill found (as a phrase or scattered), not a part
}

func (s *Scorer) matchSkill(sk *phrase, d *doc) skillHit {
	best := skillHit{field: -1}
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
		for ai, va := range sk.alts {
			if ai > math.MaxInt16 {
				break
			}
			if va.trust < 1 && len(d.cpv) > 0 {
				// A notice's codes already bridge its language and the member's (the
				// CPV labels are in four languages): a translation, a guess, serves
				// only the notices without codes.
				continue
			}
			h := va.match(f, false)
			if h.q <= 0 || (va.trust < 1 && !h.whole) {
				// A part of a translation's words is no evidence: they were one guess
				// together, and a part of them is mostly a word the skill's own
				// wordings find anyway.
				continue
			}
			sc := math.Min(1, h.q*fw/s.maxField*s.corpus.weigh(va, f, s.off)) * va.trust
			if sc > best.score {
				best = skillHit{score: sc, field: int16(fi), alt: int16(ai), whole: h.whole}
			}
		}
	}
	return best
}

// memo caches per-notice work shared by the profiles scored against one notice — each
// skill's text match and CPV fit, their evidence, each exclusion's verdict — indexed by
// phrase id. Reset it (a new epoch) for each notice. The numbers scoring reads (text, CPV)
// are kept apart from the evidence, in small entries: 100,000 profiles hold hundreds of
// thousands of phrases, and the numbers are read for every candidate.
type memo struct {
	epoch  uint32
	tstamp []uint32 // epoch of text[id]
	text   []skillHit
	cstamp []uint32 // epoch of cpv[id]
	cpv    []cpvMemo
	xstamp []uint32 // epoch of cold[id]
	cold   []coldMemo
	// What the last numbers call found, for explainLast.
	parts    []part
	scale    float64 // 0: topical (unrounded)
	textNote uint8   // why skills found whole earned more (see textExtra), or noteNone
	cpvBest  cpvFit
	cpvFrom  int // skill index, or -1 for the profile's own concepts
	cpvAlone bool
	cpvInfer bool // cpvBest fits an inferred code
	// conceptEv is the evidence of profiles' own concepts in this notice.
	conceptEv map[conceptEvKey]string
	// arena, when set, is where explanations are carved from (one allocation for many
	// matches in the batch).
	arena []passerelle.Contribution
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

// coldMemo is what only explanations and exclusions need.
type coldMemo struct {
	flags  uint8
	textEv [2]string // without and with the note of textExtra
	cpvEv  [2]string // evidence of cpv and of lone
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
		tstamp: make([]uint32, n), text: make([]skillHit, n),
		cstamp: make([]uint32, n), cpv: make([]cpvMemo, n),
		xstamp: make([]uint32, n), cold: make([]coldMemo, n)}
}

func (mm *memo) reset() { mm.epoch++; mm.keysDone = false; clear(mm.conceptEv) }

// conceptEvKey identifies the evidence of a concept's fit in the current notice.
type conceptEvKey struct {
	at                int32 // index of the notice code
	alone             bool
	prefix, code, why string
}

// noText is a skill without text match.
var noText = skillHit{field: -1}

// skill is the text match of sk in d.
func (s *Scorer) skill(sk *phrase, d *doc, mm *memo) *skillHit {
	if mm.tstamp[sk.id] != mm.epoch {
		if mm.keysDone {
			return &noText
		}
		mm.tstamp[sk.id] = mm.epoch
		mm.text[sk.id] = s.matchSkill(sk, d)
	}
	return &mm.text[sk.id]
}

// setSkill records the text match of a skill (the Monitor matches skills by their keys).
func (s *Scorer) setSkill(sk *phrase, d *doc, mm *memo) *skillHit {
	mm.tstamp[sk.id] = mm.epoch
	mm.text[sk.id] = s.matchSkill(sk, d)
	return &mm.text[sk.id]
}

func (s *Scorer) skillCPV(sk *phrase, d *doc, mm *memo) *cpvMemo {
	if mm.cstamp[sk.id] != mm.epoch {
		mm.cstamp[sk.id] = mm.epoch
		e := &mm.cpv[sk.id]
		e.cpv, e.lone = bestConcept(sk.concepts, d)
		e.inf, e.infLone = bestInferred(sk.concepts, d)
	}
	return &mm.cpv[sk.id]
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
// evidence, lone as it counts alone (broad fits at loneBroadCPV).
func bestConcept(cs []concept, d *doc) (full, lone cpvFit) {
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
		return fmt.Sprintf("notice without CPV codes: its words also earn the part of the CPV weight its inferred codes leave, ×%.2f", 1-d.inferred[0].conf)
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
// false it computes the same numbers without building the evidence; explainLast then
// builds it from what the last call left in mm.
func (s *Scorer) score(p *profile, d *doc, now time.Time, topicalOnly, explain bool, mm *memo) scored {
	out := s.numbers(p, d, topicalOnly, explain, mm)
	if explain && out.veto == "" {
		out.contrib = s.explainLast(p, d, mm)
	}
	return out
}

// numbers computes the score of p on d without any evidence text. The parts it found stay
// in mm (parts, the CPV fit), for explainLast. Without why, a veto is only marked
// (vetoed), not explained.
func (s *Scorer) numbers(p *profile, d *doc, topicalOnly, why bool, mm *memo) scored {
	var out scored
	veto := func(v string) scored { return scored{veto: v} }
	o, r := d.o, &s.rules
	mm.parts = mm.parts[:0]
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
	parts := mm.parts
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
				if nText == 1 || !s.sameWording(p, i, d, mm) {
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
		mm.textNote = note
		total := r.Weights.Text * (1 - math.Exp(-textSum/textSaturation))
		more := extra * (1 - math.Exp(-wholeSum/textSaturation))
		k := 0
		for i, sk := range p.skills {
			h := s.skill(sk, d, mm)
			if h.score <= 0 {
				continue
			}
			if k++; k > 1 && s.sameWording(p, i, d, mm) {
				continue
			}
			x := total * h.score / textSum
			if h.whole && more > 0 {
				x += more * h.score / wholeSum
			}
			add(sigText, i, x)
		}
	}
	// CPV: the best fit between the notice's codes (main code first) and the profile's;
	// alone (nothing else in the notice agrees), a broad fit counts less.
	mm.cpvFrom, mm.cpvBest = -1, cpvFit{i: -1, c: -1}
	if r.Weights.CPV > 0 && len(d.cpv) > 0 {
		alone := textSum <= 0 && cluster < 0 && sector < 0
		best, from := cpvFit{i: -1, c: -1}, -1
		for i, sk := range p.skills {
			e := s.skillCPV(sk, d, mm)
			f := e.cpv
			if alone {
				f = e.lone
			}
			if f.v > best.v {
				best, from = f, i
			}
		}
		if len(p.concepts) > 0 && p.divs.meets(d.divs) {
			pf, pl := bestConcept(p.concepts, d)
			if alone {
				pf = pl
			}
			if pf.v > best.v {
				best, from = pf, -1
			}
		}
		if best.v > 0 {
			mm.cpvBest, mm.cpvFrom, mm.cpvAlone = best, from, alone
			add(sigCPV, from, r.Weights.CPV*best.v)
		}
	}
	// Inferred codes of a notice without codes: borrowed from its nearest coded notices,
	// they weigh by their confidence; alone, only a specific fit counts (bestInferred).
	mm.cpvInfer = false
	if r.Weights.CPV > 0 && len(d.cpv) == 0 && len(d.inferred) > 0 {
		alone := textSum <= 0 && cluster < 0 && sector < 0
		best, from := cpvFit{i: -1, c: -1}, -1
		for i, sk := range p.skills {
			e := s.skillCPV(sk, d, mm)
			f := e.inf
			if alone {
				f = e.infLone
			}
			if f.v > best.v {
				best, from = f, i
			}
		}
		if len(p.concepts) > 0 && p.divs.meets(d.divs) {
			pf, pl := bestInferred(p.concepts, d)
			if alone {
				pf = pl
			}
			if pf.v > best.v {
				best, from = pf, -1
			}
		}
		if best.v > 0 {
			mm.cpvBest, mm.cpvFrom, mm.cpvAlone, mm.cpvInfer = best, from, alone, true
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
		mm.parts, mm.scale = parts, 0
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
	mm.parts, mm.scale = parts, scale
	return out
}

// explainLast writes the evidence of the parts the last numbers call found: one
// contribution each, rounded as the score was (unrounded for a topical score).
func (s *Scorer) explainLast(p *profile, d *doc, mm *memo) []passerelle.Contribution {
	n := len(mm.parts)
	var cs []passerelle.Contribution
	if mm.arena != nil {
		if len(mm.arena)+n > cap(mm.arena) {
			mm.arena = make([]passerelle.Contribution, 0, max(4096, n))
		}
		l := len(mm.arena)
		cs = mm.arena[l : l+n : l+n]
		mm.arena = mm.arena[:l+n]
	} else {
		cs = make([]passerelle.Contribution, n)
	}
	o := d.o
	for k, pt := range mm.parts {
		c := &cs[k]
		c.Signal = signalNames[pt.sig]
		c.Points = pt.x
		if mm.scale > 0 {
			c.Points = float64(int(math.Round(pt.x*mm.scale*10))) / 10
		}
		switch pt.sig {
		case sigText:
			sk := p.skills[pt.who]
			e := mm.coldOf(sk.id)
			if e.flags&hasTextEv == 0 {
				e.textEv[0] = s.skillEvidence(sk, d, *s.skill(sk, d, mm))
				e.flags |= hasTextEv
			}
			c.Evidence = e.textEv[0]
			if mm.textNote != noteNone && s.skill(sk, d, mm).whole {
				// One note per notice: its own reason when it has no codes, else the
				// profile's (see textExtra).
				if e.flags&hasTextNoteEv == 0 {
					e.textEv[1] = e.textEv[0] + " (" + textNote(mm.textNote, d) + ")"
					e.flags |= hasTextNoteEv
				}
				c.Evidence = e.textEv[1]
			}
		case sigCPV:
			if pt.who >= 0 {
				sk := p.skills[pt.who]
				e := mm.coldOf(sk.id)
				k, flag := 0, hasCPVEv
				if mm.cpvAlone {
					k, flag = 1, hasLoneEv
				}
				if e.flags&flag == 0 {
					e.cpvEv[k] = s.cpvEvidence(d, mm.cpvBest, &sk.concepts[mm.cpvBest.c], mm.cpvAlone)
					e.flags |= flag
				}
				c.Evidence = e.cpvEv[k]
			} else {
				// Profiles' own concepts are not shared phrases, but many profiles declare
				// the same prefixes: their evidence is kept per notice too.
				pc := &p.concepts[mm.cpvBest.c]
				k := conceptEvKey{at: mm.cpvBest.i, alone: mm.cpvAlone, prefix: pc.prefix, code: pc.code, why: pc.why}
				ev, ok := mm.conceptEv[k]
				if !ok {
					ev = s.cpvEvidence(d, mm.cpvBest, pc, mm.cpvAlone)
					if mm.conceptEv == nil {
						mm.conceptEv = map[conceptEvKey]string{}
					}
					mm.conceptEv[k] = ev
				}
				c.Evidence = ev
			}
		case sigCluster:
			c.Evidence = d.clusters[pt.who].why
		case sigSector:
			c.Evidence = d.sectors[pt.who].why
		case sigDeadline:
			c.Evidence = d.deadlineEv
		case sigFreshness:
			c.Evidence = d.freshEv
		case sigRegion:
			c.Evidence = regionHit(p.regions, o, true)
		case sigBudget:
			c.Evidence = fmt.Sprintf("value %.0f %s within budget", o.Value.Amount, o.Value.Currency)
		}
	}
	return cs
}

// sameWording reports whether an earlier skill of p matched the notice through the same
// wording as skill i.
func (s *Scorer) sameWording(p *profile, i int, d *doc, mm *memo) bool {
	e := s.skill(p.skills[i], d, mm)
	w := p.skills[i].alts[e.alt].norm
	for j := 0; j < i; j++ {
		ej := s.skill(p.skills[j], d, mm)
		if ej.score > 0 && p.skills[j].alts[ej.alt].norm == w {
			return true
		}
	}
	return false
}

// prepare computes what depends on the notice and the clock only: status and deadline
// vetoes, deadline and freshness points with their evidence.
func (s *Scorer) prepare(d *doc, now time.Time) {
	o, r := d.o, &s.rules
	d.now = now
	d.closed, d.deadlineVeto, d.deadlinePts, d.freshPts = "", "", 0, 0
	switch st := o.ComputeStatus(now); st {
	case passerelle.StatusClosed, passerelle.StatusCancelled:
		d.closed = "opportunity " + string(st)
	}
	if dl := nextDeadline(o, now); dl != nil {
		left := dl.Sub(now)
		if left < time.Duration(r.Thresholds.MinDaysToDeadline)*24*time.Hour {
			d.deadlineVeto = fmt.Sprintf("deadline in %s, below the %d-day minimum", humanDays(left), r.Thresholds.MinDaysToDeadline)
		}
		if r.Weights.Deadline > 0 {
			d.deadlinePts = r.Weights.Deadline * math.Min(1, left.Hours()/24/21)
			d.deadlineEv = "deadline in " + humanDays(left)
		}
	}
	if o.Published != nil && r.Weights.Freshness > 0 {
		age := math.Max(0, now.Sub(*o.Published).Hours()/24)
		f := 1.0
		if age > 7 {
			f = math.Max(0, 1-(age-7)/53)
		}
		d.freshPts = r.Weights.Freshness * f
		d.freshEv = fmt.Sprintf("published %d days ago", int(age))
	}
}

func (s *Scorer) skillEvidence(sk *phrase, d *doc, h skillHit) string {
	f := d.fields[h.field]
	va := sk.alts[h.alt]
	hh := va.match(f, true)
	how := "~" // every word, close together
	switch {
	case hh.q >= 1:
		how = "=" // the phrase as written
	case hh.whole:
		how = "~ words apart in" // every word, far apart in a long text
	case hh.q < 0.8:
		how = "≈ part of"
	}
	via := ""
	if h.alt > 0 {
		via = " (" + va.via + ")"
	}
	return fmt.Sprintf("skill %s%s %s %s %s", quoteS(sk.text), via, how, f.name, quoteS(hh.surfaceText(f, va)))
}

// cpvEvidence says which notice code fits which concept; alone, a broad fit says it
// counted at loneBroadCPV.
func (s *Scorer) cpvEvidence(d *doc, f cpvFit, c *concept, alone bool) string {
	if len(d.cpv) == 0 {
		// A notice without codes fits only by the codes inferred for it.
		return s.inferredEvidence(d, f, c)
	}
	code := d.cpv[f.i]
	main := ""
	if f.i == 0 {
		main = "main "
	}
	label := s.voc.Label(c.code, "en")
	if label == "" {
		label = s.voc.Label(code, "en")
	}
	rel := "⊂"
	if !strings.HasPrefix(code, c.prefix) {
		rel = "near"
	}
	ev := main + "CPV " + code + " " + rel + " " + c.prefix + " " + quoteS(label) + " (" + c.why + ")"
	if alone && !specificFit(code, c) {
		ev += fmt.Sprintf(" — broad fit, no other evidence: ×%g", loneBroadCPV)
	}
	return ev
}

// nextDeadline is the next date the member must meet: the earliest stage deadline still
// ahead, else the opportunity's deadline. Untrusted (placeholder) deadlines count as unknown.
// inferredEvidence says which inferred code fits which concept, how sure the inference
// is and what it rests on: "CPV 72212000 inferred (6 of the 10 closest coded notices carry
// group 722, confidence 0.58) ⊂ 722 'IT services' (skill 'software')".
func (s *Scorer) inferredEvidence(d *doc, f cpvFit, c *concept) string {
	x := d.inferred[f.i]
	label := s.voc.Label(c.code, "en")
	if label == "" {
		label = s.voc.Label(x.code, "en")
	}
	rel := "⊂"
	if !strings.HasPrefix(x.code, c.prefix) {
		rel = "near"
	}
	return fmt.Sprintf("CPV %s inferred (%d of the %d closest coded notices carry group %s, confidence %.2f) %s %s %s (%s)",
		x.code, x.of, x.k, x.code[:3], x.conf, rel, c.prefix, quoteS(label), c.why)
}

func nextDeadline(o *passerelle.Opportunity, now time.Time) *time.Time {
	var next *time.Time
	for _, st := range o.Stages {
		if st.Deadline != nil && st.Deadline.After(now) && (next == nil || st.Deadline.Before(*next)) {
			next = st.Deadline
		}
	}
	if next != nil {
		return next
	}
	if o.Deadline == nil || o.DeadlineUntrusted {
		return nil
	}
	return o.Deadline
}

func humanDays(d time.Duration) string {
	days := int(math.Floor(d.Hours() / 24))
	switch {
	case d < 0:
		return "the past"
	case days == 0:
		return "less than a day"
	case days == 1:
		return "1 day"
	}
	return fmt.Sprintf("%d days", days)
}

// regionVeto: a member who declared regions gets notices located in them. A notice whose
// location is unknown is not vetoed (and earns no region points).
func regionVeto(regions []string, o *passerelle.Opportunity) string {
	if len(regions) == 0 {
		return ""
	}
	if len(o.NUTS) == 0 && o.Country == "" {
		return ""
	}
	if regionHit(regions, o, false) != "" {
		return ""
	}
	where := strings.Join(o.NUTS, ", ")
	if where == "" {
		where = o.Country
	}
	return fmt.Sprintf("region: notice in %s, outside %s", where, strings.Join(regions, ", "))
}

// regionHit returns the evidence that the notice lies in one of regions (or "+" without
// explain), or "".
func regionHit(regions []string, o *passerelle.Opportunity, explain bool) string {
	for _, r := range regions {
		r = strings.TrimSpace(r)
		if r == "" {
			continue
		}
		for _, n := range o.NUTS {
			if len(n) >= len(r) && strings.EqualFold(n[:len(r)], r) {
				if !explain {
					return "+"
				}
				return "region " + n + " ⊂ " + r
			}
		}
		if len(o.NUTS) == 0 && o.Country != "" && len(r) == 2 && strings.EqualFold(countryOf(strings.ToUpper(r)), o.Country) {
			if !explain {
				return "+"
			}
			return "country " + o.Country + " = region " + r
		}
	}
	return ""
}

// regionIn is regionHit without evidence, on upper-cased regions and NUTS codes (which
// are ASCII: upper-casing both compares as EqualFold does).
func regionIn(regUp []string, d *doc) bool {
	for _, r := range regUp {
		for _, n := range d.nutsUp {
			if strings.HasPrefix(n, r) {
				return true
			}
		}
		if len(d.nutsUp) == 0 && d.o.Country != "" && len(r) == 2 && strings.EqualFold(countryOf(r), d.o.Country) {
			return true
		}
	}
	return false
}

// countryOf maps a NUTS country prefix to ISO 3166-1 (NUTS writes Greece EL, the UK UK).
func countryOf(nuts string) string {
	switch nuts {
	case "EL":
		return "GR"
	case "UK":
		return "GB"
	}
	return nuts
}

// budgetComparable: budgets are in euros; a value in another currency cannot be compared.
func budgetComparable(v *passerelle.Money) bool {
	return v.Currency == "" || strings.EqualFold(v.Currency, "EUR")
}

// vetoed marks a veto whose text was not asked for.
const vetoed = "vetoed"

// budgetOut reports whether a known, comparable value lies outside budget b.
func budgetOut(b *passerelle.Budget, v *passerelle.Money) bool {
	if b == nil || v == nil || v.Amount <= 0 || !budgetComparable(v) {
		return false
	}
	return b.Min > 0 && v.Amount < b.Min || b.Max > 0 && v.Amount > b.Max
}

func budgetVeto(b *passerelle.Budget, v *passerelle.Money) string {
	if !budgetOut(b, v) {
		return ""
	}
	if b.Min > 0 && v.Amount < b.Min {
		return fmt.Sprintf("budget: value %.0f %s below the member's minimum %.0f", v.Amount, v.Currency, b.Min)
	}
	if b.Max > 0 && v.Amount > b.Max {
		return fmt.Sprintf("budget: value %.0f %s above the member's maximum %.0f", v.Amount, v.Currency, b.Max)
	}
	return ""
}

// threshold is the score a match of p must reach to be kept.
func (s *Scorer) threshold(m *passerelle.Member) float64 {
	return math.Max(s.rules.Thresholds.MinScore, m.MinScore)
}

func (s *Scorer) kept(p *profile, r scored) bool {
	return r.veto == "" && r.topical > 0 && r.score >= p.minScore
}

func (s *Scorer) toMatch(member, opportunity string, r scored) passerelle.Match {
	return passerelle.Match{
		Member:       member,
		Opportunity:  opportunity,
		Score:        r.score,
		Explanation:  passerelle.Explanation{Contributions: r.contrib, Veto: r.veto},
		RulesVersion: s.rules.Version,
		State:        passerelle.MatchNew,
	}
}

// Score applies the hard filters (premium tier, status not closed or cancelled, deadline
// far enough, member's and global exclusions, declared regions as NUTS prefixes, budget
// range when the value is known), then the soft fit (text, CPV, cluster, sector, deadline,
// freshness, region, budget). Every contribution of the explanation names its evidence and
// the contributions add up to the score (0-100, rounded to 0.1). A vetoed pair scores 0
// and its explanation says why. ok is true when the match should be kept: not vetoed,
// some topical evidence, and a score of at least max(rules' min score, member's).
func (s *Scorer) Score(m *passerelle.Member, o *passerelle.Opportunity, now time.Time) (passerelle.Match, bool) {
	p := s.compile(m)
	d := s.analyzeDoc(o)
	s.prepare(d, now)
	r := s.score(p, d, now, false, true, newMemo(p.maxPhrase()+1))
	if r.contrib == nil {
		r.contrib = []passerelle.Contribution{}
	}
	return s.toMatch(m.ID, o.ID, r), s.kept(p, r)
}

// Topical scores topical fit only — text, CPV, cluster, sector — ignoring status,
// deadline, tier, region and budget: what `eval` ranks by. The score is not rounded (ties
// are rare in a ranking) and is 0 for an empty profile.
func (s *Scorer) Topical(m *passerelle.Member, o *passerelle.Opportunity) (float64, passerelle.Explanation) {
	p := s.compile(m)
	r := s.score(p, s.analyzeDoc(o), time.Time{}, true, true, newMemo(p.maxPhrase()+1))
	return r.topical, passerelle.Explanation{Contributions: r.contrib, Veto: r.veto}
}

// ProfileQuery is the terms and CPV prefixes of Retrieval, without the clusters and
// sectors whose source tags can also lead to a match: retrieving with it alone misses the
// notices a source tagged with the member's cluster that nothing else points at.
func (s *Scorer) ProfileQuery(m *passerelle.Member) (terms []string, cpvPrefixes []string) {
	r := s.Retrieval(m)
	return r.Terms, r.CPV
}

// Retrieval is what to retrieve candidate opportunities with for one profile through the
// search index: any notice holding one of the Terms, coded under one of the CPV prefixes,
// or tagged by its source with one of the Clusters or Sectors.
type Retrieval struct {
	Terms []string `json:"terms"`
	// Stems are the words that can make a skill or a bundle keyword match as the scorer
	// reads them (each phrase's key terms, folded and stemmed, in every language it
	// analyses): a notice word the scorer reads as one of them mostly starts with it,
	// which the index can look for even where its own stemmers read the word otherwise
	// (French "buses" is "bus" to the scorer, "buse" to bleve's light stemmer).
	Stems    []string `json:"stems,omitempty"`
	CPV      []string `json:"cpv"`
	Clusters []string `json:"clusters,omitempty"`
	Sectors  []string `json:"sectors,omitempty"`
	// Uncoded: the notices without codes are candidates too, whatever their words — the
	// scorer infers their codes from their nearest coded notices, and those may fit the
	// profile's concepts. Set when the scorer infers codes and the profile has concepts.
	Uncoded bool `json:"uncoded,omitempty"`
}

// Retrieval is what to retrieve candidate opportunities with for a new or edited profile
// (through the search index): everything that can lead Score to keep a match, so that the
// index only narrows the candidates and the scorer decides, as the Monitor does.
//
// Terms are the skills and their synonyms, the keywords of the member's clusters and
// sectors, each as written and as the scorer's tokenizer reads it ("e-learning" also as
// "elearning"). CPV prefixes follow the Monitor's bounds (see cpvBounds): each concept
// that can lift a match to the threshold on its own — declared, derived from the skills
// through the CPV labels, rolled up —, cut to the bounds' depth when near siblings can
// (with the default rules they cannot: a broad fit alone counts loneBroadCPV), with the
// codes of its ancestors padded to 8 digits ("72000000" for "7226") when a notice coded
// with a broad code can; anything else a notice needs to reach the threshold is in its
// words, clusters or sectors, which the terms and the bundles' prefixes reach. Bundles'
// prefixes are taken as they are: they fit by strict prefix only. A prefix of one digit
// is spread over its ten divisions (the index knows 2 to 8 digits). Stems are the key
// terms of the same phrases as the scorer reads them (see Retrieval.Stems). Clusters and
// Sectors are the member's, as the rules name them, when their weight is above 0: a
// notice tagged with one by its source belongs to it fully (bundleHit), and a pole's call
// tagged that way may have no code and none of the bundle's words.
func (s *Scorer) Retrieval(m *passerelle.Member) Retrieval {
	p := s.compile(m)
	var terms, stems, cpvPrefixes []string
	seenT, seenC, seenS := map[string]bool{}, map[string]bool{}, map[string]bool{}
	addT := func(t string) {
		t = strings.TrimSpace(t)
		if k := fold(strings.ToLower(t)); k != "" && !seenT[k] {
			seenT[k] = true
			terms = append(terms, t)
		}
	}
	addPhrase := func(ph *phrase) {
		for _, va := range ph.alts {
			for l := range va.keys {
				for _, k := range va.keys[l] {
					if !seenS[k] {
						seenS[k] = true
						stems = append(stems, k)
					}
				}
			}
			addT(va.text)
			addT(va.norm)
			// Each content word on its own too: the scorer counts part of a phrase, and
			// the index looks for the words of a multi-word term one by one only in the
			// languages with a stemmed field of their own (a single word everywhere).
			if toks := tokenize(va.text); len(toks) > 1 {
				for _, w := range toks {
					if f := fold(w); !stopWords[f] && len(f) >= 2 {
						addT(w)
					}
				}
			}
		}
	}
	addC := func(c string) {
		if c == "" || seenC[c] {
			return
		}
		seenC[c] = true
		if len(c) == 1 {
			for d := '0'; d <= '9'; d++ {
				if k := c + string(d); !seenC[k] {
					seenC[k] = true
					cpvPrefixes = append(cpvPrefixes, k)
				}
			}
			return
		}
		cpvPrefixes = append(cpvPrefixes, c)
	}
	b := boundsOf(s.rules)
	addConcept := func(c concept) {
		k, ok := b.key(c)
		if !ok {
			return
		}
		addC(k)
		for n := 2; n < len(k) && b.ancestors; n++ {
			addC(k[:n] + strings.Repeat("0", 8-n))
		}
	}
	for _, sk := range p.skills {
		addPhrase(sk)
		for _, c := range sk.concepts {
			addConcept(c)
		}
	}
	for _, c := range p.concepts {
		addConcept(c)
	}
	for _, ci := range p.clusters {
		for _, k := range s.clusters[ci].keywords {
			addPhrase(k)
		}
		for _, c := range s.clusters[ci].cpv {
			addC(c)
		}
	}
	for _, si := range p.sectors {
		for _, k := range s.sectors[si].keywords {
			addPhrase(k)
		}
		for _, c := range s.sectors[si].cpv {
			addC(c)
		}
	}
	sort.Strings(cpvPrefixes)
	sort.Strings(stems)
	r := Retrieval{Terms: terms, Stems: stems, CPV: cpvPrefixes}
	tags := func(weight float64, idx []int, bs []bundle) []string {
		var out []string
		for _, i := range idx {
			if weight > 0 && !slices.Contains(out, bs[i].name) {
				out = append(out, bs[i].name)
			}
		}
		return out
	}
	r.Clusters = tags(s.rules.Weights.Cluster, p.clusters, s.clusters)
	r.Sectors = tags(s.rules.Weights.Sector, p.sectors, s.sectors)
	r.Uncoded = len(cpvPrefixes) > 0 && s.corpus != nil && !s.off.has(ablateInference) && s.rules.Weights.CPV > 0
	return r
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
