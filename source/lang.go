package source

import (
	"strings"
	"unicode"
)

// stopWords are frequent short words that tell the languages of our sources apart. A few
// dozen per language are enough on notices of a sentence or more; shorter texts stay
// undecided rather than guessed.
var stopWords = map[string][]string{
	"fr": {"le", "la", "les", "des", "du", "de", "et", "en", "un", "une", "pour", "dans", "sur", "par", "au", "aux", "est", "sont", "avec", "ce", "cette", "qui", "que", "marché", "travaux", "fourniture", "d'une", "l'", "d'un"},
	"en": {"the", "and", "of", "to", "for", "in", "is", "are", "with", "on", "by", "this", "that", "be", "will", "from", "an", "services", "supply", "contract", "works", "which", "as"},
	"nl": {"de", "het", "een", "en", "van", "voor", "met", "op", "te", "is", "zijn", "aan", "door", "wordt", "worden", "bij", "dat", "die", "levering", "opdracht", "werken", "diensten", "ook", "naar"},
	"de": {"der", "die", "das", "und", "für", "von", "mit", "den", "dem", "des", "im", "ist", "sind", "eine", "ein", "zur", "zum", "auf", "wird", "werden", "nicht", "lieferung", "leistungen", "bei"},
	"es": {"el", "la", "los", "las", "de", "del", "y", "en", "para", "por", "con", "un", "una", "que", "es", "se", "al", "suministro", "servicio", "servicios", "obras", "contrato"},
	"it": {"il", "lo", "la", "gli", "le", "di", "del", "della", "e", "per", "con", "un", "una", "che", "è", "sono", "dei", "delle", "nel", "nella", "fornitura", "servizi", "lavori", "appalto"},
	"pt": {"o", "a", "os", "as", "de", "do", "da", "dos", "das", "e", "para", "com", "um", "uma", "que", "em", "no", "na", "por", "fornecimento", "serviços", "aquisição", "contrato"},
}

var stopIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, words := range stopWords {
		for _, w := range words {
			idx[w] = append(idx[w], lang)
		}
	}
	return idx
}()

// minLangEvidence is how many stop words a language needs, and by how many it must lead
// the next one, for DetectLanguage to answer.
const minLangEvidence = 3

// DetectLanguage guesses the language (ISO 639-1) of a text from its stop words among
// fr, en, nl, de, es, it and pt, or returns "" when the text says too little. It reads at
// most the first few thousand characters.
func DetectLanguage(text string) string {
	if len(text) > 4000 {
		text = text[:4000]
	}
	scores := map[string]int{}
	words := strings.FieldsFunc(strings.ToLower(text), func(r rune) bool {
		return !unicode.IsLetter(r) && r != '\''
	})
	for _, w := range words {
		if i := strings.IndexByte(w, '\''); i >= 0 && i < len(w)-1 {
			// French elisions: "l'entreprise" counts as "l'".
			if langs, ok := stopIndex[w[:i+1]]; ok {
				for _, l := range langs {
					scores[l]++
				}
			}
			continue
		}
		for _, l := range stopIndex[w] {
			scores[l]++
		}
	}
	return leader(scores, minLangEvidence, 2)
}

// detectShortLanguage is DetectLanguage for a text of a few words ("Refonte du site web
// communal"), where one stop word more for one language than for any other is all there
// is: a weaker guess, taken only when nothing better is known.
func detectShortLanguage(text string) string {
	if l := DetectLanguage(text); l != "" {
		return l
	}
	scores := map[string]int{}
	for _, w := range strings.FieldsFunc(strings.ToLower(text), func(r rune) bool { return !unicode.IsLetter(r) && r != '\'' }) {
		if i := strings.IndexByte(w, '\''); i >= 0 && i < len(w)-1 {
			w = w[:i+1]
		}
		for _, l := range stopIndex[w] {
			scores[l]++
		}
	}
	return leader(scores, 1, 1)
}

// leader returns the language with the most stop words when it has at least min of them
// and leads the next one by lead, else "".
func leader(scores map[string]int, min, lead int) string {
	best, second := "", 0
	for _, l := range []string{"fr", "en", "nl", "de", "es", "it", "pt"} {
		switch s := scores[l]; {
		case best == "" || s > scores[best]:
			second = scores[best]
			best = l
		case s > second:
			second = s
		}
	}
	if best == "" || scores[best] < min || scores[best]-second < lead {
		return ""
	}
	return best
}

// languageNames are the names sources write in a language field instead of a code.
var languageNames = map[string]string{
	"français": "fr", "francais": "fr", "french": "fr", "frans": "fr", "französisch": "fr",
	"nederlands": "nl", "néerlandais": "nl", "neerlandais": "nl", "dutch": "nl", "vlaams": "nl", "flamand": "nl", "niederländisch": "nl",
	"deutsch": "de", "german": "de", "allemand": "de", "duits": "de",
	"english": "en", "anglais": "en", "engels": "en", "englisch": "en",
	"español": "es", "espagnol": "es", "spanish": "es", "italiano": "it", "italien": "it", "italian": "it",
}

// languageOf reads a declared language: a code ("fr", "FR", "fr-BE", "fra") or a name
// ("Français", "Nederlands").
func languageOf(s string) string {
	if l, ok := languageNames[strings.ToLower(strings.TrimSpace(s))]; ok {
		return l
	}
	return normLang(s)
}
