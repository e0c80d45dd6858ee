package index

import (
	"context"
	"fmt"
	"math/rand"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"
	"unicode"

	"github.com/passerelle/passerelle"
)

// sharedNotices is the real sample, absent on a fresh clone.
const sharedNotices = "../../shared/data/ted/notices.jsonl"

// generator makes synthetic opportunities whose words follow a Zipf law over the vocabulary
// of the real test notices, so that posting lists look like real ones (a few very common
// words, a long tail), unlike a uniform draw from a handful of words.
type generator struct {
	vocab []string
	zipf  *rand.Zipf
	r     *rand.Rand
}

func newGenerator(tb testing.TB, seed int64) *generator {
	tb.Helper()
	count := map[string]int{}
	for _, o := range loadNotices(tb, "testdata/notices.jsonl", 0) {
		for _, t := range o.Texts() {
			for _, w := range strings.FieldsFunc(t.Title+" "+t.Description, func(r rune) bool {
				return !unicode.IsLetter(r) && !unicode.IsDigit(r) && r != '+' && r != '#'
			}) {
				count[w]++
			}
		}
	}
	vocab := make([]string, 0, len(count))
	for w := range count {
		vocab = append(vocab, w)
	}
	// Most frequent first, so that the Zipf head is made of the real common words.
	sort.Slice(vocab, func(i, j int) bool {
		if count[vocab[i]] != count[vocab[j]] {
			return count[vocab[i]] > count[vocab[j]]
		}
		return vocab[i] < vocab[j]
	})
	r := rand.New(rand.NewSource(seed))
	return &generator{vocab: vocab, r: r, zipf: rand.NewZipf(r, 1.07, 2, uint64(len(vocab)-1))}
}

func (g *generator) words(n int) string {
	var b strings.Builder
	for i := 0; i < n; i++ {
		if i > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(g.vocab[g.zipf.Uint64()])
	}
	return b.String()
}

var (
	benchCountries = []string{"BE", "FR", "DE", "NL", "LU", "IE", "PL", "ES", "IT", "AT"}
	benchLangs     = []string{"fr", "en", "de", "nl", "fr", "en", "pl", "es"}
	benchCPV       = []string{"72212000", "72267000", "48000000", "45312100", "79713000", "72315100",
		"30200000", "50312600", "45000000", "71000000", "33100000", "90910000", "80500000", "64200000"}
	benchKinds    = []passerelle.Kind{passerelle.KindCall, passerelle.KindCall, passerelle.KindTender, passerelle.KindAward, passerelle.KindPriorInfo}
	benchStatuses = []passerelle.Status{passerelle.StatusOpen, passerelle.StatusClosing, passerelle.StatusClosed, passerelle.StatusClosed, passerelle.StatusUnknown}
)

func (g *generator) opportunity(i int) passerelle.Opportunity {
	r := g.r
	pub := time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC).Add(time.Duration(r.Intn(6*365*24)) * time.Hour)
	o := passerelle.Opportunity{
		ID:          fmt.Sprintf("bench:%07d", i),
		Source:      "bench",
		Kind:        benchKinds[r.Intn(len(benchKinds))],
		Title:       g.words(4 + r.Intn(10)),
		Description: g.words(40 + r.Intn(200)),
		Language:    benchLangs[r.Intn(len(benchLangs))],
		Buyer:       g.words(3),
		Country:     benchCountries[r.Intn(len(benchCountries))],
		Published:   &pub,
		Status:      benchStatuses[r.Intn(len(benchStatuses))],
	}
	for n := 1 + r.Intn(3); n > 0; n-- {
		o.CPV = append(o.CPV, benchCPV[r.Intn(len(benchCPV))][:4]+fmt.Sprintf("%04d", r.Intn(3)*100))
	}
	if r.Intn(3) == 0 {
		o.Clusters = []string{passerelle.Clusters[r.Intn(len(passerelle.Clusters))]}
	}
	if r.Intn(5) != 0 {
		d := pub.Add(time.Duration(10+r.Intn(90)) * 24 * time.Hour)
		o.Deadline = &d
	}
	if r.Intn(10) == 0 {
		o.Translations = map[string]passerelle.Text{"en": {Title: g.words(8), Description: g.words(60)}}
	}
	return o
}

// BenchmarkIndex measures indexing throughput, one op being one bleve batch of 1000.
func BenchmarkIndex(b *testing.B) {
	b.Run("synthetic", func(b *testing.B) {
		g := newGenerator(b, 1)
		ops := make([]passerelle.Opportunity, 10*batchSize)
		for i := range ops {
			ops[i] = g.opportunity(i)
		}
		benchIndex(b, ops)
	})
	b.Run("ted", func(b *testing.B) {
		if _, err := os.Stat(sharedNotices); err != nil {
			b.Skip("shared data absent:", sharedNotices)
		}
		benchIndex(b, loadNotices(b, sharedNotices, 0))
	})
}

func benchIndex(b *testing.B, ops []passerelle.Opportunity) {
	ix, err := Open(filepath.Join(b.TempDir(), "idx"))
	if err != nil {
		b.Fatal(err)
	}
	defer ix.Close()
	ctx := context.Background()
	batch := make([]passerelle.Opportunity, batchSize)
	b.ResetTimer()
	start := time.Now()
	for n := 0; n < b.N; n++ {
		for i := range batch {
			k := n*batchSize + i
			batch[i] = ops[k%len(ops)]
			batch[i].ID = fmt.Sprintf("%s#%d", batch[i].ID, k/len(ops)) // always a new document
		}
		if err := ix.Index(ctx, batch); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batchSize)/time.Since(start).Seconds(), "notices/s")
}

// benchSize is the size of the search benchmark index (DESIGN §8: 100k opportunities).
const benchSize = 100_000

var (
	benchOnce sync.Once
	benchIx   *Index
	benchDir  string
	benchErr  error
)

// searchIndex builds the 100k index once per test process, and only when a search
// benchmark asks for it; TestMain removes it. PASSERELLE_INDEX_BENCH_DIR names a directory
// to keep it in between runs instead (it is reused when it holds a complete index).
func searchIndex(b *testing.B) *Index {
	benchOnce.Do(func() {
		dir := os.Getenv("PASSERELLE_INDEX_BENCH_DIR")
		if dir == "" {
			benchDir, benchErr = os.MkdirTemp("", "passerelle-index-bench-")
			if benchErr != nil {
				return
			}
			dir = benchDir
		}
		benchIx, benchErr = Open(filepath.Join(dir, "idx"))
		if benchErr != nil {
			return
		}
		if n, _ := benchIx.Count(); n == benchSize {
			return
		}
		if benchErr = benchIx.Reset(); benchErr != nil {
			return
		}
		g := newGenerator(b, 2)
		start := time.Now()
		batch := make([]passerelle.Opportunity, 0, batchSize)
		for i := 0; i < benchSize; i++ {
			batch = append(batch, g.opportunity(i))
			if len(batch) == cap(batch) || i == benchSize-1 {
				if benchErr = benchIx.Index(context.Background(), batch); benchErr != nil {
					return
				}
				batch = batch[:0]
			}
		}
		built := time.Since(start)
		benchErr = benchIx.Compact(context.Background())
		b.Logf("built a %d-opportunity index in %s, compacted in %s", benchSize,
			built.Round(time.Millisecond), (time.Since(start) - built).Round(time.Millisecond))
	})
	if benchErr != nil {
		b.Fatal(benchErr)
	}
	return benchIx
}

func TestMain(m *testing.M) {
	code := m.Run()
	if benchIx != nil {
		benchIx.Close()
	}
	if benchDir != "" {
		os.RemoveAll(benchDir)
	}
	os.Exit(code)
}

// BenchmarkSearch runs typical API searches on a 100k-opportunity index and reports the
// 99th percentile latency beside the mean (ns/op).
func BenchmarkSearch(b *testing.B) {
	ix := searchIndex(b)
	g := newGenerator(b, 3)
	// Query words drawn from the same law as the documents: mostly mid-frequency words.
	word := func() string { return g.vocab[10+g.r.Intn(400)] }
	deadline := time.Date(2022, 1, 1, 0, 0, 0, 0, time.UTC)
	cases := []struct {
		name string
		q    func() Query
	}{
		{"one-word", func() Query { return Query{Text: word()} }},
		{"two-words", func() Query { return Query{Text: word() + " " + word()} }},
		// Worst case: one of the ten most frequent words (de, la, the...), in most documents.
		{"frequent-word", func() Query { return Query{Text: g.vocab[g.r.Intn(10)]} }},
		{"words+filters", func() Query {
			return Query{Text: word(), Status: []string{"open", "closing"}, Country: "BE", CPV: "72"}
		}},
		{"list-newest", func() Query { return Query{Status: []string{"open"}} }},
		{"sort-deadline", func() Query {
			return Query{Text: word(), Sort: "deadline", DeadlineBefore: deadline}
		}},
		{"facets", func() Query { return Query{Text: word(), Facets: true} }},
		{"facets-all", func() Query { return Query{Facets: true} }},
		{"syntax", func() Query { return Query{Text: `"` + word() + " " + word() + `" -` + word()} }},
		{"page-10", func() Query { return Query{Text: word(), Offset: 200, Limit: 20} }},
	}
	ctx := context.Background()
	for _, c := range cases {
		b.Run(c.name, func(b *testing.B) {
			qs := make([]Query, 256)
			for i := range qs {
				qs[i] = c.q()
			}
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for n := 0; n < b.N; n++ {
				t0 := time.Now()
				if _, err := ix.Search(ctx, qs[n%len(qs)]); err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			reportPercentiles(b, lat)
		})
	}
	b.Run("candidates", func(b *testing.B) {
		profiles := make([][]string, 64)
		for i := range profiles {
			profiles[i] = []string{word(), word() + " " + word(), word(), word() + " " + word()}
		}
		lat := make([]time.Duration, 0, b.N)
		b.ResetTimer()
		for n := 0; n < b.N; n++ {
			t0 := time.Now()
			if _, err := ix.Candidates(ctx, profiles[n%len(profiles)], []string{"7226", "48"}, 1000); err != nil {
				b.Fatal(err)
			}
			lat = append(lat, time.Since(t0))
		}
		b.StopTimer()
		reportPercentiles(b, lat)
	})
}

func reportPercentiles(b *testing.B, lat []time.Duration) {
	if len(lat) == 0 {
		return
	}
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	p := func(q float64) float64 {
		return float64(lat[int(q*float64(len(lat)-1))].Microseconds()) / 1000
	}
	b.ReportMetric(p(0.50), "p50-ms")
	b.ReportMetric(p(0.99), "p99-ms")
}
