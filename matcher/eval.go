package matcher

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// Qrels are graded relevance judgements: member → opportunity → grade (0 not relevant,
// 1 relevant, 2 highly relevant).
type Qrels map[string]map[string]int

// ReadQrels reads TREC qrels: one "member 0 opportunity grade" a line, blank lines and
// lines starting with # ignored.
func ReadQrels(r io.Reader) (Qrels, error) {
	q := Qrels{}
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 64*1024), 1024*1024)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		if line == "" || strings.HasPrefix(line, "#") {
			continue
		}
		f := strings.Fields(line)
		if len(f) != 4 {
			return nil, passerelle.Errorf(passerelle.EINVALID, "qrels line %d: want 4 fields (member 0 opportunity grade), got %d", n, len(f))
		}
		g, err := strconv.Atoi(f[3])
		if err != nil {
			return nil, passerelle.Errorf(passerelle.EINVALID, "qrels line %d: grade %q is not an integer", n, f[3])
		}
		if q[f[0]] == nil {
			q[f[0]] = map[string]int{}
		}
		q[f[0]][f[2]] = g
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("qrels: %w", err)
	}
	return q, nil
}

// RankedDoc is one opportunity in a member's ranking.
type RankedDoc struct {
	ID    string  `json:"id"`
	Score float64 `json:"score"`
}

// Ranking is member → opportunities, best first.
type Ranking map[string][]RankedDoc

// Rank ranks every opportunity for every member by topical fit (Scorer.Topical: status,
// deadline, tier, region and budget ignored), keeping at most depth opportunities with a
// score above 0 per member, ties broken by opportunity id. Each opportunity is analysed
// once and members are ranked in parallel.
func Rank(s *Scorer, members []passerelle.Member, ops []passerelle.Opportunity, depth int) Ranking {
	docs := make([]*doc, len(ops))
	par(len(ops), func(i int) { docs[i] = s.analyzeDoc(&ops[i]) })
	profiles := make([][]*profile, len(members))
	for i := range members {
		profiles[i] = s.compileAll(&members[i])
	}
	// Workers take notices; each keeps its own per-member lists, merged at the end.
	nPhrases := s.phraseCount()
	w := runtime.GOMAXPROCS(0)
	parts := make([][][]RankedDoc, w)
	var wg sync.WaitGroup
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func(k int) {
			defer wg.Done()
			mm := newMemo(nPhrases)
			local := make([][]RankedDoc, len(members))
			for j := k; j < len(docs); j += w {
				mm.reset()
				for i, ps := range profiles {
					// A member with several profiles ranks by its best (as Topical).
					best := 0.0
					for _, p := range ps {
						best = math.Max(best, s.score(p, docs[j], time.Time{}, true, false, mm).topical)
					}
					if best > 0 {
						local[i] = append(local[i], RankedDoc{ID: ops[j].ID, Score: best})
					}
				}
			}
			parts[k] = local
		}(k)
	}
	wg.Wait()
	out := make([][]RankedDoc, len(members))
	par(len(members), func(i int) {
		var rs []RankedDoc
		for _, part := range parts {
			rs = append(rs, part[i]...)
		}
		sort.Slice(rs, func(a, b int) bool {
			if rs[a].Score != rs[b].Score {
				return rs[a].Score > rs[b].Score
			}
			return rs[a].ID < rs[b].ID
		})
		if depth > 0 && len(rs) > depth {
			rs = rs[:depth]
		}
		out[i] = rs
	})
	rk := Ranking{}
	for i, m := range members {
		rk[m.ID] = out[i]
	}
	return rk
}

// KeptPair is a pair the production rules would deliver.
type KeptPair struct {
	Member, Opportunity string
	Score               float64
}

// Kept is every pair the production rules would deliver, dates and status aside: each
// member is taken as premium, the vetoes (exclusions, regions, budget) apply, deadline and
// freshness give no points, and the score must reach the member's threshold. `eval --kept`
// measures with it the precision of what members would receive, where the ranking
// measures its order. Pairs come by member, then score (highest first), then id.
func Kept(s *Scorer, members []passerelle.Member, ops []passerelle.Opportunity) []KeptPair {
	docs := make([]*doc, len(ops))
	par(len(ops), func(i int) { docs[i] = s.analyzeDoc(&ops[i]) })
	profiles := make([][]*profile, len(members))
	for i := range members {
		profiles[i] = s.compileAll(&members[i])
		for _, p := range profiles[i] {
			p.premium = true
		}
	}
	nPhrases := s.phraseCount()
	out := make([][]KeptPair, len(members))
	par(len(members), func(i int) {
		mm := newMemo(nPhrases)
		for j, d := range docs {
			mm.reset()
			// One pair per member and notice, its best profile's (as Score).
			best, kept := 0.0, false
			for _, p := range profiles[i] {
				if r := s.numbers(p, d, false, false, mm); s.kept(p, r) && (!kept || r.score > best) {
					best, kept = r.score, true
				}
			}
			if kept {
				out[i] = append(out[i], KeptPair{members[i].ID, ops[j].ID, best})
			}
		}
		sort.Slice(out[i], func(a, b int) bool {
			x, y := out[i][a], out[i][b]
			if x.Score != y.Score {
				return x.Score > y.Score
			}
			return x.Opportunity < y.Opportunity
		})
	})
	var all []KeptPair
	for _, ps := range out {
		all = append(all, ps...)
	}
	return all
}

// KeptPrecision is the share of kept pairs judged relevant (grade > 0) and the share of
// the judged relevant pairs that were kept, over the members the qrels judge.
func KeptPrecision(kept []KeptPair, q Qrels) (precision, recall float64, n int) {
	rel, hit := 0, 0
	for _, m := range q {
		for _, g := range m {
			if g > 0 {
				rel++
			}
		}
	}
	for _, k := range kept {
		m, ok := q[k.Member]
		if !ok {
			continue
		}
		n++
		if m[k.Opportunity] > 0 {
			hit++
		}
	}
	if n > 0 {
		precision = float64(hit) / float64(n)
	}
	if rel > 0 {
		recall = float64(hit) / float64(rel)
	}
	return precision, recall, n
}

func (s *Scorer) phraseCount() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.byID)
}

// par runs f(0..n-1) on GOMAXPROCS goroutines.
func par(n int, f func(i int)) {
	w := runtime.GOMAXPROCS(0)
	if w > n {
		w = n
	}
	var wg sync.WaitGroup
	next := make(chan int, n)
	for i := 0; i < n; i++ {
		next <- i
	}
	close(next)
	for k := 0; k < w; k++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				f(i)
			}
		}()
	}
	wg.Wait()
}

// WriteRun writes r as a TREC run: "member Q0 opportunity rank score passerelle", members
// in id order, ranks from 1.
func WriteRun(w io.Writer, r Ranking) error {
	bw := bufio.NewWriter(w)
	for _, m := range sortedKeys(r) {
		for i, d := range r[m] {
			if _, err := fmt.Fprintf(bw, "%s Q0 %s %d %.6f passerelle\n", m, d.ID, i+1, d.Score); err != nil {
				return fmt.Errorf("write run: %w", err)
			}
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write run: %w", err)
	}
	return nil
}

// Metrics are ranking-quality figures for one member or their mean.
type Metrics struct {
	P10    float64 `json:"p10"`    // share of relevant (grade > 0) among the first 10
	NDCG10 float64 `json:"ndcg10"` // graded nDCG@10, gain 2^grade - 1
	R100   float64 `json:"r100"`   // share of the relevant found in the first 100
	MAP    float64 `json:"map"`    // average precision over all relevant
}

// Evaluate computes the metrics of r against q for every member of q, with the
// definitions of the project's reference metrics.py: a member absent from r scores 0,
// documents are ranked by score (highest first, ties by id) and deduplicated, grades
// above 0 count as relevant for P@10, R@100 and MAP, and nDCG uses gain 2^grade-1 with an
// ideal ranking from the judged grades.
func Evaluate(r Ranking, q Qrels) (perMember map[string]Metrics, mean Metrics) {
	perMember = map[string]Metrics{}
	for _, m := range sortedKeys(q) {
		rel := q[m]
		docs := append([]RankedDoc(nil), r[m]...)
		sort.SliceStable(docs, func(a, b int) bool {
			if docs[a].Score != docs[b].Score {
				return docs[a].Score > docs[b].Score
			}
			return docs[a].ID < docs[b].ID
		})
		seen := map[string]bool{}
		ranked := docs[:0]
		for _, d := range docs {
			if !seen[d.ID] {
				seen[d.ID] = true
				ranked = append(ranked, d)
			}
		}
		var mt Metrics
		var grades []int
		for _, g := range rel {
			grades = append(grades, g)
		}
		p10 := 0
		for i, d := range ranked {
			g := rel[d.ID]
			if i < 10 {
				if g > 0 {
					p10++
				}
				mt.NDCG10 += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
			}
		}
		mt.P10 = float64(p10) / 10
		sort.Sort(sort.Reverse(sort.IntSlice(grades)))
		idcg := 0.0
		for i, g := range grades {
			if i == 10 {
				break
			}
			idcg += (math.Pow(2, float64(g)) - 1) / math.Log2(float64(i+2))
		}
		if idcg > 0 {
			mt.NDCG10 /= idcg
		} else {
			mt.NDCG10 = 0
		}
		// metrics.py divides recall and AP by the number of judged documents.
		judged := len(rel)
		hits, ap := 0, 0.0
		for i, d := range ranked {
			if rel[d.ID] > 0 {
				hits++
				ap += float64(hits) / float64(i+1)
				if i < 100 {
					mt.R100++
				}
			}
		}
		if judged > 0 {
			mt.R100 /= float64(judged)
			mt.MAP = ap / float64(judged)
		}
		perMember[m] = mt
	}
	n := float64(len(perMember))
	for _, m := range sortedKeys(perMember) {
		mt := perMember[m]
		mean.P10 += mt.P10 / n
		mean.NDCG10 += mt.NDCG10 / n
		mean.R100 += mt.R100 / n
		mean.MAP += mt.MAP / n
	}
	return perMember, mean
}
