package matcher

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/blevesearch/snowballstem"
	"github.com/blevesearch/snowballstem/dutch"
	"github.com/blevesearch/snowballstem/english"
	"github.com/blevesearch/snowballstem/french"
	"github.com/blevesearch/snowballstem/german"
	"golang.org/x/text/unicode/norm"
)

// lang is an analysis language: the four the CPV vocabulary is labelled in, and a generic
// analysis (folded, unstemmed) for every other language.
type lang uint8

const (
	langGeneric lang = iota
	langEN
	langFR
	langNL
	langDE
	nLang
)

var langCodes = [nLang]string{"", "en", "fr", "nl", "de"}

// langOf maps an ISO 639-1 code to an analysis language.
func langOf(code string) lang {
	switch strings.ToLower(code) {
	case "en":
		return langEN
	case "fr":
		return langFR
	case "nl":
		return langNL
	case "de":
		return langDE
	}
	return langGeneric
}

// stopWords holds the function words of fr, en, nl and de in one set. One set for all
// languages keeps phrase matching symmetric: a skill (whose language is unknown) and a
// notice lose the same words. Words that are function words in one language but content
// words in another ("war", "die", "was", "been", "over") are left out on purpose.
var stopWords = func() map[string]bool {
	words := `
a an and or the of to in on for with by from at as is are be this that these those its it
their our your we you they not no all any each other such into per via than then also
le la les un une des du de d l au aux et ou en dans sur pour par avec sans sous chez
ce ces cet cette son sa ses leur leurs notre nos votre vos qui que quoi dont où ne pas plus
est sont être été a ont se s y il elle ils elles nous vous je tu on lui qu c j m n t
de het een en of van voor met op aan bij naar uit door als dat deze dit die zijn is wordt worden
te om tot ook niet er hun ons onze
der das dem den des ein eine einer eines einem einen und oder im in am an auf aus bei mit
nach von vom zu zum zur für über unter durch ist sind wird werden sowie bzw nicht auch
`
	m := map[string]bool{}
	for _, w := range strings.Fields(words) {
		m[fold(w)] = true
	}
	// A few words must stay content words whatever their look in another language:
	// "die" and "was" were not added above; "een"/"an" are genuinely empty.
	return m
}()

// elisions are the French (and Italian-like) prefixes written before an apostrophe.
var elisions = map[string]bool{
	"l": true, "d": true, "j": true, "m": true, "n": true, "s": true, "t": true, "c": true,
	"qu": true, "jusqu": true, "lorsqu": true, "puisqu": true, "quoiqu": true,
}

// tokenize splits s into lowercase word tokens. It removes French elisions (l', d', qu'),
// keeps programming names such as C++, C# and .NET whole, and glues a one-letter prefix
// to its word ("e-learning" → "elearning") so that the usual spellings meet.
func tokenize(s string) []string {
	spans := tokenizeSpans(s)
	out := make([]string, len(spans))
	for i, sp := range spans {
		out[i] = sp.tok
	}
	return out
}

// span is a token and where it was in the text (byte offsets); upper: written in
// capitals, two to five letters ("IT", "AI", "ICT"), which may be an acronym.
type span struct {
	tok        string
	start, end int32
	upper      bool
}

func tokenizeSpans(s string) []span {
	var out []span
	runes := make([]rune, 0, len(s))
	offs := make([]int32, 0, len(s)+1)
	for i, r := range s {
		runes = append(runes, r)
		offs = append(offs, int32(i))
	}
	offs = append(offs, int32(len(s)))
	n := len(runes)
	emit := func(tok string, i, j int) {
		up := j-i >= 2 && j-i <= 5
		for k := i; k < j && up; k++ {
			up = unicode.IsUpper(runes[k])
		}
		out = append(out, span{tok, offs[i], offs[j], up})
	}
	isWord := func(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r) }
	for i := 0; i < n; {
		r := runes[i]
		// ".net" and the like: a dot at the start of a word followed by letters.
		if r == '.' && i+1 < n && unicode.IsLetter(runes[i+1]) && (i == 0 || !isWord(runes[i-1])) {
			j := i + 1
			for j < n && isWord(runes[j]) {
				j++
			}
			w := strings.ToLower(string(runes[i:j]))
			if w == ".net" {
				emit(w, i, j)
				i = j
				continue
			}
			i++
			continue
		}
		if !isWord(r) {
			i++
			continue
		}
		j := i
		for j < n && isWord(runes[j]) {
			j++
		}
		w := strings.ToLower(string(runes[i:j]))
		// Elision: l'entreprise, d’ingénierie, qu'il.
		if j+1 < n && (runes[j] == '\'' || runes[j] == '’') && isWord(runes[j+1]) && elisions[w] {
			i = j + 1
			continue
		}
		// C++, C#, F#.
		if j < n && (runes[j] == '+' || runes[j] == '#') && utf8.RuneCountInString(w) <= 2 {
			k := j
			for k < n && (runes[k] == '+' || runes[k] == '#') && k-j < 2 {
				k++
			}
			emit(w+string(runes[j:k]), i, k)
			i = k
			continue
		}
		// e-learning, e-mail, e-government: glue the one-letter prefix.
		if utf8.RuneCountInString(w) == 1 && j+1 < n && runes[j] == '-' && unicode.IsLetter(runes[j+1]) {
			k := j + 1
			for k < n && isWord(runes[k]) {
				k++
			}
			emit(w+strings.ToLower(string(runes[j+1:k])), i, k)
			i = k
			continue
		}
		emit(w, i, j)
		i = j
	}
	return out
}

// fold removes diacritics and expands ligatures: "sécurité" → "securite", "œuvre" → "oeuvre".
func fold(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range norm.NFD.String(s) {
		switch {
		case unicode.Is(unicode.Mn, r):
			continue
		case r == 'œ':
			b.WriteString("oe")
		case r == 'æ':
			b.WriteString("ae")
		case r == 'ß':
			b.WriteString("ss")
		case r == 'ø':
			b.WriteString("o")
		case r == 'ł':
			b.WriteString("l")
		case r == 'đ':
			b.WriteString("d")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// stem reduces a lowercase word with the Snowball stemmer of l; the generic analysis
// only strips a plural s so that "sensors" and "sensor" still meet in unknown languages.
func stem(w string, l lang) string {
	if len(w) <= 3 || strings.ContainsAny(w, "+#.") {
		return w
	}
	for _, r := range w {
		if unicode.IsDigit(r) {
			return w
		}
	}
	env := snowballstem.NewEnv(w)
	switch l {
	case langEN:
		english.Stem(env)
	case langFR:
		french.Stem(env)
	case langNL:
		dutch.Stem(env)
	case langDE:
		german.Stem(env)
	default:
		return w
	}
	return env.Current()
}

// analyze turns text into the sequence of index terms for language l: tokens, folded,
// stop words removed, stemmed. Folding comes first so that a word written without its
// accents (capitals, damaged sources) stems like the accented one.
func analyze(s string, l lang) []string {
	out, _ := analyzeLight(s, l)
	return out
}

// analyzeLight is analyze with each term's light form (see lightForm), for the
// languages that have one.
func analyzeLight(s string, l lang) (terms, light []string) {
	for _, sp := range tokenizeSpans(s) {
		if t, ok := term(sp, l, true); ok {
			terms = append(terms, t)
			if side, ok := lightSide(l); ok {
				light = append(light, lightStem(fold(sp.tok), side))
			}
		}
	}
	return terms, light
}

// lightSide is the side of lightStem for l: French and English words are compared by
// their light forms as well as by their stems.
func lightSide(l lang) (int, bool) {
	switch l {
	case langFR:
		return 0, true
	case langEN:
		return 1, true
	}
	return 0, false
}

// term is the index term of a token in language l, and whether it is one: stop words and
// single letters are not — but a stop word written in capitals where capitals are not the
// rule (acronyms allowed) is an acronym and stays, unstemmed: "IT security" is about IT,
// not about any security, and the English pronoun "it" still says nothing.
func term(sp span, l lang, acronyms bool) (string, bool) {
	f := fold(sp.tok)
	if stopWords[f] {
		if acronyms && sp.upper {
			return f, true
		}
		return "", false
	}
	if utf8.RuneCountInString(f) < 2 && !strings.ContainsAny(f, "+#") {
		return "", false
	}
	return stem(f, l), true
}

// mostlyCapitals reports whether most tokens of spans are in capitals (a title written
// in capitals, as many tenders are): capitals are no sign of an acronym there.
func mostlyCapitals(spans []span) bool {
	n := 0
	for _, sp := range spans {
		if sp.upper {
			n++
		}
	}
	return n*2 > len(spans)
}

// guessLang picks fr, en, nl or de for an untagged text by counting their most common
// function words; it returns langGeneric when the evidence is thin.
func guessLang(s string) lang {
	markers := [nLang]map[string]bool{
		langEN: {"the": true, "and": true, "of": true, "for": true, "with": true, "services": true},
		langFR: {"le": true, "la": true, "les": true, "des": true, "et": true, "du": true, "pour": true},
		langNL: {"het": true, "een": true, "van": true, "voor": true, "en": true, "met": true},
		langDE: {"der": true, "die": true, "und": true, "das": true, "für": true, "von": true},
	}
	var count [nLang]int
	for _, t := range tokenize(s) {
		for l := langEN; l < nLang; l++ {
			if markers[l][t] {
				count[l]++
			}
		}
	}
	best, bestN := langGeneric, 1
	for l := langEN; l < nLang; l++ {
		if count[l] > bestN {
			best, bestN = l, count[l]
		}
	}
	return best
}
