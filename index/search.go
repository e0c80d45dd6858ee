package index

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"
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
		var snap *snapshot
		if key != "" || q.Facets {
			var err error
			if snap, err = openSnapshot(idx); err != nil {
				return err
			}
			defer snap.close()
			if err := snap.collect(ctx, idx.Mapping(), req.Query); err != nil {
				return err
			}
			out.Total = snap.total()
			if key != "" && (snap.hits == nil || out.Total >= sortWalkMin) {
				ids, ok, err := snap.sorted(ctx, key, req.From, req.Size)
				if err != nil {
					return err
				}
				if ok {
					out.Hits = make([]Hit, len(ids))
					for i, id := range ids {
						out.Hits[i] = Hit{ID: id}
					}
				}
			}
		}
		if out.Hits == nil {
			res, err := idx.SearchInContext(ctx, req)
			if err != nil {
				return err
			}
			if snap == nil {
				out.Total = res.Total
			}
			out.Hits = make([]Hit, len(res.Hits))
			for i, h := range res.Hits {
				out.Hits[i] = Hit{ID: h.ID, Score: h.Score}
				if key != "" {
					out.Hits[i].Score = 0 // sorted by a field: scores were not asked for
				}
			}
		}
		if q.Facets {
			var err error
			out.Facets, err = snap.facets(ctx)
			return err
		}
		return nil
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

// candidateFields are the fields Candidates looks in: the folded text of every language
// (it holds the titles) and each stemmed language field.
var candidateFields = []string{fieldAll, "text_fr", "text_en", "text_nl", "text_de"}

// candidateWords matches any word of t in any candidate field.
func candidateWords(t string, boost float64) query.Query {
	var any []query.Query
	for _, f := range candidateFields {
		m := bleve.NewMatchQuery(t)
		m.SetField(f)
		any = append(any, m)
	}
	d := bleve.NewDisjunctionQuery(any...)
	d.SetBoost(boost)
	return d
}

// Candidate retrieval bounds.
const (
	DefaultCandidates = 1000
	MaxCandidates     = 10000
)

// Candidates retrieves open (status open, closing or unknown) opportunities for one profile:
// any of the given terms or phrases (in title, description and translations, with every
// analyzer) or any of the CPV prefixes, best first. A multi-word term counts most as a
// phrase, less as separate words. No terms and no prefixes give no candidates: an empty
// profile matches nothing. limit ≤ 0 means DefaultCandidates; it is capped at MaxCandidates.
func (ix *Index) Candidates(ctx context.Context, terms []string, cpvPrefixes []string, limit int) ([]string, error) {
	if limit <= 0 {
		limit = DefaultCandidates
	}
	if limit > MaxCandidates {
		limit = MaxCandidates
	}
	var any []query.Query
	for _, t := range terms {
		t = strings.TrimSpace(t)
		if t == "" {
			continue
		}
		if len(strings.Fields(t)) > 1 {
			for _, f := range candidateFields {
				p := bleve.NewMatchPhraseQuery(t)
				p.SetField(f)
				p.SetBoost(3)
				any = append(any, p)
			}
			any = append(any, candidateWords(t, 0.5))
			continue
		}
		any = append(any, candidateWords(t, 1))
	}
	for _, c := range cpvPrefixes {
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
	if len(any) == 0 {
		return nil, nil
	}
	var open []query.Query
	for _, s := range []passerelle.Status{passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusUnknown} {
		open = append(open, filter("status", string(s)))
	}
	status := bleve.NewDisjunctionQuery(open...)
	status.SetBoost(0)
	root := bleve.NewConjunctionQuery(bleve.NewDisjunctionQuery(any...), status)

	req := bleve.NewSearchRequestOptions(root, limit, 0, false)
	var res *bleve.SearchResult
	err := ix.with(func(idx bleve.Index) error {
		var err error
		res, err = idx.SearchInContext(ctx, req)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("index: candidates: %w", err)
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	return ids, nil
}
