package matcher

import "strings"

// Cognates: French and English share most of their learned vocabulary, spelt by rule
// ("bioinformatique" bioinformatics, "génomique" genomic, "interopérabilité"
// interoperability, and back). A word neither dictionary knows may be rendered by those
// rules — but only into a word the corpus really uses in the other language, so that a
// rule never invents one. Without a corpus, no cognate is guessed. French words are
// compared folded (the corpus folds accents too).

// cognateRules are suffix rewritings, French (folded) → English, the longest first.
var cognateRules = [][2]string{
	{"isation", "ization"}, {"isation", "isation"}, {"ique", "ic"}, {"ique", "ics"}, {"ique", "ical"},
	{"ite", "ity"}, {"aire", "ary"}, {"ie", "y"}, {"if", "ive"}, {"ive", "ive"}, {"elle", "al"},
	{"el", "al"}, {"eur", "or"}, {"eur", "er"}, {"iste", "ist"}, {"ise", "ize"}, {"tion", "tion"},
	{"ment", "ment"}, {"ance", "ance"}, {"ence", "ence"}, {"al", "al"}, {"icule", "icle"},
	{"onnelle", "onal"}, {"onnel", "onal"}, // French doubles the n English writes once: conversationnel conversational
	{"ee", "ed"}, {"ue", "uted"}, {"e", "ed"}, // past participles: connecté connected, personnalisée personalised
}

// cognatesOf are the words of the other language that the word f of side src (0 French,
// 1 English; folded, lowercase, singular) may be by the rules, for which known says the
// corpus uses them; best rule first.
func cognatesOf(f string, src int, known func(string) bool) []string {
	if known == nil || len(f) < 5 {
		return nil
	}
	var out []string
	try := func(w string) {
		for _, o := range out {
			if o == w {
				return
			}
		}
		if known(w) {
			out = append(out, w)
		}
	}
	for _, r := range cognateRules {
		from, to := r[0], r[1]
		if src == 1 {
			from, to = to, from
		}
		if strings.HasSuffix(f, from) {
			w := f[:len(f)-len(from)] + to
			try(w)
			if src == 0 && strings.Contains(w, "nn") {
				// The same doubling inside the word: personnalisé personalised.
				try(strings.Replace(w, "nn", "n", 1))
			}
		}
	}
	// Last, the word as written: a borrowing the other language uses alike ("cloud",
	// "streaming" in French texts).
	try(f)
	return out
}

// singular strips a plural (French s, x; English s), keeping the feminine e the rules read.
func singular(f string, side int) string {
	if plural(f, side) {
		return f[:len(f)-1]
	}
	return f
}
