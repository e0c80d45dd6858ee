package matcher

import (
	"math"
	"slices"
	"sort"
	"strings"
)

// A phrase is a compiled word or phrase of a profile or of the rules (a skill, an
// exclusion, a cluster keyword): its analysis in every language, because a member writes
// in one language and notices come in many. Phrases are interned by the Scorer, so that
// 100,000 profiles drawing on the same skills share one copy.
type phrase struct {
	id int
	// divs are the CPV divisions of concepts (all of them when one has none): a notice
	// sharing none fits none of them, which skillCPV knows without reading the concepts.
	divs divSet
	text string
	// alts are the ways of saying it: the phrase itself first, then its synonyms.
	alts []*variant
	// trusted is 1 + the index of the last alt of full trust (its own words and synonyms,
	// which come first): a notice with codes reads only alts[:trusted] (see matchSkill),
	// without fetching the translations after them.
	trusted int
	// concepts are the CPV codes the phrase names (skills only; nil for other phrases).
	concepts []concept
}

// variant is one wording, analysed per language.
type variant struct {
	text string
	norm string // normPhrase(text)
	bag  string // looseBag(text): the same words whatever their order and number
	via  string // how this wording came, for an alternative: "synonym 'x'", "translation 'y', EuroVoc: …"
	// viaKey is via's kind as the catalogue names it (passerelle.ReasonVia…), viaTerm the
	// wording itself: what a member is told.
	viaKey, viaTerm string
	trust           float64          // how far a hit of this wording counts: 1 but for translations (see translationTrust)
	terms           [nLang][]string  // analysed terms in order (for phrase matching)
	uniq            [nLang][]string  // the same, deduplicated
	light           [nLang][]string  // light form of each of uniq (fr, en; nil elsewhere)
	idf             [nLang][]float64 // rarity of uniq[l][i]
	total           [nLang]float64   // sum of idf[l]
	// keys are the rarest terms: a text that contains none of them cannot cover half of
	// the variant's weight, so it cannot match. The Monitor indexes profiles by them.
	keys [nLang][]string
	// cidf, ctotal and ckeys are the same weighed by rarity in the corpus's notices, where
	// the corpus knows the language (reweigh): what a skill's words weigh in a notice
	// without codes, where they are all there is. A word rare in CPV labels may be common
	// in calls ("precision", "data"): the notices say what is generic, not the labels.
	cidf   [nLang][]float32 // float32: 100,000 profiles hold hundreds of thousands of these
	ctotal [nLang]float64
	ckeys  [nLang][]string // nil where the same as keys
}

// Match qualities below the phrase as written (1): all its words close together, all its
// words anywhere in a long text, and part of them (times the covered share; less in a
// description, where a few common words are found by chance).
const (
	scatteredNear      = 0.8
	scatteredFar       = 0.45
	partialQ           = 0.6
	partialDescription = 0.5
	nearWindow         = 8
)

// looseShare is what a word found only through its stem (not through its light form)
// counts of its weight.
const looseShare = 0.5

// lightAt reports whether the word at one of positions ps has light form w.
func lightAt(ps []int32, light []string, w string) bool {
	for _, p := range ps {
		if light[p] == w {
			return true
		}
	}
	return false
}

// near reports whether every term occurs within one window of nearWindow positions.
func near(terms []string, f *field) bool {
	if len(terms) < 2 {
		return true
	}
	for _, p0 := range f.pos[terms[0]] {
		ok := true
		for _, t := range terms[1:] {
			found := false
			for _, p := range f.pos[t] {
				if p >= p0-nearWindow && p <= p0+nearWindow {
					found = true
					break
				}
			}
			if !found {
				ok = false
				break
			}
		}
		if ok {
			return true
		}
	}
	return false
}

// minCoverage is the share of a phrase's (rarity-weighted) words that a text must
// contain for the phrase to count at all: one generic word of a three-word skill is noise.
const minCoverage = 0.5

func newVariant(text string, v *Vocabulary) *variant { return newVariantIn(text, v, nLang) }

// newVariantIn analyses text in language only (in every language when only is nLang):
// a translation into English is a wording for English texts alone.
func newVariantIn(text string, v *Vocabulary, only lang) *variant {
	va := &variant{text: text, norm: normPhrase(text), bag: looseBag(text), trust: 1}
	for l := lang(0); l < nLang; l++ {
		if only != nLang && l != only {
			continue
		}
		ts, lights := analyzeLight(text, l)
		va.terms[l] = ts
		va.uniq[l] = dedupe(append([]string(nil), ts...))
		if lights != nil {
			for _, u := range va.uniq[l] {
				va.light[l] = append(va.light[l], lights[slices.Index(ts, u)])
			}
		}
		va.idf[l] = make([]float64, len(va.uniq[l]))
		for i, t := range va.uniq[l] {
			x := v.termIDF(t, l)
			va.idf[l][i] = x
			va.total[l] += x
		}
		// Keys: rarest first, until what is left weighs less than minCoverage.
		idx := make([]int, len(va.uniq[l]))
		for i := range idx {
			idx[i] = i
		}
		sort.SliceStable(idx, func(a, b int) bool { return va.idf[l][idx[a]] > va.idf[l][idx[b]] })
		rest := va.total[l]
		for _, i := range idx {
			if rest < minCoverage*va.total[l]-1e-9 {
				break
			}
			va.keys[l] = append(va.keys[l], va.uniq[l][i])
			rest -= va.idf[l][i]
		}
	}
	return va
}

// field is one analysed text of an opportunity: its title or description, in its own
// language or in a translation.
type field struct {
	name  string // "title", "description", "title (de)"
	trans string // the language of the translation it is from ("de"), "" for the notice's own
	title bool
	lang  lang
	terms []string
	text  string
	spans [][2]int32 // where each term's token is in text, for explanations
	pos   map[string][]int32
	light []string // each term's light form (fr, en; nil elsewhere)
}

func newField(name string, title bool, l lang, text string) *field {
	f := &field{name: name, title: title, lang: l, text: text, pos: map[string][]int32{}}
	spans := tokenizeSpans(text)
	acronyms := !mostlyCapitals(spans)
	for _, sp := range spans {
		t, ok := term(sp, l, acronyms)
		if !ok {
			continue
		}
		if side, ok := lightSide(l); ok {
			f.light = append(f.light, lightStem(fold(sp.tok), side))
		}
		f.pos[t] = append(f.pos[t], int32(len(f.terms)))
		f.terms = append(f.terms, t)
		f.spans = append(f.spans, [2]int32{sp.start, sp.end})
	}
	return f
}

// hit is how well a variant matched a field.
type hit struct {
	q     float64 // 0..1: 1 phrase, 0.8 all words scattered, less for part of the words
	whole bool    // every word found (a phrase or scattered), not a part
	start int32   // phrase start, or -1
	// at is where the text has said it all: the phrase's start, else the position by
	// which every found word has occurred once (see leadFactor).
	at    int32
	found []string
}

// match measures variant va in field f. Quality is 1 for the phrase as written (a gap of
// one word allowed), 0.8 for all its words scattered, 0.6×coverage for at least
// minCoverage of its weight, and 0 below.
func (va *variant) match(f *field, withFound bool) hit { return va.matchW(f, withFound, false) }

// matchW is match weighing the words by their rarity in the corpus (cidf) when byCorpus.
func (va *variant) matchW(f *field, withFound, byCorpus bool) hit {
	l := f.lang
	uniq := va.uniq[l]
	if len(uniq) == 0 || len(f.terms) == 0 {
		return hit{start: -1}
	}
	var got float64
	all := true
	byCorpus = byCorpus && va.cidf[l] != nil
	total := va.total[l]
	if byCorpus {
		total = va.ctotal[l]
	}
	at := int32(0)
	for i, t := range uniq {
		ps := f.pos[t]
		if len(ps) == 0 {
			all = false
			continue
		}
		at = max(at, ps[0])
		w := va.idf[l][i]
		if byCorpus {
			w = float64(va.cidf[l][i])
		}
		if va.light[l] != nil && f.light != nil && !lightAt(ps, f.light, va.light[l][i]) {
			// The stemmer merged different words ("natural" and "nature",
			// "technologies" and "technological"): a loose hit, worth less, and the
			// skill is not found whole.
			got += looseShare * w
			all = false
			continue
		}
		got += w
	}
	if total <= 0 {
		return hit{start: -1}
	}
	c := got / total
	if c < minCoverage {
		return hit{start: -1}
	}
	h := hit{start: -1, at: at}
	switch {
	case all:
		h.whole = true
		if start := phraseAt(va.terms[l], f, va.lightOf(l, f)); start >= 0 {
			h.q, h.start, h.at = 1, start, start
		} else if f.title || near(va.uniq[l], f) {
			h.q = scatteredNear
		} else {
			h.q = scatteredFar
		}
	default:
		h.q = partialQ * c
		if !f.title {
			h.q *= partialDescription
		}
	}
	if withFound && h.start < 0 {
		for i, t := range uniq {
			if ps := f.pos[t]; len(ps) > 0 {
				// Quote the word as the skill writes it where the text has it so.
				at := ps[0]
				if va.light[l] != nil && f.light != nil {
					for _, p := range ps {
						if f.light[p] == va.light[l][i] {
							at = p
							break
						}
					}
				}
				sp := f.spans[at]
				h.found = append(h.found, f.text[sp[0]:sp[1]])
			}
		}
	}
	return h
}

// phraseAt returns where terms occur in order in f, each within two positions of the
// previous one, or -1. With light (the light form each term must have there, see
// variant.lightOf), a position whose word only shares the term's stem does not count:
// "generative artificial intelligence" is not at "generation of frontier Artificial
// Intelligence", even when "generative" occurs elsewhere in the text.
func phraseAt(terms []string, f *field, light func(t string, p int32) bool) int32 {
	at := func(t string, p int32) bool { return light == nil || light(t, p) }
	if len(terms) == 1 {
		for _, p := range f.pos[terms[0]] {
			if at(terms[0], p) {
				return p
			}
		}
		return -1
	}
	for _, p0 := range f.pos[terms[0]] {
		if !at(terms[0], p0) {
			continue
		}
		prev := p0
		ok := true
		for _, t := range terms[1:] {
			next := int32(-1)
			for _, p := range f.pos[t] {
				if p > prev && p <= prev+2 && at(t, p) {
					next = p
					break
				}
			}
			if next < 0 {
				ok = false
				break
			}
			prev = next
		}
		if ok {
			return p0
		}
	}
	return -1
}

// lightOf tells whether the word at position p of f has term t's light form in va, where
// both sides have light forms (French, English); nil where they have none.
func (va *variant) lightOf(l lang, f *field) func(t string, p int32) bool {
	if va.light[l] == nil || f.light == nil {
		return nil
	}
	return func(t string, p int32) bool {
		i := slices.Index(va.uniq[l], t)
		return i < 0 || f.light[p] == va.light[l][i]
	}
}

// surfaceText is what matched, in the notice's own words.
func (h hit) surfaceText(f *field, va *variant) string {
	if h.start >= 0 {
		n := len(va.terms[f.lang])
		end := int(h.start) + n
		// Allow for the gaps phraseAt tolerates.
		for end < len(f.terms) && end-int(h.start) < 2*n && !containsAll(f.terms[h.start:end], va.terms[f.lang]) {
			end++
		}
		if end > len(f.spans) {
			end = len(f.spans)
		}
		return f.text[f.spans[h.start][0]:f.spans[end-1][1]]
	}
	return strings.Join(h.found, " … ")
}

func containsAll(have, want []string) bool {
	for _, w := range want {
		ok := false
		for _, h := range have {
			if h == w {
				ok = true
				break
			}
		}
		if !ok {
			return false
		}
	}
	return true
}

// keysOf picks the keys of uniq weighed by idf: rarest first, until what is left weighs
// less than minCoverage of total.
func keysOf(uniq []string, idf []float64, total float64) []string {
	idx := make([]int, len(uniq))
	for i := range idx {
		idx[i] = i
	}
	sort.SliceStable(idx, func(a, b int) bool { return idf[idx[a]] > idf[idx[b]] })
	rest := total
	var keys []string
	for _, i := range idx {
		if rest < minCoverage*total-1e-9 {
			break
		}
		keys = append(keys, uniq[i])
		rest -= idf[i]
	}
	return keys
}

// reweigh sets cidf, ctotal and ckeys from c's notices, where c knows the language (its
// frequencies blended in as it grows confident); elsewhere they stay unset and the labels'
// weights serve.
func (va *variant) reweigh(c *Corpus) {
	if c == nil {
		return
	}
	for l := lang(0); l < nLang; l++ {
		conf := c.confidence(l)
		if conf == 0 || len(va.uniq[l]) == 0 {
			continue
		}
		n := c.docs[l]
		idf := make([]float64, len(va.uniq[l]))
		small := make([]float32, len(va.uniq[l]))
		total := 0.0
		for i, t := range va.uniq[l] {
			df := float64(c.df[l][t])
			small[i] = float32(conf*math.Log(1+(n-df+0.5)/(df+0.5)) + (1-conf)*va.idf[l][i])
			idf[i] = float64(small[i]) // what matchW will read
			total += idf[i]
		}
		va.cidf[l], va.ctotal[l] = small, total
		if keys := keysOf(va.uniq[l], idf, total); !slices.Equal(keys, va.keys[l]) {
			va.ckeys[l] = keys
		}
	}
}
