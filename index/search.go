package index

import (
	"context"
	"errors"
	"fmt"
	"math"
	"sort"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
	"github.com/blevesearch/bleve/v2/search/collector"
	"github.com/blevesearch/bleve/v2/search/query"

	"github.com/passerelle/passerelle"
)

// Query is a search of opportunities: free text plus keyword filters, all of which must hold.
type Query struct {
	// Text is what the user typed; empty matches everything. Plain words match documents
	// holding all of them in one text field (any language). Text using bleve's query string
	// syntax (quotes, field:value, +must, -not, wildcards, fuzzy~, boost^) is parsed as such,
	// with the folded "all" field as default field.
	Text           string
	Status         []string  // any of; empty = any
	Cluster        string    // one of passerelle.Clusters
	CPV            string    // prefix, 2-8 digits
	Country        string    // ISO 3166-1 alpha-2, any case
	Language       string    // ISO 639-1, any case
	Kind           string    // a passerelle.Kind
	DeadlineBefore time.Time // strictly before; zero = none. Opportunities without deadline never match.
	// Sort is "" or "relevance" (best first; newest first when Text is empty), "deadline"
	// (soonest first), "-deadline", "published", "-published" (newest first). Opportunities
	// missing the sort field come last; ties keep the index order.
	Sort string
	// Limit defaults to DefaultLimit and is capped at MaxLimit; Offset skips that many hits.
	Limit, Offset int
	// Facets asks for counts per status, cluster, country, language, kind and CPV division
	// (2 digits), over every hit (not just the page). Keys of Result.Facets: FacetNames.
	Facets bool
}

// Page sizes of Search.
const (
	DefaultLimit = 20
	MaxLimit     = 1000
)

// MaxTextLength bounds Query.Text: every word becomes a clause over several fields, and a
// search is not the place to paste a document.
const MaxTextLength = 1000

// FacetNames maps each facet name of Result.Facets to the indexed field it counts.
var FacetNames = map[string]string{
	"status":   "status",
	"cluster":  "clusters",
	"country":  "country",
	"language": "language",
	"kind":     "kind",
	"cpv":      "cpv_division",
}

// Hit is one opportunity found, by id, with its relevance score (0 when sorted by a field).
type Hit struct {
	ID    string
	Score float64
}

// Result is one page of a search. Total counts every hit, not just the page.
type Result struct {
	Total  uint64
	Hits   []Hit
	Facets map[string]map[string]int
}

// sortWalkMin is the number of hits from which a field sort walks the sort keys rather than
// let bleve visit the doc values of every hit (see snapshot.go).
const sortWalkMin = 2000

// Search runs q. A query the user got wrong is a passerelle.EINVALID error naming what.
func (ix *Index) Search(ctx context.Context, q Query) (Result, error) {
	req, syntax, err := buildRequest(q)
	if err != nil {
		return Result{}, err
	}
	key := sortKey(q.Sort, strings.TrimSpace(q.Text) != "")
	var out Result
	err = ix.with(func(idx bleve.Index) error {
		if key == "" {
			return relevanceSearch(ctx, idx, ix.facetTerms, req, q.Facets, &out)
		}
		return fieldSortSearch(ctx, idx, ix.facetTerms, req, key, q.Facets, &out)
	})
	if err != nil {
		// Some query string errors only show when bleve builds the searchers (fuzziness
		// above 2, a bad regexp): they are the user's, not ours.
		if syntax && ctx.Err() == nil && !errors.Is(err, errClosed) {
			return Result{}, passerelle.Errorf(passerelle.EINVALID, "invalid query %q: %v", q.Text, err)
		}
		return Result{}, fmt.Errorf("index: search: %w", err)
	}
	return out, nil
}

// relevanceSearch lets bleve rank the page. Facets, if asked, are counted from the same
// pass over the hits: each hit bleve's collector sees is also added to the hits by segment,
// and the counting is done at its last call, while bleve still holds the snapshot those
// hits are numbered in. Running the query a second time for the facets cost a third of a
// search's CPU, and while a run goes on a search waits for CPU.
func relevanceSearch(ctx context.Context, idx bleve.Index, terms *facetTerms, req *bleve.SearchRequest, facets bool, out *Result) error {
	counted := false
	sctx := ctx
	if facets {
		sctx = context.WithValue(ctx, search.MakeDocumentMatchHandlerKey, search.MakeDocumentMatchHandler(
			func(c *search.SearchContext) (search.DocumentMatchHandler, bool, error) {
				rank, loadID, err := collector.MakeTopNDocumentMatchHandler(c)
				if err != nil {
					return nil, false, err
				}
				snap, err := snapshotOf(c.IndexReader, terms)
				if err != nil {
					return nil, false, err
				}
				snap.startHits()
				return func(d *search.DocumentMatch) error {
					if d == nil { // the last call: every hit was seen
						if out.Facets, err = snap.facets(ctx); err != nil {
							return err
						}
						counted = true
						return rank(nil)
					}
					// Before rank: it may give d back to the pool.
					if err := snap.addHit(d.IndexInternalID); err != nil {
						return err
					}
					return rank(d)
				}, loadID, nil
			}))
	}
	res, err := idx.SearchInContext(sctx, req)
	if err != nil {
		return err
	}
	if facets && !counted {
		return errors.New("facets were not counted: bleve's collector never finished")
	}
	out.Total = res.Total
	out.Hits = make([]Hit, len(res.Hits))
	for i, h := range res.Hits {
		out.Hits[i] = Hit{ID: h.ID, Score: h.Score}
	}
	return nil
}

// fieldSortSearch collects the hits once, walks the sort keys for the page when there are
// many hits (bleve's collector when few), and counts the facets from the same hits.
func fieldSortSearch(ctx context.Context, idx bleve.Index, terms *facetTerms, req *bleve.SearchRequest, key string, facets bool, out *Result) error {
	snap, err := openSnapshot(idx, terms)
	if err != nil {
		return err
	}
	defer snap.close()
	if err := snap.collect(ctx, idx.Mapping(), req.Query); err != nil {
		return err
	}
	out.Total = snap.total()
	if snap.hits == nil || out.Total >= sortWalkMin {
		ids, ok, err := snap.sorted(ctx, key, req.From, req.Size)
		if err != nil {
			return err
		}
		if ok {
			out.Hits = make([]Hit, len(ids))
			for i, id := range ids {
				out.Hits[i] = Hit{ID: id} // sorted by a field: no score
			}
		}
	}
	if out.Hits == nil {
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		out.Hits = make([]Hit, len(res.Hits))
		for i, h := range res.Hits {
			out.Hits[i] = Hit{ID: h.ID}
		}
	}
	if facets {
		out.Facets, err = snap.facets(ctx)
	}
	return err
}

// buildRequest validates q and turns it into a bleve request. syntax reports whether the
// text was parsed as query string syntax.
func buildRequest(q Query) (req *bleve.SearchRequest, syntax bool, err error) {
	limit := q.Limit
	switch {
	case limit < 0:
		return nil, false, passerelle.Errorf(passerelle.EINVALID, "limit must not be negative (got %d)", q.Limit)
	case limit == 0:
		limit = DefaultLimit
	case limit > MaxLimit:
		limit = MaxLimit
	}
	if q.Offset < 0 {
		return nil, false, passerelle.Errorf(passerelle.EINVALID, "offset must not be negative (got %d)", q.Offset)
	}

	if len(q.Text) > MaxTextLength {
		return nil, false, passerelle.Errorf(passerelle.EINVALID, "query text is %d bytes long; at most %d", len(q.Text), MaxTextLength)
	}
	filters, err := filterQueries(q)
	if err != nil {
		return nil, false, err
	}
	text, syntax, err := textQuery(q.Text)
	if err != nil {
		return nil, false, err
	}
	var root query.Query
	switch {
	case text == nil && len(filters) == 0:
		root = bleve.NewMatchAllQuery()
	case text == nil:
		root = bleve.NewConjunctionQuery(filters...)
	default:
		root = bleve.NewConjunctionQuery(append([]query.Query{text}, filters...)...)
	}

	order, err := sortOrder(q.Sort, text != nil)
	if err != nil {
		return nil, false, err
	}
	req = bleve.NewSearchRequestOptions(root, limit, q.Offset, false)
	req.SortByCustom(order)
	return req, syntax, nil
}

// filter returns a term query that only selects: boost 0 keeps it out of the score, so
// that a rare status or country does not rank above a better text match.
func filter(field, value string) query.Query {
	t := bleve.NewTermQuery(value)
	t.SetField(field)
	t.SetBoost(0)
	return t
}

func filterQueries(q Query) ([]query.Query, error) {
	var fs []query.Query
	if len(q.Status) > 0 {
		var any []query.Query
		for _, s := range q.Status {
			st := passerelle.Status(lower(s))
			switch st {
			case passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusClosed,
				passerelle.StatusCancelled, passerelle.StatusUnknown:
			default:
				return nil, passerelle.Errorf(passerelle.EINVALID,
					"status %q is not one of open, closing, closed, cancelled, unknown", s)
			}
			any = append(any, filter("status", string(st)))
		}
		d := bleve.NewDisjunctionQuery(any...)
		d.SetBoost(0)
		fs = append(fs, d)
	}
	if c := lower(q.Cluster); c != "" {
		if !passerelle.KnownCluster(c) {
			return nil, passerelle.Errorf(passerelle.EINVALID, "cluster %q is not one of %s",
				q.Cluster, strings.Join(passerelle.Clusters, ", "))
		}
		fs = append(fs, filter("clusters", c))
	}
	if c := strings.TrimSpace(q.CPV); c != "" {
		if err := checkCPVPrefix(c); err != nil {
			return nil, err
		}
		fs = append(fs, filter("cpv_prefix", c))
	}
	if c := upper(q.Country); c != "" {
		if !isLetters(c, 2, 2) {
			return nil, passerelle.Errorf(passerelle.EINVALID, "country %q is not a 2-letter code", q.Country)
		}
		fs = append(fs, filter("country", c))
	}
	if l := lower(q.Language); l != "" {
		if !isLetters(l, 2, 3) {
			return nil, passerelle.Errorf(passerelle.EINVALID, "language %q is not a 2-letter code", q.Language)
		}
		fs = append(fs, filter("language", l))
	}
	if k := lower(q.Kind); k != "" {
		if !passerelle.Kind(k).Valid() {
			return nil, passerelle.Errorf(passerelle.EINVALID,
				"kind %q is not one of call, tender, grant, prior-info, award, other", q.Kind)
		}
		fs = append(fs, filter("kind", k))
	}
	if !q.DeadlineBefore.IsZero() {
		no := false
		d := bleve.NewDateRangeInclusiveQuery(time.Time{}, q.DeadlineBefore.UTC(), nil, &no)
		d.SetField("deadline")
		d.SetBoost(0)
		fs = append(fs, d)
	}
	return fs, nil
}

func checkCPVPrefix(c string) error {
	if len(c) < 2 || len(c) > 8 || strings.Trim(c, "0123456789") != "" {
		return passerelle.Errorf(passerelle.EINVALID, "cpv %q is not a CPV prefix of 2 to 8 digits", c)
	}
	return nil
}

func isLetters(s string, min, max int) bool {
	if len(s) < min || len(s) > max {
		return false
	}
	for _, r := range s {
		if !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z') {
			return false
		}
	}
	return true
}

// sortKey returns the sort-key field a field sort walks in ascending term order, or "" for
// a relevance sort. The sort was validated by sortOrder.
func sortKey(s string, hasText bool) string {
	switch s {
	case "", "relevance":
		if hasText {
			return ""
		}
		s = "-published"
	}
	if strings.HasPrefix(s, "-") {
		return s[1:] + "_rsort"
	}
	return s + "_sort"
}

// sortOrder turns Query.Sort into a bleve sort order.
func sortOrder(s string, hasText bool) (search.SortOrder, error) {
	// No tie-break on the id: it makes bleve load the id of every hit (measured: 5 to 10
	// times slower on 100k documents). Equal keys keep the index order, which is stable
	// as long as the index does not change.
	switch s {
	case "", "relevance":
		if hasText {
			return search.SortOrder{&search.SortScore{Desc: true}}, nil
		}
		s = "-published" // nothing to rank by: the newest first is what a listing shows
	}
	field, desc := strings.TrimPrefix(s, "-"), strings.HasPrefix(s, "-")
	if field != "deadline" && field != "published" {
		return nil, passerelle.Errorf(passerelle.EINVALID,
			"sort %q is not one of relevance, deadline, -deadline, published, -published", s)
	}
	return search.SortOrder{&search.SortField{
		Field:   field + "_sort",
		Desc:    desc,
		Type:    search.SortFieldAsString,
		Missing: search.SortFieldMissingLast,
	}}, nil
}

// textQuery turns the user's text into a query; nil means no text.
func textQuery(text string) (q query.Query, syntax bool, err error) {
	text = strings.TrimSpace(text)
	if text == "" {
		return nil, false, nil
	}
	if !usesSyntax(text) {
		return plainQuery(text, query.MatchQueryOperatorAnd), false, nil
	}
	escaped := techRE.ReplaceAllStringFunc(text, func(s string) string {
		return strings.ReplaceAll(s, "+", `\+`)
	})
	parsed, err := query.NewQueryStringQuery(escaped).Parse()
	if err != nil {
		return nil, true, passerelle.Errorf(passerelle.EINVALID, "invalid query %q: %v", text, err)
	}
	if v, ok := parsed.(query.ValidatableQuery); ok {
		if err := v.Validate(); err != nil {
			return nil, true, passerelle.Errorf(passerelle.EINVALID, "invalid query %q: %v", text, err)
		}
	}
	return parsed, true, nil
}

// usesSyntax reports whether text uses query string syntax. Tech tokens such as C++ are
// not syntax, nor is a hyphen inside a word (e-commerce).
func usesSyntax(text string) bool {
	rest := techRE.ReplaceAllString(text, " ")
	if strings.ContainsAny(rest, `:"*?~^/\`) {
		return true
	}
	for _, w := range strings.Fields(rest) {
		if w[0] == '+' || w[0] == '-' {
			return true
		}
	}
	return false
}

// plainQuery searches text in every text field, each analysed its own way (folded,
// stemmed per language); a document matches when one field holds the words.
func plainQuery(text string, op query.MatchQueryOperator) query.Query {
	var any []query.Query
	for _, f := range textFields {
		m := bleve.NewMatchQuery(text)
		m.SetField(f.name)
		m.SetOperator(op)
		m.SetBoost(f.boost)
		any = append(any, m)
	}
	return bleve.NewDisjunctionQuery(any...)
}

// candidateTuning says how Candidates weighs the ways a profile term can match.
type candidateTuning struct {
	phraseFields []string // a multi-word term as a phrase, in these fields
	phraseBoost  float64
	allFields    []string // every word of a multi-word term, in one of these fields
	allBoost     float64
	anyFields    []string // any word of a term, in these fields
	anyBoost     float64  // for a multi-word term (a single word counts 1)

	// CPV feedback: the CPV groups (feedbackDigits long) shared by at least feedbackMin of
	// the feedbackDocs best text matches are added to the query, so that notices in other
	// languages, which share no word with the profile, can still be found.
	feedbackDocs   int
	feedbackDigits int
	feedbackMin    float64 // share of the feedback documents
	feedbackMax    int     // groups kept at most
	feedbackBoost  float64

	prefixBoost float64 // a word prefix (CandidateQuery.WordPrefixes)
	tagBoost    float64 // a source's cluster or sector tag
}

// candidateTune was chosen on ../shared/data/eval (15 members, coarse grid, see
// TestCandidatesEval): phrases and all-words matches count most; any-word matches in the
// stemmed language fields only (the folded "all" field keeps stop words, whose any-word
// matches flood the candidates); CPV feedback from the 20 best text matches, at group level
// (3 digits), raised R@1000 from 0.29 to 0.68 and nDCG@10 from 0.41 to 0.49. A notice in a
// language without a field of its own (Slovak, Polish...) is only in the folded "all"
// field: there, for those notices only, a multi-word term is looked for with all its words
// (which cannot flood as any-word matches do; a phrase query there too cost the candidates
// benchmark a fifth more for the same recall). Without it, "nonstop monitoring" missed a
// Slovak notice holding that very phrase, which each word alone found (a single word
// always searches "all").
var candidateTune = candidateTuning{
	phraseFields:   []string{"text_fr", "text_en", "text_nl", "text_de"},
	phraseBoost:    3,
	allFields:      []string{"text_fr", "text_en", "text_nl", "text_de"},
	allBoost:       1.5,
	anyFields:      []string{"text_fr", "text_en", "text_nl", "text_de"},
	anyBoost:       0.5,
	feedbackDocs:   20,
	feedbackDigits: 3,
	feedbackMin:    0.2,
	feedbackMax:    5,
	feedbackBoost:  1,
	prefixBoost:    0.2,
	tagBoost:       0.1,
}

// cpvFeedback returns the CPV groups most shared by the best matches of q.
func cpvFeedback(ctx context.Context, idx bleve.Index, q query.Query) ([]string, error) {
	c := candidateTune
	res, err := idx.SearchInContext(ctx, bleve.NewSearchRequestOptions(q, c.feedbackDocs, 0, false))
	if err != nil || len(res.Hits) == 0 {
		return nil, err
	}
	adv, err := idx.Advanced()
	if err != nil {
		return nil, err
	}
	r, err := adv.Reader()
	if err != nil {
		return nil, err
	}
	defer r.Close()
	dv, err := r.DocValueReader([]string{"cpv"})
	if err != nil {
		return nil, err
	}
	support := map[string]int{}
	for _, h := range res.Hits {
		// By id: this reader may see other segments than the search's did.
		iid, err := r.InternalID(h.ID)
		if err != nil {
			return nil, err
		}
		if iid == nil {
			continue // deleted meanwhile
		}
		seen := map[string]bool{}
		err = dv.VisitDocValues(iid, func(field string, term []byte) {
			if field == "cpv" && len(term) >= c.feedbackDigits {
				seen[string(term[:c.feedbackDigits])] = true
			}
		})
		if err != nil {
			return nil, err
		}
		for g := range seen {
			support[g]++
		}
	}
	min := int(math.Ceil(c.feedbackMin * float64(len(res.Hits))))
	if min < 2 {
		min = 2 // one document is an anecdote, not a pattern
	}
	var groups []string
	for g, n := range support {
		if n >= min {
			groups = append(groups, g)
		}
	}
	sort.Slice(groups, func(i, j int) bool {
		if support[groups[i]] != support[groups[j]] {
			return support[groups[i]] > support[groups[j]]
		}
		return groups[i] < groups[j]
	})
	if len(groups) > c.feedbackMax {
		groups = groups[:c.feedbackMax]
	}
	return groups, nil
}

// termQuery matches profile term t the ways tuning says.
func (c candidateTuning) termQuery(t string) []query.Query {
	match := func(fields []string, op query.MatchQueryOperator, boost float64) query.Query {
		var any []query.Query
		for _, f := range fields {
			m := bleve.NewMatchQuery(t)
			m.SetField(f)
			m.SetOperator(op)
			any = append(any, m)
		}
		d := bleve.NewDisjunctionQuery(any...)
		d.SetBoost(boost)
		return d
	}
	if len(strings.Fields(t)) < 2 {
		// One word (often an acronym or a tech token: ERP, IoT, C++) is looked for in
		// every language too: the stop-word flood of "all" only comes with phrases.
		return []query.Query{match(append([]string{fieldAll}, c.anyFields...), query.MatchQueryOperatorOr, 1)}
	}
	var out []query.Query
	for _, f := range c.phraseFields {
		p := bleve.NewMatchPhraseQuery(t)
		p.SetField(f)
		p.SetBoost(c.phraseBoost)
		out = append(out, p)
	}
	if len(c.allFields) > 0 && c.allBoost > 0 {
		out = append(out, match(c.allFields, query.MatchQueryOperatorAnd, c.allBoost))
	}
	if len(c.anyFields) > 0 && c.anyBoost > 0 {
		out = append(out, match(c.anyFields, query.MatchQueryOperatorOr, c.anyBoost))
	}
	// Notices in the other languages, through the folded field that alone holds them:
	// every word, anywhere in it.
	other := bleve.NewBooleanQuery()
	other.AddMust(match([]string{fieldAll}, query.MatchQueryOperatorAnd, c.allBoost))
	for _, l := range sortedLanguages() {
		other.AddMustNot(filter("language", l))
	}
	return append(out, other)
}

// prefixCover returns the word prefixes (lowercased) that find what all of ps find: a
// prefix of three letters or more covers the longer ones it begins ("cyber" covers
// "cybersecur"), and each is one more expansion of the term dictionary. Shorter ones are
// whole words and cover nothing.
func prefixCover(ps []string) []string {
	var all []string
	for _, p := range ps {
		if p = lower(p); p != "" {
			all = append(all, p)
		}
	}
	sort.Strings(all) // a prefix sorts before the words it begins
	var out []string
	var cover string // the last kept prefix of three letters or more
	for _, p := range all {
		if cover != "" && strings.HasPrefix(p, cover) {
			continue
		}
		if len(out) > 0 && out[len(out)-1] == p {
			continue
		}
		out = append(out, p)
		if utf8.RuneCountInString(p) >= 3 {
			cover = p
		}
	}
	return out
}

// sortedLanguages are the languages with a text field of their own, in a stable order.
func sortedLanguages() []string {
	out := make([]string, 0, len(textLanguages))
	for l := range textLanguages {
		out = append(out, l)
	}
	sort.Strings(out)
	return out
}

// Candidate retrieval bounds.
const (
	DefaultCandidates = 1000
	MaxCandidates     = 10000
)

// CandidateQuery is what Candidates retrieves opportunities with for one profile: any of
// its terms, CPV prefixes, clusters or sectors.
type CandidateQuery struct {
	// Terms are words or phrases, looked for in titles, descriptions and translations,
	// stemmed per language (and folded, for the languages without their own field).
	Terms []string
	// WordPrefixes find notices holding a word that starts with one of them, in any
	// language (the folded field "all"; a prefix of one or two letters must be the whole
	// word): a matcher whose stemmer reads a word otherwise than the index's stemmers
	// can still reach it (the matcher's "bus" for French "buses", which bleve's light
	// stemmer makes "buse"). They weigh least but for tags.
	WordPrefixes []string
	// CPV are prefixes of 2 to 8 digits.
	CPV []string
	// Clusters and Sectors find the opportunities their source tagged with one of them
	// (Opportunity.Clusters, Opportunity.Sectors; any case): a pole's call often has no
	// CPV code and may not use the cluster's words, yet the scorer counts the tag.
	Clusters, Sectors []string
	// Uncoded also finds every open opportunity without CPV codes (weighed as a tag): the
	// matcher infers such a notice's codes from its coded neighbours, so it may fit a
	// profile whose words it does not use.
	Uncoded bool
	// Limit ≤ 0 means DefaultCandidates; it is capped at MaxCandidates.
	Limit int
}

// Candidates is CandidatesFor with terms and CPV prefixes only.
func (ix *Index) Candidates(ctx context.Context, terms []string, cpvPrefixes []string, limit int) ([]string, error) {
	return ix.CandidatesFor(ctx, CandidateQuery{Terms: terms, CPV: cpvPrefixes, Limit: limit})
}

// CandidatesFor retrieves open (status open, closing or unknown) opportunities for one
// profile, best first: those holding any of the query's terms or phrases (in titles,
// descriptions and translations, stemmed per language), or any of its CPV prefixes, or —
// CPV feedback — a CPV group (3 digits) shared by at least a fifth of the 20 best text
// matches, which finds notices in languages the profile's words do not reach, or tagged by
// their source with one of its clusters or sectors. A multi-word term counts most as a
// phrase, then with all its words, least with any of them; a tag alone counts least of
// all, so that when more than the limit are found, the tagged notices nothing else
// points at are the ones left out. An empty query gives no candidates: an empty profile
// matches nothing. Candidates only retrieves: the matcher scores and explains.
func (ix *Index) CandidatesFor(ctx context.Context, q CandidateQuery) ([]string, error) {
	limit := q.Limit
	if limit <= 0 {
		limit = DefaultCandidates
	}
	if limit > MaxCandidates {
		limit = MaxCandidates
	}
	terms := q.Terms
	var any []query.Query
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		any = append(any, candidateTune.termQuery(t)...)
	}
	for _, c := range q.CPV {
		c = strings.TrimSpace(c)
		if c == "" {
			continue
		}
		if err := checkCPVPrefix(c); err != nil {
			return nil, err
		}
		t := bleve.NewTermQuery(c)
		t.SetField("cpv_prefix")
		any = append(any, t)
	}
	// Word prefixes and tags are added after the CPV feedback, which must follow the
	// words alone.
	var tags []query.Query
	for _, w := range prefixCover(q.WordPrefixes) {
		var pq query.Query
		if utf8.RuneCountInString(w) < 3 {
			t := bleve.NewTermQuery(w) // "it", "3d": too short to expand
			t.SetField(fieldAll)
			t.SetBoost(candidateTune.prefixBoost)
			pq = t
		} else {
			p := bleve.NewPrefixQuery(w)
			p.SetField(fieldAll)
			p.SetBoost(candidateTune.prefixBoost)
			pq = p
		}
		tags = append(tags, pq)
	}
	for _, f := range []struct {
		field  string
		values []string
	}{{"clusters", q.Clusters}, {"sectors", q.Sectors}} {
		for _, v := range f.values {
			if v = lower(strings.TrimSpace(v)); v != "" {
				t := bleve.NewTermQuery(v)
				t.SetField(f.field)
				t.SetBoost(candidateTune.tagBoost)
				tags = append(tags, t)
			}
		}
	}
	if q.Uncoded {
		coded := bleve.NewWildcardQuery("*")
		coded.SetField("cpv_division")
		all := bleve.NewMatchAllQuery()
		all.SetBoost(candidateTune.tagBoost / 100) // after every notice something else points at
		uncoded := bleve.NewBooleanQuery()
		uncoded.AddMust(all)
		uncoded.AddMustNot(coded)
		tags = append(tags, uncoded)
	}
	if len(any)+len(tags) == 0 {
		return nil, nil
	}
	var open []query.Query
	for _, s := range []passerelle.Status{passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusUnknown} {
		open = append(open, filter("status", string(s)))
	}
	status := bleve.NewDisjunctionQuery(open...)
	status.SetBoost(0)

	var ids []string
	err := ix.with(func(idx bleve.Index) error {
		if candidateTune.feedbackDocs > 0 && len(terms) > 0 && len(any) > 0 {
			groups, err := cpvFeedback(ctx, idx, bleve.NewConjunctionQuery(bleve.NewDisjunctionQuery(any...), status))
			if err != nil {
				return err
			}
			for _, g := range groups {
				t := bleve.NewTermQuery(g)
				t.SetField("cpv_prefix")
				t.SetBoost(candidateTune.feedbackBoost)
				any = append(any, t)
			}
		}
		any = append(any, tags...)
		root := bleve.NewConjunctionQuery(bleve.NewDisjunctionQuery(any...), status)
		req := bleve.NewSearchRequestOptions(root, limit, 0, false)
		res, err := idx.SearchInContext(ctx, req)
		if err != nil {
			return err
		}
		ids = make([]string, len(res.Hits))
		for i, h := range res.Hits {
			ids[i] = h.ID
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("index: candidates: %w", err)
	}
	return ids, nil
}
