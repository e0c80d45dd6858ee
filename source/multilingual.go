package source

import (
	"strings"

	"github.com/passerelle/passerelle"
)

// A multilingual value, as the APIs of bilingual portals write it (Belgian
// publicprocurement.be, and others): [{"language": "FR", "text": "Reconstruction hôpital"},
// {"language": "NL", "text": "Heraanleg ziekenhuis"}]. Joining its texts gives
// "Reconstruction hôpital, Heraanleg ziekenhuis", and a buyer named the same in three
// languages "Kasterlee, Kasterlee, Kasterlee": one language must be picked, the others kept
// as translations.

// multilingualTexts returns the texts of a multilingual array by language (ISO 639-1), in
// the array's order, and whether v is one: an array of objects that each carry a language
// ("language", "lang", "languageCode", "locale") and a text ("text", "value", "label").
func multilingualTexts(v any) (langs []string, texts map[string]string, ok bool) {
	arr, isArr := v.([]any)
	if !isArr || len(arr) == 0 {
		return nil, nil, false
	}
	texts = map[string]string{}
	for _, e := range arr {
		m, isObj := e.(map[string]any)
		if !isObj {
			return nil, nil, false
		}
		lang, text := "", ""
		hasText := false
		for _, k := range []string{"language", "lang", "languageCode", "locale"} {
			if s, isStr := m[k].(string); isStr {
				lang = normLang(s)
				break
			}
		}
		for _, k := range []string{"text", "value", "label"} {
			if s, isStr := m[k].(string); isStr {
				text, hasText = s, true
				break
			}
		}
		if lang == "" || !hasText {
			return nil, nil, false
		}
		if _, dup := texts[lang]; !dup {
			langs = append(langs, lang)
		}
		if strings.TrimSpace(texts[lang]) == "" {
			texts[lang] = text
		}
	}
	return langs, texts, true
}

// normLang turns "FR", "fr-BE", "fra" or "FRA" into "fr"; "" when it is no language tag.
func normLang(s string) string {
	l := langTag(s)
	if len(l) == 3 {
		l = lang3(l)
	}
	return l
}

// recordLanguages reads a record's language field, which may be one tag or a list of them
// (["FR", "NL"]); the list keeps its order.
func recordLanguages(v any) []string {
	var out []string
	add := func(s string) {
		for _, part := range splitList(s) {
			if l := normLang(part); l != "" {
				out = appendUnique(out, l)
			}
		}
	}
	switch x := v.(type) {
	case string:
		add(x)
	case []any:
		for _, e := range x {
			add(jsonString(e))
		}
	default:
		if v != nil {
			add(jsonString(v))
		}
	}
	return out
}

// pickLanguage chooses the language a record is read in: the source's when the record has
// it, else the record's first declared language, else the first language of its title.
func pickLanguage(srcLang string, declared, titleLangs []string) string {
	srcLang = normLang(srcLang)
	has := func(list []string, l string) bool {
		for _, x := range list {
			if x == l {
				return true
			}
		}
		return false
	}
	// A language the title is not written in cannot be the record's.
	usable := func(l string) bool { return l != "" && (len(titleLangs) == 0 || has(titleLangs, l)) }
	switch {
	case usable(srcLang) && (has(declared, srcLang) || has(titleLangs, srcLang)):
		return srcLang
	}
	for _, l := range declared {
		if usable(l) {
			return l
		}
	}
	if len(titleLangs) > 0 {
		return titleLangs[0]
	}
	if len(declared) > 0 {
		return declared[0]
	}
	return srcLang
}

// addTranslations keeps the other languages of a multilingual title and description.
func addTranslations(o *passerelle.Opportunity, titles, descs map[string]string) {
	for l, t := range titles {
		t = unescapeText(stripHTML(t))
		if l == o.Language || t == "" {
			continue
		}
		if o.Translations == nil {
			o.Translations = map[string]passerelle.Text{}
		}
		o.Translations[l] = passerelle.Text{Title: t, Description: stripHTML(descs[l])}
	}
}
