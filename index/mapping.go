package index

import (
	"sort"
	"strings"

	"github.com/blevesearch/bleve/v2/analysis/analyzer/custom"
	"github.com/blevesearch/bleve/v2/analysis/analyzer/keyword"
	"github.com/blevesearch/bleve/v2/analysis/char/asciifolding"
	"github.com/blevesearch/bleve/v2/analysis/lang/de"
	"github.com/blevesearch/bleve/v2/analysis/lang/en"
	"github.com/blevesearch/bleve/v2/analysis/lang/fr"
	"github.com/blevesearch/bleve/v2/analysis/lang/nl"
	"github.com/blevesearch/bleve/v2/analysis/token/lowercase"
	"github.com/blevesearch/bleve/v2/analysis/token/porter"
	"github.com/blevesearch/bleve/v2/mapping"

	"github.com/passerelle/passerelle"
)

// MappingVersion is stored beside the index; bump it whenever NewMapping or the document
// built by toDoc changes, so that Open discards an index built the old way.
const MappingVersion = 5

// Analyzer and tokenizer names of the mapping.
const (
	tokenizerTech = "passerelle_tech"    // unicode words, but C++, C#, .NET kept whole (tokenizer.go)
	analyzerFold  = "passerelle_fold"    // any language: folded, lowercased, elided
	analyzerFR    = "passerelle_fr"      // French: folded, elided, light stemmer
	analyzerEN    = "passerelle_en"      // English: possessive, porter
	analyzerNL    = "passerelle_nl"      // Dutch: snowball
	analyzerDE    = "passerelle_de"      // German: normalisation, light stemmer
	docType       = "opportunity"        // the one document type
	fieldAll      = "all"                // default search field
	mappingKey    = "passerelle_mapping" // internal key holding the mapping version
)

// textLanguages are the languages with their own analysed field text_<lang>. Texts in any
// other language are searchable through the folded "all" field only.
var textLanguages = map[string]string{
	"fr": analyzerFR,
	"en": analyzerEN,
	"nl": analyzerNL,
	"de": analyzerDE,
}

// textFields lists the fields a plain text query searches, with their boost. The title
// counts twice; stemmed language fields find inflected forms the folded field misses.
var textFields = []struct {
	name  string
	boost float64
}{
	{fieldAll, 1},
	{"title", 2},
	{"text_fr", 0.8},
	{"text_en", 0.8},
	{"text_nl", 0.8},
	{"text_de", 0.8},
}

// NewMapping returns the explicit index mapping: one document type, no dynamic fields.
func NewMapping() (*mapping.IndexMappingImpl, error) {
	im := mapping.NewIndexMapping()
	im.ScoringModel = "bm25"
	im.DefaultType = docType
	im.DefaultField = fieldAll
	im.DefaultAnalyzer = analyzerFold
	im.StoreDynamic = false
	im.IndexDynamic = false
	im.DocValuesDynamic = false

	analyzers := []struct {
		name    string
		filters []string
	}{
		{analyzerFold, []string{lowercase.Name, fr.ElisionName}},
		{analyzerFR, []string{lowercase.Name, fr.ElisionName, fr.StopName, fr.LightStemmerName}},
		{analyzerEN, []string{en.PossessiveName, lowercase.Name, en.StopName, porter.Name}},
		{analyzerNL, []string{lowercase.Name, nl.StopName, nl.SnowballStemmerName}},
		{analyzerDE, []string{lowercase.Name, de.StopName, de.NormalizeName, de.LightStemmerName}},
	}
	for _, a := range analyzers {
		// The German analyzer keeps umlauts for its own normaliser (ä → a, ß → ss);
		// every other one folds accents first so that "securite" finds "sécurité".
		chars := []string{asciifolding.Name}
		if a.name == analyzerDE {
			chars = []string{}
		}
		if err := im.AddCustomAnalyzer(a.name, map[string]interface{}{
			"type":          custom.Name,
			"char_filters":  chars,
			"tokenizer":     tokenizerTech,
			"token_filters": a.filters,
		}); err != nil {
			return nil, err
		}
	}

	dm := mapping.NewDocumentStaticMapping()
	field := func(name string, f *mapping.FieldMapping) {
		// Each property is a static sub-mapping: nothing below it is indexed dynamically.
		sub := mapping.NewDocumentStaticMapping()
		sub.AddFieldMapping(f)
		dm.AddSubDocumentMapping(name, sub)
	}

	text := func(analyzer string, vectors bool) *mapping.FieldMapping {
		f := mapping.NewTextFieldMapping()
		f.Analyzer = analyzer
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = vectors // phrase queries need positions
		f.DocValues = false
		return f
	}
	kw := func(docValues bool) *mapping.FieldMapping {
		f := mapping.NewKeywordFieldMapping()
		f.Analyzer = keyword.Name
		f.Store = false
		f.IncludeInAll = false
		f.IncludeTermVectors = false
		f.DocValues = docValues // needed for facets and sorting only
		return f
	}
	date := func() *mapping.FieldMapping {
		f := mapping.NewDateTimeFieldMapping()
		f.Store = false
		f.IncludeInAll = false
		f.DocValues = false // sorting uses the *_sort keywords
		return f
	}

	field(fieldAll, text(analyzerFold, true))
	field("title", text(analyzerFold, true))
	// No separate "description" field: it would re-analyse and re-index what "all" holds
	// (20% of indexing time, measured) for no query that "all" cannot answer.
	field("buyer", text(analyzerFold, false))
	for lang, an := range textLanguages {
		field("text_"+lang, text(an, true))
	}
	for _, name := range []string{"id", "source", "cpv_prefix", "nuts", "sectors"} {
		field(name, kw(false))
	}
	// cpv has doc values for Candidates' CPV feedback (the codes of the best text matches).
	for _, name := range []string{"kind", "status", "country", "language", "clusters", "cpv_division", "cpv"} {
		field(name, kw(true))
	}
	field("deadline", date())
	field("published", date())
	// Sort keys: one fixed-width UTC string per document. A datetime field keeps several
	// prefix-coded terms per value in its doc values, which bleve decodes and formats for
	// every hit; a single string term sorts the same and costs less.
	field("deadline_sort", kw(true))
	field("published_sort", kw(true))
	// The same keys with their digits reversed (9-d) sort backwards: a descending sort
	// walks them forwards (snapshot.sorted), as term dictionaries only go forwards.
	field("deadline_rsort", kw(false))
	field("published_rsort", kw(false))

	// No "_all" composite field: "all" is ours, and an empty composite still costs 7% of
	// indexing time (measured on TED notices).
	dm.AddSubDocumentMapping("_all", mapping.NewDocumentDisabledMapping())
	im.AddDocumentMapping(docType, dm)
	// Anything that is not an "opportunity" document is not indexed at all.
	im.DefaultMapping = mapping.NewDocumentDisabledMapping()
	if err := im.Validate(); err != nil {
		return nil, err
	}
	return im, nil
}

// sortKeyLayout orders as the instants it formats (UTC, fixed width).
const sortKeyLayout = "2006-01-02T15:04:05Z"

// toDoc flattens an opportunity into the document bleve indexes, keyed by field name.
// Empty values are left out: bleve would index an empty string as a term (a "" country in
// facets, a missing deadline sorting first). Keyword values are normalised here, and the
// same way in queries, because the keyword analyzer keeps them verbatim.
func toDoc(o *passerelle.Opportunity) map[string]interface{} {
	d := make(map[string]interface{}, 24)
	str := func(field, v string) {
		if v != "" {
			d[field] = v
		}
	}
	list := func(field string, v []string) {
		if len(v) > 0 {
			d[field] = v
		}
	}
	str("id", o.ID)
	kind := lower(string(o.Kind))
	if kind == "" {
		kind = string(passerelle.KindOther)
	}
	str("kind", kind)
	status := lower(string(o.Status))
	if status == "" {
		status = string(passerelle.StatusUnknown)
	}
	str("status", status)
	str("country", upper(o.Country))
	str("language", lower(o.Language))
	str("title", o.Title)
	str("buyer", o.Buyer)

	var sources, clusters, sectors, nuts, cpv, prefixes, divisions []string
	sources = appendUnique(sources, o.Source)
	for _, s := range o.Sources {
		sources = appendUnique(sources, s)
	}
	for _, c := range o.Clusters {
		clusters = appendUnique(clusters, lower(c))
	}
	for _, s := range o.Sectors {
		sectors = appendUnique(sectors, lower(s))
	}
	for _, n := range o.NUTS {
		nuts = appendUnique(nuts, upper(n))
	}
	for _, c := range o.CPV {
		code := passerelle.NormalizeCPV(c)
		if code == "" {
			continue // not a CPV code: nothing a prefix filter could match
		}
		cpv = appendUnique(cpv, code)
		divisions = appendUnique(divisions, code[:2])
		for n := 2; n <= 8; n++ {
			prefixes = appendUnique(prefixes, code[:n])
		}
	}
	list("source", sources)
	list("clusters", clusters)
	list("sectors", sectors)
	list("nuts", nuts)
	list("cpv", cpv)
	list("cpv_prefix", prefixes)
	list("cpv_division", divisions)

	texts := map[string][]string{}
	addText := func(lang string, t passerelle.Text) {
		for _, s := range []string{t.Title, t.Description} {
			if strings.TrimSpace(s) == "" {
				continue
			}
			texts[fieldAll] = append(texts[fieldAll], s)
			if _, ok := textLanguages[lower(lang)]; ok {
				texts["text_"+lower(lang)] = append(texts["text_"+lower(lang)], s)
			}
		}
	}
	addText(o.Language, passerelle.Text{Title: o.Title, Description: o.Description})
	// Map order is random; sorted languages keep the document deterministic.
	langs := make([]string, 0, len(o.Translations))
	for lang := range o.Translations {
		langs = append(langs, lang)
	}
	sort.Strings(langs)
	for _, lang := range langs {
		addText(lang, o.Translations[lang])
	}
	for field, v := range texts {
		list(field, v)
	}

	if o.Deadline != nil && !o.Deadline.IsZero() {
		t := o.Deadline.UTC()
		d["deadline"], d["deadline_sort"] = t, t.Format(sortKeyLayout)
		d["deadline_rsort"] = reverseKey(t.Format(sortKeyLayout))
	}
	if o.Published != nil && !o.Published.IsZero() {
		t := o.Published.UTC()
		d["published"], d["published_sort"] = t, t.Format(sortKeyLayout)
		d["published_rsort"] = reverseKey(t.Format(sortKeyLayout))
	}
	return d
}

// reverseKey maps each digit d of a sort key to 9-d: keys of the same layout then sort in
// the opposite order.
func reverseKey(k string) string {
	b := []byte(k)
	for i, c := range b {
		if c >= '0' && c <= '9' {
			b[i] = '9' - (c - '0')
		}
	}
	return string(b)
}

func lower(s string) string { return strings.ToLower(strings.TrimSpace(s)) }
func upper(s string) string { return strings.ToUpper(strings.TrimSpace(s)) }

func appendUnique(list []string, s string) []string {
	if s == "" {
		return list
	}
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}
