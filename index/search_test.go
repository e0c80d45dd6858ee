package index

import (
	"context"
	"fmt"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/blevesearch/bleve/v2"
	"github.com/blevesearch/bleve/v2/search"

	"github.com/passerelle/passerelle"
)

// The notices of testdata/notices.jsonl, by what the tests below rely on (see testdata/README).
const (
	frSecurite   = "029213-2021"        // fr, "systèmes de sécurité incendie", closed call
	frLInfo      = "162772-2018"        // fr, writes "l'informatique", award
	frDataCenter = "134692-2021"        // fr, "informatique" without article, CPV 72315100, closing
	deIT         = "125641-2022"        // de, IT management and hosting, open
	deBMA        = "064241-2022"        // de, fire alarm works, open
	enDataCentre = "037951-2018"        // en, "Data Centre Infrastructure", IE
	enWebsite    = "085126-2018"        // en, website development, DE
	enICTfr      = "133853-2017"        // en with a French translation, GR
	enPentest    = "283717-2019"        // en, no deadline: status unknown
	frAstrid     = "014987-2018"        // fr, award mentioning sécurité
	deAward      = "008247-2021"        // de, award
	synthCPP     = "synthetic:cpp-1"    // fr, C++, open
	synthDotNet  = "synthetic:dotnet-1" // en, C# and .NET, open
)

func testIndex(t *testing.T) *Index {
	t.Helper()
	ops := loadNotices(t, "testdata/notices.jsonl", 0)
	if len(ops) != 20 {
		t.Fatalf("testdata/notices.jsonl: %d notices, want 20", len(ops))
	}
	return openIndexed(t, ops)
}

func TestSearch(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		name  string
		q     Query
		want  []string // exact set of hits (order ignored unless ordered)
		order bool     // want is the exact order
		top   int      // when non-zero, want is the set of the first top hits
		total uint64   // when non-zero, the expected Total (for paged queries)
	}{
		{name: "accent folding: unaccented query", q: Query{Text: "securite"},
			want: []string{frSecurite, frAstrid, synthCPP, enICTfr}},
		{name: "accent folding: accented query", q: Query{Text: "sécurité"},
			want: []string{frSecurite, frAstrid, synthCPP, enICTfr}},
		{name: "accents and case", q: Query{Text: "SÉCURITÉ INCENDIE"}, want: []string{frSecurite}},
		{name: "elision: query with article finds both", q: Query{Text: "l'informatique"},
			want: []string{frLInfo, frDataCenter, "002881-2018"}},
		{name: "elision: typographic apostrophe", q: Query{Text: "l’informatique"},
			want: []string{frLInfo, frDataCenter, "002881-2018"}},
		{name: "elision: query without article finds both", q: Query{Text: "informatique"},
			want: []string{frLInfo, frDataCenter, "002881-2018"}},
		{name: "German notice", q: Query{Text: "Rechenzentrum"}, want: []string{deIT}},
		{name: "German notice, stemmed", q: Query{Text: "Rechenzentren"}, want: []string{deIT}},
		{name: "English stemming", q: Query{Text: "data centres"},
			want: []string{enDataCentre, synthDotNet, frDataCenter}},
		{name: "C++ survives", q: Query{Text: "C++"}, want: []string{synthCPP}},
		{name: "C++ in a sentence", q: Query{Text: "moteur C++"}, want: []string{synthCPP}},
		{name: "C# survives", q: Query{Text: "c#"}, want: []string{synthDotNet}},
		{name: ".NET survives", q: Query{Text: ".NET"}, want: []string{synthDotNet}},
		{name: "ASP.NET", q: Query{Text: "asp.net"}, want: []string{synthDotNet}},
		{name: "plain C is not C++", q: Query{Text: "C"}, want: []string{synthDotNet}},
		{name: "all words must match", q: Query{Text: "data centre Bathymetry"}, want: []string{}},
		{name: "title matches rank first", q: Query{Text: "data"}, want: []string{frDataCenter, enDataCentre}, top: 2, total: 6},
		{name: "query syntax: phrase", q: Query{Text: `"data centre"`}, want: []string{enDataCentre, synthDotNet}},
		{name: "query syntax: field", q: Query{Text: "title:data"}, want: []string{enDataCentre, frDataCenter}},
		{name: "query syntax: C++ with must", q: Query{Text: "+C++ +moteur"}, want: []string{synthCPP}},
		{name: "CPV division", q: Query{CPV: "72"}, want: []string{deIT, frDataCenter, synthDotNet, synthCPP,
			enPentest, enWebsite, "047100-2018", enDataCentre, "027183-2018", enICTfr}},
		{name: "CPV prefix of a secondary code", q: Query{CPV: "7231"}, want: []string{frDataCenter, enDataCentre}},
		{name: "CPV full code", q: Query{CPV: "45312100"}, want: []string{deBMA, frSecurite}},
		{name: "country, any case", q: Query{Country: "de"}, want: []string{deIT, deBMA, deAward, enWebsite}},
		{name: "language", q: Query{Language: "DE"}, want: []string{deIT, deBMA, deAward}},
		{name: "kind", q: Query{Kind: "tender"}, want: []string{synthDotNet}},
		{name: "status", q: Query{Status: []string{"unknown"}}, want: []string{enPentest}},
		{name: "status any of, text", q: Query{Text: "sécurité", Status: []string{"open", "closing"}},
			want: []string{synthCPP}},
		{name: "text and country", q: Query{Text: "informatique", Country: "FR"}, want: []string{frLInfo, frDataCenter}},
		{name: "deadline before", q: Query{DeadlineBefore: time.Date(2018, 3, 1, 0, 0, 0, 0, time.UTC)},
			want: []string{"002881-2018", "047100-2018", enICTfr}},
		{name: "sort by deadline, soonest first", q: Query{Status: []string{"open", "closing"}, Sort: "deadline"},
			want: []string{frDataCenter, synthCPP, synthDotNet, deBMA, deIT}, order: true},
		{name: "sort by deadline, missing last", q: Query{CPV: "7200", Sort: "deadline"},
			want: []string{enWebsite, deIT, enPentest}, order: true},
		{name: "newest first", q: Query{Sort: "-published", Limit: 3},
			want: []string{deIT, deBMA, frDataCenter}, order: true, total: 20},
		{name: "empty text lists newest first", q: Query{Country: "BE", Limit: 2},
			want: []string{synthDotNet, synthCPP}, order: true, total: 8},
		{name: "pagination: second page", q: Query{Sort: "-published", Limit: 3, Offset: 3},
			want: []string{synthDotNet, synthCPP, "034845-2021"}, order: true, total: 20},
		{name: "pagination: past the end", q: Query{Sort: "-published", Offset: 50}, want: []string{}, total: 20},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := ix.Search(context.Background(), tt.q)
			if err != nil {
				t.Fatal(err)
			}
			got := ids(res.Hits)
			if tt.top > 0 {
				if len(got) < tt.top || !sameSet(got[:tt.top], tt.want) {
					t.Errorf("hits %v, want first %v", got, tt.want)
				}
			} else if tt.order {
				if join(got) != join(tt.want) {
					t.Errorf("hits %v, want in this order %v", got, tt.want)
				}
			} else if !sameSet(got, tt.want) {
				t.Errorf("hits %v, want %v", got, tt.want)
			}
			if tt.q.Text != "" && (tt.q.Sort == "" || tt.q.Sort == "relevance") {
				for _, h := range res.Hits {
					if !(h.Score > 0) || math.IsInf(h.Score, 0) {
						t.Errorf("hit %s has score %v", h.ID, h.Score)
					}
				}
			}
			if tt.total != 0 && res.Total != tt.total {
				t.Errorf("total %d, want %d", res.Total, tt.total)
			}
			if tt.total == 0 && !tt.order && tt.top == 0 && res.Total != uint64(len(tt.want)) {
				t.Errorf("total %d, want %d", res.Total, len(tt.want))
			}
		})
	}
}

func TestSearchFacets(t *testing.T) {
	ix := testIndex(t)
	res, err := ix.Search(context.Background(), Query{Facets: true, Limit: 1})
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]map[string]int{
		"status":   {"closed": 14, "closing": 1, "open": 4, "unknown": 1},
		"country":  {"BE": 8, "DE": 4, "FR": 3, "GB": 1, "GR": 1, "IE": 2, "PL": 1},
		"language": {"de": 3, "en": 7, "fr": 7, "nl": 2, "pl": 1},
		"kind":     {"award": 5, "call": 14, "tender": 1},
		"cpv":      {"32": 1, "33": 1, "44": 1, "45": 2, "48": 3, "50": 2, "72": 10, "77": 1, "79": 4},
		"cluster":  {},
	}
	for name, counts := range want {
		got := res.Facets[name]
		if len(got) != len(counts) {
			t.Errorf("facet %s = %v, want %v", name, got, counts)
			continue
		}
		for term, n := range counts {
			if got[term] != n {
				t.Errorf("facet %s[%s] = %d, want %d", name, term, got[term], n)
			}
		}
	}
	if len(res.Hits) != 1 || res.Total != 20 {
		t.Errorf("facets changed the page: %d hits, total %d", len(res.Hits), res.Total)
	}

	// Facets count the hits of the query, not the whole index.
	res, err = ix.Search(context.Background(), Query{Text: "sécurité", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if got := res.Facets["status"]; got["closed"] != 3 || got["open"] != 1 || len(got) != 2 {
		t.Errorf("status facet of 'sécurité' = %v, want closed:3 open:1", got)
	}

	res, err = ix.Search(context.Background(), Query{Text: "sécurité"})
	if err != nil {
		t.Fatal(err)
	}
	if res.Facets != nil {
		t.Errorf("facets computed though not asked: %v", res.Facets)
	}
}

func TestSearchClusterFilter(t *testing.T) {
	ops := loadNotices(t, "testdata/notices.jsonl", 0)
	for i := range ops {
		switch ops[i].ID {
		case synthCPP:
			ops[i].Clusters = []string{"seriousgames", "web"}
		case frDataCenter, enDataCentre:
			ops[i].Clusters = []string{"datacenters"}
		}
	}
	ix := openIndexed(t, ops)
	res, err := ix.Search(context.Background(), Query{Cluster: "DataCenters", Facets: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(ids(res.Hits), []string{frDataCenter, enDataCentre}) {
		t.Errorf("cluster datacenters: %v", ids(res.Hits))
	}
	if got := res.Facets["cluster"]; got["datacenters"] != 2 || len(got) != 1 {
		t.Errorf("cluster facet = %v", got)
	}
}

func TestSearchInvalid(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		name string
		q    Query
	}{
		{"malformed syntax", Query{Text: `title:"data`}},
		{"dangling field", Query{Text: `title:`}},
		{"bad regexp", Query{Text: `/[a-/`}},
		{"fuzziness too high", Query{Text: `data~9`}},
		{"cpv letters", Query{CPV: "72ab"}},
		{"cpv too short", Query{CPV: "7"}},
		{"cpv too long", Query{CPV: "723151001"}},
		{"unknown status", Query{Status: []string{"opne"}}},
		{"unknown kind", Query{Kind: "contract"}},
		{"unknown cluster", Query{Cluster: "blockchain"}},
		{"bad country", Query{Country: "Belgium"}},
		{"unknown sort", Query{Sort: "title"}},
		{"negative limit", Query{Limit: -1}},
		{"negative offset", Query{Offset: -5}},
		{"text too long", Query{Text: strings.Repeat("cloud ", 200)}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := ix.Search(context.Background(), tt.q)
			if code := passerelle.ErrorCode(err); code != passerelle.EINVALID {
				t.Errorf("error %v (code %q), want %s", err, code, passerelle.EINVALID)
			}
		})
	}
}

func TestSearchLimit(t *testing.T) {
	var ops []passerelle.Opportunity
	for i := 0; i < 1200; i++ {
		ops = append(ops, synthetic(i))
	}
	ix := openIndexed(t, ops)
	for _, tt := range []struct{ limit, want int }{{0, DefaultLimit}, {5, 5}, {5000, MaxLimit}} {
		res, err := ix.Search(context.Background(), Query{Limit: tt.limit})
		if err != nil {
			t.Fatal(err)
		}
		if len(res.Hits) != tt.want || res.Total != 1200 {
			t.Errorf("limit %d: %d hits (total %d), want %d (total 1200)", tt.limit, len(res.Hits), res.Total, tt.want)
		}
	}
}

func TestCandidates(t *testing.T) {
	ix := testIndex(t)
	tests := []struct {
		name  string
		terms []string
		cpv   []string
		want  []string
		first string // when set, the expected best candidate
	}{
		{name: "empty profile matches nothing"},
		{name: "blank terms match nothing", terms: []string{" ", ""}},
		{name: "closed opportunities are left out", terms: []string{"sécurité"}, want: []string{synthCPP}},
		{name: "one CPV prefix", cpv: []string{"72"}, want: []string{deIT, frDataCenter, synthCPP, synthDotNet, enPentest}},
		{name: "terms or prefixes", terms: []string{"Brandmeldeanlage", "C#"}, cpv: []string{"7231"},
			want: []string{deBMA, synthDotNet, frDataCenter}},
		{name: "phrase first, then its words", terms: []string{"data center"},
			want: []string{frDataCenter, synthDotNet}, first: frDataCenter},
		{name: "tech token", terms: []string{"C++"}, want: []string{synthCPP}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ix.Candidates(context.Background(), tt.terms, tt.cpv, 0)
			if err != nil {
				t.Fatal(err)
			}
			if !sameSet(got, tt.want) {
				t.Errorf("candidates %v, want %v", got, tt.want)
			}
			if tt.first != "" && (len(got) == 0 || got[0] != tt.first) {
				t.Errorf("best candidate of %v, want %s first", got, tt.first)
			}
		})
	}
	if _, err := ix.Candidates(context.Background(), nil, []string{"7x"}, 10); passerelle.ErrorCode(err) != passerelle.EINVALID {
		t.Errorf("bad CPV prefix: error %v, want %s", err, passerelle.EINVALID)
	}
	got, err := ix.Candidates(context.Background(), nil, []string{"72"}, 2)
	if err != nil || len(got) != 2 {
		t.Errorf("limit 2: %v, %v", got, err)
	}
}

// Missing values are not indexed as empty terms: no "" bucket in facets, no match for an
// empty filter, and a missing deadline sorts last.
func TestMissingValues(t *testing.T) {
	day := time.Date(2030, 1, 1, 0, 0, 0, 0, time.UTC)
	ix := openIndexed(t, []passerelle.Opportunity{
		{ID: "bare", Title: "bare notice"},
		{ID: "dated", Title: "dated notice", Country: "be", Language: "FR", Deadline: &day, Published: &day},
	})
	res, err := ix.Search(context.Background(), Query{Facets: true, Sort: "deadline"})
	if err != nil {
		t.Fatal(err)
	}
	if join(ids(res.Hits)) != "[dated bare]" {
		t.Errorf("sort by deadline: %v, want [dated bare]", ids(res.Hits))
	}
	for _, name := range []string{"country", "language", "cluster", "cpv"} {
		if _, ok := res.Facets[name][""]; ok {
			t.Errorf("facet %s has an empty bucket: %v", name, res.Facets[name])
		}
	}
	if got := res.Facets["country"]["BE"]; got != 1 {
		t.Errorf("country facet %v, want BE:1", res.Facets["country"])
	}
	if got := res.Facets["kind"]["other"]; got != 2 {
		t.Errorf("kind facet %v: a missing kind counts as other", res.Facets["kind"])
	}
	if got := res.Facets["status"]["unknown"]; got != 2 {
		t.Errorf("status facet %v: a missing status counts as unknown", res.Facets["status"])
	}
}

// TestFacetsAgreeWithBleve checks our bitmap facet counts against bleve's own (doc values)
// on queries from very selective to everything, with deleted documents, on an index of
// several segments. The segments' facet terms are cached by the first round (before the
// deletions) and read from the cache by the second.
func TestFacetsAgreeWithBleve(t *testing.T) {
	var ops []passerelle.Opportunity
	for i := 0; i < 3000; i++ {
		ops = append(ops, synthetic(i))
	}
	ix := openIndexed(t, ops)
	for round := 0; round < 2; round++ {
		if round == 1 {
			if err := ix.Delete(context.Background(), []string{"syn:000001", "syn:000010"}); err != nil {
				t.Fatal(err)
			}
		}
		facetsAgreeWithBleve(t, ix)
	}
	if len(ix.facetTerms.bySeg) == 0 {
		t.Error("no segment's facet terms were cached")
	}
}

func facetsAgreeWithBleve(t *testing.T, ix *Index) {
	t.Helper()
	for _, q := range []Query{
		{},
		{Text: "cloud"},
		{Text: "n°42"},
		{Text: "C++", Country: "BE"},
		{Status: []string{"open"}, CPV: "7226"},
		{Text: "nothing-matches-this"},
	} {
		req, _, err := buildRequest(q)
		if err != nil {
			t.Fatal(err)
		}
		for name, field := range FacetNames {
			req.AddFacet(name, bleve.NewFacetRequest(field, 1000))
		}
		want, err := ix.idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		snap, err := openSnapshot(ix.idx, ix.facetTerms)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.collect(context.Background(), ix.idx.Mapping(), req.Query); err != nil {
			t.Fatal(err)
		}
		got, err := snap.facets(context.Background())
		snap.close()
		if err != nil {
			t.Fatal(err)
		}
		// And as Search counts them: from the ranking pass when there is text to rank by.
		withFacets := q
		withFacets.Facets = true
		res, err := ix.Search(context.Background(), withFacets)
		if err != nil {
			t.Fatal(err)
		}
		if res.Total != want.Total || !samePage(res.Hits, want.Hits) {
			t.Errorf("%+v: Search found %d %v, bleve %d %v", q, res.Total, ids(res.Hits), want.Total, hitIDs(want.Hits))
		}
		for name := range FacetNames {
			w := map[string]int{}
			if f := want.Facets[name]; f != nil && f.Terms != nil {
				for _, tf := range f.Terms.Terms() {
					w[tf.Term] = tf.Count
				}
			}
			if fmt.Sprint(got[name]) != fmt.Sprint(w) {
				t.Errorf("%+v: facet %s = %v, bleve says %v", q, name, got[name], w)
			}
			if fmt.Sprint(res.Facets[name]) != fmt.Sprint(w) {
				t.Errorf("%+v: Search's facet %s = %v, bleve says %v", q, name, res.Facets[name], w)
			}
		}
		if q.Text == "" && len(q.Status) == 0 && got["status"]["open"] == 0 {
			t.Errorf("%+v: no open opportunity counted: %v", q, got["status"])
		}
	}
}

// samePage says whether Search's page of hits is bleve's: the same documents in the same
// order, or, ranked by relevance, the same scores in the same order and the same documents
// above the page's lowest score. Documents tied at that
// score may differ, and in any order: bleve breaks ties by the documents' place in the
// index segments, which a merge between the two searches rearranges.
func samePage(got []Hit, want search.DocumentMatchCollection) bool {
	if len(got) != len(want) {
		return false
	}
	if fmt.Sprint(ids(got)) == fmt.Sprint(hitIDs(want)) {
		return true // the same page (a listing sorted by a field has no scores to compare)
	}
	low := want[len(want)-1].Score
	var above, aboveWant []string
	for i := range got {
		if math.Abs(got[i].Score-want[i].Score) > 1e-9 {
			return false
		}
		if got[i].Score > low+1e-9 {
			above = append(above, got[i].ID)
		}
		if want[i].Score > low+1e-9 {
			aboveWant = append(aboveWant, want[i].ID)
		}
	}
	return sameSet(above, aboveWant)
}

func hitIDs(hits search.DocumentMatchCollection) []string {
	out := make([]string, len(hits))
	for i, h := range hits {
		out[i] = h.ID
	}
	return out
}

// TestSortAgreesWithBleve checks the sort-key walk against bleve's collector: same pages,
// ties in index order, missing keys last, with deleted documents and several segments.
func TestSortAgreesWithBleve(t *testing.T) {
	var ops []passerelle.Opportunity
	for i := 0; i < 3000; i++ {
		o := synthetic(i)
		if i%7 == 0 {
			o.Published = nil
		}
		ops = append(ops, o)
	}
	ix := openIndexed(t, ops)
	if err := ix.Delete(context.Background(), []string{"syn:000003", "syn:000020", "syn:002999"}); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Ties (equal or missing dates) keep index order, which a background merge may change
	// between two searches: merge everything first so that both ways see one order.
	if err := ix.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range []Query{
		{Sort: "deadline"},
		{Sort: "-deadline"},
		{Sort: "published", Limit: 50},
		{Sort: "-published", Offset: 2900, Limit: 100}, // the end: keys missing
		{Sort: "-published", Offset: 20},
		{Text: "cloud", Sort: "deadline", Offset: 40},
		{Status: []string{"open", "closing"}, Sort: "-deadline", Limit: 30},
		{Country: "BE", Offset: 480, Limit: 60},
		{CPV: "45", Sort: "deadline", Offset: 5000},
	} {
		req, _, err := buildRequest(q)
		if err != nil {
			t.Fatal(err)
		}
		res, err := ix.idx.Search(req)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]string, len(res.Hits))
		for i, h := range res.Hits {
			want[i] = h.ID
		}
		snap, err := openSnapshot(ix.idx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := snap.collect(ctx, ix.idx.Mapping(), req.Query); err != nil {
			t.Fatal(err)
		}
		got, ok, err := snap.sorted(ctx, sortKey(q.Sort, q.Text != ""), req.From, req.Size)
		total := snap.total()
		snap.close()
		if err != nil || !ok {
			t.Fatalf("%+v: walk failed: ok %v, %v", q, ok, err)
		}
		if join(got) != join(want) {
			t.Errorf("%+v:\nwalk  %v\nbleve %v", q, got, want)
		}
		if total != res.Total {
			t.Errorf("%+v: total %d, bleve says %d", q, total, res.Total)
		}
		// And through Search, whichever way it chooses.
		page, err := ix.Search(ctx, q)
		if err != nil {
			t.Fatal(err)
		}
		if join(ids(page.Hits)) != join(want) || page.Total != res.Total {
			t.Errorf("%+v: Search gave %v (total %d), want %v (total %d)", q, ids(page.Hits), page.Total, want, res.Total)
		}
	}
}

func TestReverseKey(t *testing.T) {
	a, b := "2021-03-10T12:00:00Z", "2021-03-10T12:00:01Z"
	if !(reverseKey(a) > reverseKey(b)) || reverseKey(reverseKey(a)) != a {
		t.Errorf("reverseKey(%s) = %s, reverseKey(%s) = %s", a, reverseKey(a), b, reverseKey(b))
	}
}

// CPV feedback: a notice sharing no word with the profile is found through the CPV group
// of the best text matches, and only when several of them agree.
func TestCandidatesCPVFeedback(t *testing.T) {
	op := func(id, lang, title string, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: id, Title: title, Language: lang, CPV: cpv, Status: passerelle.StatusOpen}
	}
	ix := openIndexed(t, []passerelle.Opportunity{
		op("fr-1", "fr", "Audit de cybersécurité des serveurs", "72212730"),
		op("fr-2", "fr", "Services de cybersécurité managés", "72222300"),
		op("fr-3", "fr", "Formation à la cybersécurité", "80500000"),
		op("pl-it", "pl", "Usługi w zakresie oprogramowania", "72212000"),
		op("pl-works", "pl", "Roboty budowlane", "45000000"),
		op("pl-train", "pl", "Usługi szkoleniowe", "80530000"),
	})
	got, err := ix.Candidates(context.Background(), []string{"cybersécurité"}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	// 722 is shared by two of the three text matches; 805 by one only (an anecdote).
	if !sameSet(got, []string{"fr-1", "fr-2", "fr-3", "pl-it"}) {
		t.Errorf("candidates %v, want the three French notices and pl-it", got)
	}
}

// A multi-word term finds a notice holding it in a language without a field of its own
// (only the folded "all" field holds Slovak), as its words alone do.
func TestCandidatesOtherLanguages(t *testing.T) {
	op := func(id, lang, title string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: id, Title: title, Language: lang, Status: passerelle.StatusOpen}
	}
	ix := openIndexed(t, []passerelle.Opportunity{
		op("sk-1", "sk", "Dodávka kamerového systému určeného na nonstop monitoring čerpacích staníc"),
		op("sk-2", "sk", "Kamerový systém: monitoring parkovísk"),
		op("fr-1", "fr", "Monitoring nonstop des stations de pompage"),
		op("en-1", "en", "Road works"),
	})
	got, err := ix.Candidates(context.Background(), []string{"nonstop monitoring"}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(got, []string{"sk-1", "fr-1"}) {
		t.Errorf("candidates %v, want sk-1 (phrase in Slovak) and fr-1 (both words in French)", got)
	}
}

// A source's cluster or sector tag retrieves a notice that nothing else points at, after
// those that words or codes find; closed notices stay out.
func TestCandidatesForTags(t *testing.T) {
	op := func(id, title string, st passerelle.Status, clusters, sectors []string, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: id, Title: title, Language: "fr", Status: st, Clusters: clusters, Sectors: sectors, CPV: cpv}
	}
	ix := openIndexed(t, []passerelle.Opportunity{
		op("tagged", "Appel à projets du pôle", passerelle.StatusOpen, []string{"security"}, nil),
		op("tagged-closed", "Appel clôturé du pôle", passerelle.StatusClosed, []string{"security"}, nil),
		op("sector", "Appel agroalimentaire", passerelle.StatusOpen, nil, []string{"Agrifood"}),
		op("words", "Audit de cybersécurité", passerelle.StatusOpen, nil, nil),
		op("codes", "Services informatiques", passerelle.StatusOpen, nil, nil, "72212730"),
		op("other", "Travaux de voirie", passerelle.StatusOpen, []string{"web"}, nil, "45233140"),
	})
	ctx := context.Background()
	// The old signature has no tags: the tagged notice is out of its reach.
	got, err := ix.Candidates(ctx, []string{"cybersécurité"}, []string{"7221"}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(got, []string{"words", "codes"}) {
		t.Errorf("Candidates %v", got)
	}
	for _, tt := range []struct {
		name string
		q    CandidateQuery
		want []string
		last []string // the ones only a tag found, ranked after the others
	}{
		{"cluster, any case", CandidateQuery{Terms: []string{"cybersécurité"}, CPV: []string{"7221"}, Clusters: []string{"Security"}},
			[]string{"words", "codes", "tagged"}, []string{"tagged"}},
		{"sector", CandidateQuery{Terms: []string{"cybersécurité"}, Sectors: []string{"agrifood"}},
			[]string{"words", "sector"}, []string{"sector"}},
		{"tags alone", CandidateQuery{Clusters: []string{"security", " "}, Sectors: []string{"agrifood"}},
			[]string{"tagged", "sector"}, nil},
		{"blank tags match nothing", CandidateQuery{Clusters: []string{""}, Sectors: []string{" "}}, nil, nil},
	} {
		t.Run(tt.name, func(t *testing.T) {
			got, err := ix.CandidatesFor(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			if !sameSet(got, tt.want) {
				t.Errorf("candidates %v, want %v", got, tt.want)
			}
			if n := len(tt.last); n > 0 && len(got) >= n && !sameSet(got[len(got)-n:], tt.last) {
				t.Errorf("candidates %v: %v should come last", got, tt.last)
			}
		})
	}
}

// Word prefixes reach words the index's stemmers read otherwise than a matcher's: French
// "buses" is "buse" to bleve's light stemmer, which the word "bus" does not find.
func TestCandidatesWordPrefixes(t *testing.T) {
	op := func(id, lang, title string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: id, Title: title, Language: lang, Status: passerelle.StatusOpen}
	}
	ix := openIndexed(t, []passerelle.Opportunity{
		op("buses", "fr", "Renforcement de trois buses métalliques"),
		op("bus", "fr", "Services de bus scolaires"),
		op("it", "en", "IT services for the ministry"),
		op("item", "en", "Items of furniture"),
	})
	ctx := context.Background()
	got, err := ix.Candidates(ctx, []string{"bus"}, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(got, []string{"bus"}) {
		t.Fatalf("the word alone finds %v: this test assumed it misses \"buses\"", got)
	}
	got, err = ix.CandidatesFor(ctx, CandidateQuery{Terms: []string{"bus"}, WordPrefixes: []string{"bus", "it", " "}})
	if err != nil {
		t.Fatal(err)
	}
	// A prefix of two letters is a whole word: "it" does not bring "items".
	if !sameSet(got, []string{"bus", "buses", "it"}) {
		t.Errorf("candidates %v, want bus, buses, it", got)
	}
	if len(got) > 0 && got[0] != "bus" {
		t.Errorf("candidates %v: the word itself should come before its prefix", got)
	}
}

func TestPrefixCover(t *testing.T) {
	for _, tt := range []struct{ in, want []string }{
		{nil, nil},
		{[]string{"Cybersecur", "cyber", " ", "cyberbeveil", "data", "dat", "nb", "nbiot", "it", "it"}, []string{"cyber", "dat", "it", "nb", "nbiot"}},
		{[]string{"bus", "buses", "busines", "car"}, []string{"bus", "car"}},
	} {
		if got := prefixCover(tt.in); fmt.Sprint(got) != fmt.Sprint(tt.want) {
			t.Errorf("prefixCover(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// Uncoded adds every open notice without codes, whatever its words, and no coded or
// closed one; the words still find theirs.
func TestCandidatesUncoded(t *testing.T) {
	op := func(id, title string, st passerelle.Status, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: id, Title: title, Language: "en", CPV: cpv, Status: st}
	}
	ix := openIndexed(t, []passerelle.Opportunity{
		op("call-1", "Trustworthy AI for industry", passerelle.StatusOpen),
		op("call-2", "Secure quantum networks", passerelle.StatusUnknown),
		op("call-old", "Smart farming pilots", passerelle.StatusClosed),
		op("tender-1", "Road works", passerelle.StatusOpen, "45233000"),
		op("tender-2", "Software for cryptography", passerelle.StatusOpen, "48730000"),
	})
	got, err := ix.CandidatesFor(context.Background(), CandidateQuery{Terms: []string{"cryptography"}, Uncoded: true})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(got, []string{"tender-2", "call-1", "call-2"}) {
		t.Errorf("candidates %v, want the text match and the open notices without codes", got)
	}
	if len(got) > 0 && got[0] != "tender-2" {
		t.Errorf("candidates %v: the text match should come first", got)
	}
	got, err = ix.CandidatesFor(context.Background(), CandidateQuery{Terms: []string{"cryptography"}})
	if err != nil {
		t.Fatal(err)
	}
	if !sameSet(got, []string{"tender-2"}) {
		t.Errorf("without Uncoded: %v", got)
	}
}
