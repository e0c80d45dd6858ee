package matcher

import (
	"bufio"
	"bytes"
	_ "embed"
	"math"
	"sort"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// eurovocTSV holds EuroVoc's French and English labels, one concept a line: id, broader,
// fr, en, fr_alt, en_alt (alternatives joined by |). Source: the YAML export of EuroVoc
// (2021-06-04) in the public repository benoitdavidfr/eurovoc, eurovoc.yaml at commit
// ff5c75c, converted to TSV. © European Union, CC BY 4.0 (Decision 2011/833/EU); credit:
// "EuroVoc, Publications Office of the European Union". See eurovoc_PROVENANCE.md.
//
//go:embed eurovoc_en_fr.tsv
var eurovocTSV []byte

// translation is one rendering of a text in the other language, with what supports it.
type translation struct {
	text string
	lang lang   // of text
	via  string // evidence: the dictionary entry, or the word pairs used
	// wordByWord: made of words translated one by one, not a term the dictionaries
	// align whole (less sure: see translationTrust).
	wordByWord bool
}

// sense is a learnt translation of a word: the target's light stem, its singular and
// plural forms as written in the labels, and how strongly the two co-occur (Dice).
type sense struct {
	stem  string
	forms [2]string
	dice  float64
	// aligned: found by model 1 (align.go), not by Dice. Such a sense renders a word
	// that had none; it does not choose among a thesaurus entry's labels (addEntry),
	// which the labels' own order does better.
	aligned bool
	cognate bool // the word's spelling rendered by rule (cognate.go)
}

// mark names how a sense was found, for the evidence: "" for the dictionaries' pairs.
func (s sense) mark() string {
	switch {
	case s.cognate:
		return " (cognate)"
	case s.aligned:
		return " (aligned)"
	}
	return ""
}

// translator holds dictionaries learnt from aligned French-English terms (EuroVoc
// concepts, CPV codes). Side 0 is French, side 1 English. Read-only once built.
type translator struct {
	entries []struct {
		source string      // "EuroVoc" or "CPV <code>"
		labels [2][]string // fr and en labels, preferred first
	}
	terms [2]map[string][]int32 // normalized ("n:") and light-stemmed ("l:") label → entries
	words [2]map[string][]sense // light stem → one or two senses on the other side
	known [2]map[string]int     // folded word → occurrences in the side's labels

	unalignedOnce sync.Once
	unaligned     *translator // without model 1's senses (withoutAligned)
}

// A word pair must be seen twice (a one-word pair counts twice by itself: it is
// unambiguous) so that the rare words of one long label do not pair by chance.
const (
	diceFloor   = 0.3
	minPairSeen = 2
	secondRatio = 0.8 // a second sense is kept when this close to the best
	maxOutputs  = 4
)

var (
	sideLang              = [2]lang{langFR, langEN}
	defaultTranslatorOnce sync.Once
	defaultTr             *translator
)

// defaultTranslator returns the translator built from the embedded EuroVoc and CPV labels.
func defaultTranslator() *translator {
	defaultTranslatorOnce.Do(func() { defaultTr = buildTranslator(eurovocTSV, DefaultVocabulary()) })
	return defaultTr
}

func set(s string) map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Split(s, ",") {
		m[w] = true
	}
	return m
}

var (
	// French words whose final s is no plural.
	frInvariable = set("cours,concours,parcours,recours,secours,discours,temps,corps,bois,pays,prix,poids,mois,repas,acces,proces,progres,succes,puits")
	// French idioms, glued like plate-forme: they translate as one word (en ligne: online)
	// or not at all (gros œuvre is no "big work").
	frIdioms = set("en ligne,temps reel,sur mesure,a distance,gros oeuvre")
	// Function words tell a skill's language where its content words exist in both.
	frMarkers, enMarkers = set("de,des,du,la,le,les,et,pour,au,aux,en,par,sur"), set("of,the,and,for,with,to,by,on")
	conjunctions         = set("et,ou,and,or")
	// French adjectives written before their noun stay with it when the order turns.
	prenominal = set("haut,haute,hauts,hautes,grand,grande,grands,grandes,petit,petite,petits,petites,nouveau,nouvelle,nouveaux,nouvelles,basse,faible")
	// Acronyms that differ between the languages; the labels lack most of them.
	acronyms = [2]map[string]string{{"ia": "AI", "tic": "ICT", "ue": "EU", "rgpd": "GDPR"}, {"ai": "IA", "ict": "TIC", "eu": "UE", "gdpr": "RGPD"}}
)

func plural(w string, side int) bool {
	n := len(w)
	return n > 3 && !(side == 0 && frInvariable[w]) && (w[n-1] == 's' && w[n-2] != 's' || side == 0 && w[n-1] == 'x')
}

// lightStem strips inflection only (plural; French feminine, -aux). Snowball stems also
// merge derived words (flotte/flottant, twins/twinning, engineering/engines,
// coaching/coaches): harmless for retrieval, wrong for translation.
func lightStem(w string, side int) string {
	switch n := len(w); {
	case n <= 3 || strings.IndexFunc(w, unicode.IsDigit) >= 0:
		return w
	case side == 1 && strings.HasSuffix(w, "ies"):
		return w[:n-3] + "y"
	case side == 0 && strings.HasSuffix(w, "aux") && !strings.HasSuffix(w, "eaux"):
		w = w[:n-3] + "al"
	case plural(w, side):
		w = w[:n-1]
	}
	for side == 0 && len(w) > 3 && w[len(w)-1] == 'e' {
		w = w[:len(w)-1]
	}
	if n := len(w); side == 0 && n > 5 && w[n-1] == w[n-2] && strings.IndexByte("lnt", w[n-1]) >= 0 {
		w = w[:n-1] // industrielle, européenne
	}
	return w
}

// contentWords returns the content words of s (stop words, single letters dropped) and
// their spans. glue joins hyphenated compounds (plate-forme, on-line) and frIdioms into
// one word, the way the word dictionary knows them.
func contentWords(s string, glue bool) []span { return contentSpans(s, tokenizeSpans(s), glue) }

func contentSpans(s string, sps []span, glue bool) []span {
	var out []span
	for i := 0; i < len(sps); i++ {
		sp := sps[i]
		for ; glue && i+1 < len(sps); i++ {
			next, gap := sps[i+1], s[sps[i].end:sps[i+1].start]
			if gap != "-" && (gap != " " || !frIdioms[fold(sp.tok+" "+next.tok)]) {
				break
			}
			sp = span{tok: sp.tok + next.tok, start: sp.start, end: next.end}
		}
		if f := fold(sp.tok); !stopWords[f] && (utf8.RuneCountInString(f) > 1 || strings.ContainsAny(f, "+#")) {
			out = append(out, sp)
		}
	}
	return out
}

// termKeys are the whole-term keys of s: its normalized tokens, and its content words
// light-stemmed so that plurals meet (jumeaux numériques, jumeau numérique).
func termKeys(s string, side int) [2]string {
	sps := tokenizeSpans(s)
	var ns, ls []string
	for _, sp := range sps {
		ns = append(ns, fold(sp.tok))
	}
	for _, sp := range contentSpans(s, sps, false) {
		ls = append(ls, lightStem(fold(sp.tok), side))
	}
	keys := [2]string{"n:" + strings.Join(ns, " "), "l:" + strings.Join(ls, " ")}
	for i, k := range keys {
		if len(k) == 2 { // no words, or only function words: "SA", "AU"
			keys[i] = ""
		}
	}
	return keys
}

func buildTranslator(tsv []byte, v *Vocabulary) *translator {
	t := &translator{}
	var cnt [2]map[string]float64            // light stem → weighted number of units holding it
	var forms [2]map[string]map[string]int   // light stem → surface form → count
	co := make(map[[2]string]float64, 1<<17) // (fr, en) light stems → weighted co-occurrence
	var bags [][2][]string                   // per unit, its light stems (alignBest)
	for s := range 2 {
		t.terms[s], t.words[s], t.known[s] = map[string][]int32{}, map[string][]sense{}, map[string]int{}
		cnt[s], forms[s] = map[string]float64{}, map[string]map[string]int{}
	}
	// unit counts one aligned pair of texts, each side a bag of words.
	unit := func(texts [2][]string) {
		var bag [2][]string
		for s := range 2 {
			for _, x := range texts[s] {
				sps := tokenizeSpans(x)
				for _, sp := range sps {
					t.known[s][fold(sp.tok)]++
				}
				for _, sp := range contentSpans(x, sps, true) {
					st := lightStem(fold(sp.tok), s)
					if forms[s][st] == nil {
						forms[s][st] = map[string]int{}
					}
					forms[s][st][strings.ToLower(x[sp.start:sp.end])]++
					bag[s] = append(bag[s], st)
				}
			}
			bag[s] = dedupe(bag[s])
		}
		bags = append(bags, bag)
		w := float64(1 + b2i(len(bag[0]) == 1 && len(bag[1]) == 1))
		for s := range 2 {
			for _, st := range bag[s] {
				cnt[s][st] += w
			}
		}
		for _, f := range bag[0] {
			for _, e := range bag[1] {
				co[[2]string{f, e}] += w
			}
		}
	}
	entry := func(source string, labels [2][]string) {
		id := int32(len(t.entries))
		t.entries = append(t.entries, struct {
			source string
			labels [2][]string
		}{source, labels})
		for s := range 2 {
			for _, l := range labels[s] {
				for _, k := range termKeys(l, s) {
					if ids := t.terms[s][k]; k != "" && (len(ids) == 0 || ids[len(ids)-1] != id) {
						t.terms[s][k] = append(ids, id)
					}
				}
			}
		}
	}
	sc := bufio.NewScanner(bytes.NewReader(tsv))
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for first := true; sc.Scan(); first = false {
		f := append(strings.Split(sc.Text(), "\t"), "", "")
		if first || f[2] == "" || f[3] == "" {
			continue
		}
		l := [2][]string{{f[2]}, {f[3]}}
		unit(l) // the preferred labels translate each other
		for s, alts := range [2]string{f[4], f[5]} {
			if alts != "" {
				l[s] = append(l[s], strings.Split(alts, "|")...)
			}
		}
		if len(l[0]) > 1 && len(l[1]) > 1 {
			unit([2][]string{l[0][1:], l[1][1:]}) // alternatives are not aligned one to one: two bags
		}
		entry("EuroVoc", l)
	}
	for _, c := range v.codes {
		if fr, en := lowerFirst(c.Labels["fr"]), lowerFirst(c.Labels["en"]); fr != "" && en != "" {
			unit([2][]string{{fr}, {en}})
			entry("CPV "+c.Code, [2][]string{{fr}, {en}})
		}
	}
	for p, c := range co {
		if d := 2 * c / (cnt[0][p[0]] + cnt[1][p[1]]); c >= minPairSeen && d >= diceFloor {
			t.words[0][p[0]] = append(t.words[0][p[0]], sense{stem: p[1], forms: readable(forms[1][p[1]], 1), dice: d})
			t.words[1][p[1]] = append(t.words[1][p[1]], sense{stem: p[0], forms: readable(forms[0][p[0]], 0), dice: d})
		}
	}
	for s := range 2 {
		for w, ss := range t.words[s] {
			sort.Slice(ss, func(i, j int) bool {
				return ss[i].dice > ss[j].dice || ss[i].dice == ss[j].dice && ss[i].stem < ss[j].stem
			})
			n := min(len(ss), 2)
			if n > 1 && ss[1].dice < secondRatio*ss[0].dice {
				n = 1
			}
			t.words[s][w] = ss[:n:n]
		}
	}
	// Words Dice left without a sense take model 1's best partner (align.go).
	for s := range 2 {
		for w, b := range alignBest(bags, s) {
			pair := [2]string{w, b.stem}
			if s == 1 {
				pair = [2]string{b.stem, w}
			}
			if len(t.words[s][w]) == 0 && b.dice >= alignFloor && co[pair] >= minPairSeen {
				t.words[s][w] = []sense{{stem: b.stem, forms: readable(forms[1-s][b.stem], 1-s), dice: b.dice, aligned: true}}
			}
		}
	}
	return t
}

// readable picks the most frequent singular and plural forms of a word; a word seen in
// one number only (an English adjective) or mostly (housing) gets one form.
func readable(m map[string]int, side int) [2]string {
	var out [2]string
	for k, c := range m {
		i := b2i(plural(fold(k), side))
		if n := m[out[i]]; c > n || c == n && k < out[i] {
			out[i] = k
		}
	}
	if out[0] == "" {
		out[0] = out[1]
	} else if out[1] == "" || 4*m[out[1]] < m[out[0]] { // housings is another word
		out[1] = out[0]
	}
	return out
}

// lowerFirst lowercases the capital CPV labels start with ("Sensors"), not an acronym's.
func lowerFirst(s string) string {
	r, n := utf8.DecodeRuneInString(s)
	if r2, _ := utf8.DecodeRuneInString(s[n:]); unicode.IsLower(r2) {
		return string(unicode.ToLower(r)) + s[n:]
	}
	return s
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}

// sourceSide guesses whether text is French (0) or English (1): elisions, accents and
// function words, then which side's labels use each word more (capped: "maintenance"
// is rarer in French labels, yet French).
func (t *translator) sourceSide(text string) int {
	score := 0.0
	parts := strings.Split(strings.ReplaceAll(text, "’", "'"), "'")
	for _, p := range parts[:len(parts)-1] {
		if fs := strings.Fields(p); len(fs) > 0 && elisions[strings.ToLower(fs[len(fs)-1])] {
			score += 2 // d'applications
		}
	}
	for _, tok := range tokenize(text) {
		switch f := fold(tok); {
		case frMarkers[f] || f != tok:
			score += 2
		case enMarkers[f]:
			score -= 2
		default:
			score += max(-1.5, min(1.5, math.Log(float64(1+t.known[0][f])/float64(1+t.known[1][f]))))
		}
	}
	return b2i(score <= 0)
}

// translate renders text (a skill, French or English) in the other language: a EuroVoc
// or CPV term equal to the whole text first, else word by word when every content word
// has a translation. It returns nil rather than a partial, mixed-language phrase. When
// the likelier source language gives nothing, the other is tried: a skill may be either.
func (t *translator) translate(text string) []translation { return t.translateKnown(text, nil) }

// translateKnown is translate where a word neither dictionary knows may also be rendered
// by its cognate (cognate.go), when known(word, side) says texts of that side use it.
func (t *translator) translateKnown(text string, known func(w string, side int) bool) []translation {
	src := t.sourceSide(text)
	if out := t.translateFrom(text, src, known); out != nil {
		return out
	}
	// Read as the other language, a text already in the target language comes back as
	// its own words reordered: "digital skills training" as French gives "training skill
	// digital". That is no translation, and its evidence would read as nonsense.
	var out []translation
	for _, tr := range t.translateFrom(text, 1-src, known) {
		if looseBag(tr.text) != looseBag(text) {
			out = append(out, tr)
		}
	}
	return out
}

func (t *translator) translateFrom(text string, src int, known func(w string, side int) bool) []translation {
	var knownThere func(string) bool
	if known != nil {
		knownThere = func(w string) bool { return known(w, 1-src) }
	}
	var out []translation
	add := func(s, via string) {
		for _, o := range out {
			if strings.EqualFold(o.text, s) {
				return
			}
		}
		if len(out) < maxOutputs && bagKey(s) != bagKey(text) { // a reordering is no translation
			out = append(out, translation{text: s, lang: sideLang[1-src], via: via})
		}
	}
	var words [][]sense // per content word, its renderings
	var plur []bool     // per content word, whether the source is plural
	var srcWords, fr []string
	translated := false
	for queue := contentWords(text, true); len(queue) > 0; queue = queue[1:] {
		sp := queue[0]
		f, raw := fold(sp.tok), text[sp.start:sp.end]
		ss := t.words[src][lightStem(f, src)]
		if one := singular(f, src); len(ss) == 1 && ss[0].forms[0] != one && len(one) >= 6 && knownThere != nil && knownThere(one) {
			// The word itself, written alike in the other language and used there, is
			// one more sense ("expérience" is also an experience, not only an experiment).
			pl := one + "s"
			if strings.HasSuffix(one, "s") {
				pl = one
			}
			ss = append(ss[:1:1], sense{stem: one, forms: [2]string{one, pl}, dice: 0.5})
		}
		if a := acronyms[src][f]; a != "" && raw != strings.ToLower(raw) {
			ss, translated = []sense{{stem: f, forms: [2]string{a, a}, dice: 1}}, true
		} else if t.sameInBoth(f, raw, src) {
			ss = []sense{{stem: f, forms: [2]string{raw, raw}, dice: 1}}
		} else if cs := cognatesOf(singular(f, src), src, knownThere); (len(ss) == 0 || ss[0].aligned) && len(cs) > 0 {
			// A cognate the corpus uses is surer than a sense aligned from a couple of
			// labels ("personnalisée": personalised, before custom); the aligned sense
			// stays second.
			c := cs[0]
			pl := c + "s"
			if strings.HasSuffix(c, "s") {
				pl = c
			}
			ss = append([]sense{{stem: c, forms: [2]string{c, pl}, dice: 0.5, cognate: true}}, ss...)
			translated = true
		} else if len(ss) == 0 || utf8.RuneCountInString(f) <= 3 { // a short word of one language is too ambiguous
			if parts := contentWords(raw, false); len(parts) > 1 && strings.Contains(raw, "-") { // unknown compound: its parts
				for i := range parts {
					parts[i].start, parts[i].end = parts[i].start+sp.start, parts[i].end+sp.start
				}
				queue = append(append([]span{{}}, parts...), queue[1:]...) // the loop drops the {}
				continue
			}
			words, translated = nil, false
			break
		} else {
			translated = true
		}
		words, plur, fr = append(words, ss), append(plur, plural(f, src)), append(fr, sp.tok)
		srcWords = append(srcWords, strings.ToLower(raw))
	}
	for _, k := range termKeys(text, src) {
		for _, id := range t.terms[src][k] { // none for k == ""
			t.addEntry(int(id), src, k, words, add)
		}
		if len(out) > 0 {
			return out
		}
	}
	if !translated {
		return nil
	}
	// Turn the order for two or three words, unless they are a list (a, b et c) or
	// already head first (cleaning of buildings).
	turn := len(words) >= 2 && len(words) <= 3 && !strings.ContainsAny(text, ",/&;")
	for _, tok := range tokenize(text) {
		turn = turn && !conjunctions[tok] && !(src == 1 && tok == "of")
	}
	// The best sense of every word, then each word's second sense in turn.
	for i := -1; i < len(words); i++ {
		if i >= 0 && len(words[i]) < 2 {
			continue
		}
		ws, pairs := make([]string, len(words)), make([]string, len(words))
		for j := range words {
			// English modifiers before their head are singular (network security).
			sn := words[j][b2i(i == j)]
			ws[j] = sn.forms[b2i(plur[j] && !(turn && src == 0 && j > 0))]
			pairs[j] = srcWords[j] + sn.mark() + "→" + ws[j] // the evidence names the bridge

		}
		if src == 1 {
			fr = ws
		}
		if turn {
			ws = reorder(ws, fr)
		}
		n := len(out)
		add(strings.Join(ws, " "), "word by word: "+strings.Join(pairs, ", "))
		if len(out) > n {
			out[n].wordByWord = true
		}
	}
	return out
}

// sameInBoth reports the tokens kept as written: acronyms (IoT, API, NIS2, used alike in
// French and English documents) and short words or codes (web, bus, 3d) unless only the
// source language has them (end, eau): guessing those from co-occurrence would give
// unrelated words.
func (t *translator) sameInBoth(f, raw string, src int) bool {
	upper := 0
	for _, r := range raw {
		upper += b2i(unicode.IsUpper(r))
	}
	return upper >= 2 || (utf8.RuneCountInString(f) <= 3 || strings.IndexFunc(f, unicode.IsDigit) >= 0) &&
		(t.known[1-src][f] > 0 || t.known[src][f] == 0)
}

// bagKey is a text's content words, folded and sorted.
func bagKey(s string) string { return bagOf(s, false) }

// looseBag is bagKey with plurals folded (skills, skill).
func looseBag(s string) string { return bagOf(s, true) }

// bagOf is the sorted bag of s's folded content words, singular when singulars.
func bagOf(s string, singulars bool) string {
	var ws []string
	for _, sp := range contentWords(s, false) {
		w := fold(sp.tok)
		if singulars && plural(w, 1) {
			w = strings.TrimSuffix(w, "s")
		}
		ws = append(ws, w)
	}
	sort.Strings(ws)
	return strings.Join(ws, " ")
}

// reorder turns French head-modifier order (sécurité des réseaux, réalité augmentée) into
// English modifier-head order and back, keeping a French pre-nominal adjective with its
// noun (calcul haute performance → high performance computing). ws are the target words
// in source order, fr the French word at each place.
func reorder(ws, fr []string) []string {
	var chunks [][]string
	for i := 0; i < len(ws); i++ {
		j := i + 1 + b2i(i+1 < len(ws) && prenominal[fold(strings.ToLower(fr[i]))])
		chunks, i = append(chunks, ws[i:j]), j-1
	}
	out := make([]string, 0, len(ws))
	for i := len(chunks) - 1; i >= 0; i-- {
		out = append(out, chunks[i]...)
	}
	return out
}

// addEntry adds the target labels of a whole-term hit: first those that agree word for
// word with the word dictionary, then the preferred label. EuroVoc alternatives are
// often narrower terms ("distance training" under "vocational training"), and a matched
// alternative can be narrower than the preferred label (cantine under catering).
func (t *translator) addEntry(id, src int, key string, words [][]sense, add func(string, string)) {
	want := map[string]bool{} // the words' senses, and their usual spellings
	for _, ss := range words {
		for _, s := range ss {
			if !s.aligned {
				want[s.stem], want[s.forms[0]], want[s.forms[1]] = true, true, true
			}
		}
	}
	e := t.entries[id]
	matched := e.labels[src][0]
	for _, l := range e.labels[src] {
		if ks := termKeys(l, src); ks[0] == key || ks[1] == key {
			matched = l
			break
		}
	}
	tgt := e.labels[1-src]
	via := e.source + ": «" + matched + "» = «" + tgt[0] + "»"
	for pass := range 2 { // spelt as usual (cybersécurité) before variants (cyber-securité)
		for _, l := range tgt {
			cs, has, agree := contentWords(l, true), map[string]bool{}, true
			for _, sp := range cs {
				st := lightStem(fold(sp.tok), 1-src)
				has[st], agree = true, agree && want[st] && (pass == 1 || want[strings.ToLower(l[sp.start:sp.end])])
			}
			for _, ss := range words { // and every source word is in it (not just "logiciel")
				agree = agree && (has[ss[0].stem] || len(ss) > 1 && has[ss[1].stem])
			}
			if agree && len(cs) > 0 {
				add(l, via)
			}
		}
	}
	add(tgt[0], via)
}
