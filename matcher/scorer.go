package matcher

import (
	"fmt"
	"math"
	"strings"
	"sync"
	"time"
	"unicode"

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
	workers  int // goroutines a Monitor built on this scorer uses; all cores when zero (workers.go)

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
			va.viaKey, va.viaTerm = passerelle.ReasonViaSynonym, alt
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
		known := s.corpus.known()
		if s.off.has(ablateCognates) {
			known = nil // no word rendered by its spelling alone (cognate.go)
		}
		dict := defaultTranslator()
		if s.off.has(ablateAlignment) {
			dict = dict.withoutAligned() // no word sense found by alignment alone (align.go)
		}
		for _, tr := range dict.translateKnown(text, known) {
			if n := normPhrase(tr.text); n == "" || n == p.alts[0].norm {
				continue
			}
			src := langFR
			if tr.lang == langFR {
				src = langEN
			}
			if len(dedupe(analyze(tr.text, tr.lang))) < len(dedupe(analyze(text, src))) {
				// Fewer words than the skill: a broader term ("traçabilité alimentaire"
				// is a kind of "traceability"), which would find other trades.
				continue
			}
			va := newVariantIn(tr.text, s.voc, tr.lang)
			va.via = "translation " + quoteS(tr.text) + ", " + tr.via
			va.viaKey, va.viaTerm = passerelle.ReasonViaTranslation, tr.text
			va.trust = translationTrust(tr)
			p.alts = append(p.alts, va)
			// The translation's own synonyms, in its language: "generative artificial
			// intelligence" is also "generative AI".
			for _, alt := range s.synonymsOf(tr.text) {
				vs := newVariantIn(alt, s.voc, tr.lang)
				vs.via = va.via + "; synonym " + quoteS(alt)
				vs.viaKey, vs.viaTerm = passerelle.ReasonViaTranslation, alt
				vs.trust = va.trust
				p.alts = append(p.alts, vs)
			}
		}
	}
	if kind == "s" && !s.off.has(ablateLabels) {
		p.alts = append(p.alts, s.labelWordings(p)...)
	}
	if kind == "s" && !s.off.has(ablateCorpusIDF) {
		for _, va := range p.alts {
			va.reweigh(s.corpus)
		}
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if q := s.phrases[key]; q != nil { // compiled concurrently by another caller
		return q
	}
	p.divs = divsOf(p.concepts)
	for i, va := range p.alts {
		if va.trust >= 1 {
			p.trusted = i + 1
		}
	}
	p.id = len(s.byID)
	s.byID = append(s.byID, p)
	s.phrases[key] = p
	return p
}

// Label wordings: the CPV labels of a skill's surest concepts, in the vocabulary's other
// languages, are wordings of the skill for notices in those languages ("nettoyage de
// bureaux" is "Büroreinigung" in a German call without codes). Like translations they
// serve only notices without codes, count whole only and less than the skill's own words.
const (
	labelMinWeight = 0.8 // a concept this sure
	labelMinDigits = 5   // and this specific (a class or narrower)
	maxLabelCodes  = 2
	labelTrust     = 0.6
)

func (s *Scorer) labelWordings(p *phrase) []*variant {
	var out []*variant
	seen := map[string]bool{}
	for _, a := range p.alts {
		seen[a.norm] = true
	}
	n := 0
	for _, c := range p.concepts {
		if c.rolled || c.weight < labelMinWeight || len(c.prefix) < labelMinDigits || n == maxLabelCodes {
			continue
		}
		n++
		for _, code := range []string{"de", "nl", "en", "fr"} {
			label := s.voc.Label(c.code, code)
			if label == "" || seen[normPhrase(label)] {
				continue
			}
			seen[normPhrase(label)] = true
			va := newVariantIn(label, s.voc, langOf(code))
			va.via = fmt.Sprintf("CPV %s label in %s %s", c.code, code, quoteS(label))
			va.viaKey, va.viaTerm = passerelle.ReasonViaLabel, label
			va.trust = labelTrust
			out = append(out, va)
		}
	}
	return out
}

// synonymsOf returns the other wordings of text given by the rules' synonym groups: for
// each group entry that text contains (as whole words), text with that entry replaced by
// each other entry of the group.
//
// An entry that is only a part of text is replaced only by the entries of text's own
// language: "intelligence artificielle générative" becomes "IA générative", never
// "artificial intelligence générative", half one language, half the other, which no
// notice writes (the English wording comes from the skill's translation, whose own
// synonyms give "generative AI"). A synonym of the whole text may be in any language.
func (s *Scorer) synonymsOf(text string) []string {
	n := " " + normPhrase(text) + " "
	var out []string
	seen := map[string]bool{strings.TrimSpace(n): true}
	side := -1
	for gi, g := range s.synonyms {
		for _, e := range g {
			if e == "" || !strings.Contains(n, " "+e+" ") {
				continue
			}
			part := " "+e+" " != n
			if part && side < 0 {
				side = defaultTranslator().sourceSide(text)
			}
			for k, other := range g {
				if other == e {
					continue
				}
				if part && entrySide(s.spelt[gi], k) != side {
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

// entrySide is the language of entry k of synonym group g, as sourceSide guesses it,
// except for an acronym, which is of the language of the entry it spells: "IA" of
// "intelligence artificielle" is French, "AI" of "artificial intelligence" English (each
// language spells its acronyms in its own word order).
func entrySide(g []string, k int) int {
	tr := defaultTranslator()
	e := g[k]
	if !strings.Contains(e, " ") && len(e) <= 6 && upper(e) >= 2 {
		acr := strings.ToLower(e)
		for j, other := range g {
			if j == k {
				continue
			}
			initials := ""
			for _, w := range tokenize(fold(strings.ToLower(other))) {
				initials += w[:1]
			}
			if initials == acr {
				return tr.sourceSide(other)
			}
		}
	}
	return tr.sourceSide(e)
}

// upper counts the capital letters of e.
func upper(e string) int {
	n := 0
	for _, r := range e {
		if unicode.IsUpper(r) {
			n++
		}
	}
	return n
}

// vetoed marks a veto whose text was not asked for.
const vetoed = "vetoed"

func (s *Scorer) toMatch(member, profile, opportunity string, r scored) passerelle.Match {
	var m passerelle.Match
	s.fillMatch(&m, member, profile, opportunity, r.score, r.contrib, r.veto)
	return m
}

// fillMatch writes a new match into a zero m, field by field: the Monitor fills hundreds
// of thousands in place, where copying whole structs costs (write barriers while the
// collector runs).
func (s *Scorer) fillMatch(m *passerelle.Match, member, profile, opportunity string, score float64, contrib []passerelle.Contribution, veto string) {
	m.Member, m.Opportunity, m.Score, m.Profile = member, opportunity, score, profile
	m.Explanation.Contributions, m.Explanation.Veto = contrib, veto
	m.RulesVersion, m.State = s.rules.Version, passerelle.MatchNew
}

// Score applies the hard filters (premium tier, status not closed or cancelled, deadline
// far enough, member's and global exclusions, declared regions as NUTS prefixes, budget
// range when the value is known), then the soft fit (text, CPV, cluster, sector, deadline,
// freshness, region, budget). Every contribution of the explanation names its evidence and
// the contributions add up to the score (0-100, rounded to 0.1). A vetoed pair scores 0
// and its explanation says why. ok is true when the match should be kept: not vetoed,
// some topical evidence, and a score of at least max(rules' min score, profile's).
//
// A member with several profiles is scored with each (its own exclusions, regions, budget
// and threshold); the match is its best profile's — a kept one before any other, then the
// highest score, then the earlier profile — and names it. One match per member and notice,
// whatever the number of profiles: a digest, a feedback and a state belong to the pair.
func (s *Scorer) Score(m *passerelle.Member, o *passerelle.Opportunity, now time.Time) (passerelle.Match, bool) {
	ps := s.compileAll(m)
	d := s.analyzeDoc(o)
	s.prepare(d, now)
	mm := newMemo(maxPhraseOf(ps) + 1)
	var best scored
	bestAt, bestKept := -1, false
	for i, p := range ps {
		r := s.score(p, d, now, false, true, mm)
		k := s.kept(p, r)
		if bestAt < 0 || k && !bestKept || k == bestKept && r.score > best.score {
			best, bestAt, bestKept = r, i, k
		}
	}
	if best.contrib == nil {
		best.contrib = []passerelle.Contribution{}
	}
	if len(ps) > 1 && best.veto != "" {
		best.veto = "profile " + quoteS(ps[bestAt].pid) + ": " + best.veto
	}
	return s.toMatch(m.ID, ps[bestAt].pid, o.ID, best), bestKept
}

// Topical scores topical fit only — text, CPV, cluster, sector — ignoring status,
// deadline, tier, region and budget: what `eval` ranks by. The score is not rounded (ties
// are rare in a ranking) and is 0 for an empty profile. A member with several profiles
// gets its best profile's (the earlier on a tie).
func (s *Scorer) Topical(m *passerelle.Member, o *passerelle.Opportunity) (float64, passerelle.Explanation) {
	ps := s.compileAll(m)
	d := s.analyzeDoc(o)
	mm := newMemo(maxPhraseOf(ps) + 1)
	var best scored
	for i, p := range ps {
		if r := s.score(p, d, time.Time{}, true, true, mm); i == 0 || r.topical > best.topical {
			best = r
		}
	}
	return best.topical, passerelle.Explanation{Contributions: best.contrib, Veto: best.veto}
}
