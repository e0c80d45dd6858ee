package matcher

import (
	"math"
	"sort"
	"strings"
	"unicode"

	passerelle "github.com/passerelle/passerelle"
)

// RankBM25 is the baseline every evaluation prints beside the matcher: plain BM25
// (k1 1.2, b 0.75) over one body per notice — title and description of every text version —
// with each member's skill words of three letters or more OR-ed, as the shared
// baseline_bm25.py does with SQLite FTS5 (unicode61, diacritics removed). It lets `eval`
// show, on any set, how far the matcher is above a ranker that knows nothing of the domain.
func RankBM25(members []passerelle.Member, ops []passerelle.Opportunity, depth int) Ranking {
	const k1, b = 1.2, 0.75
	type posting struct {
		doc int32
		tf  int32
	}
	post := map[string][]posting{}
	lens := make([]float64, len(ops))
	total := 0.0
	for i := range ops {
		tf := map[string]int32{}
		n := 0
		for _, t := range ops[i].Texts() {
			for _, w := range bm25Words(t.Title + "\n" + t.Description) {
				tf[w]++
				n++
			}
		}
		for w, c := range tf {
			post[w] = append(post[w], posting{int32(i), c})
		}
		lens[i] = float64(n)
		total += float64(n)
	}
	avg := math.Max(1, total/math.Max(1, float64(len(ops))))
	N := float64(len(ops))
	rk := Ranking{}
	for _, m := range members {
		seen := map[string]bool{}
		score := map[int32]float64{}
		for _, sk := range m.Skills {
			for _, w := range bm25Words(sk) {
				if len([]rune(w)) <= 2 || seen[w] {
					continue
				}
				seen[w] = true
				ps := post[w]
				df := float64(len(ps))
				idf := math.Log((N-df+0.5)/(df+0.5) + 1)
				for _, p := range ps {
					tf := float64(p.tf)
					score[p.doc] += idf * tf * (k1 + 1) / (tf + k1*(1-b+b*lens[p.doc]/avg))
				}
			}
		}
		rs := make([]RankedDoc, 0, len(score))
		for d, s := range score {
			rs = append(rs, RankedDoc{ID: ops[d].ID, Score: s})
		}
		sort.Slice(rs, func(a, c int) bool {
			if rs[a].Score != rs[c].Score {
				return rs[a].Score > rs[c].Score
			}
			return rs[a].ID < rs[c].ID
		})
		if depth > 0 && len(rs) > depth {
			rs = rs[:depth]
		}
		rk[m.ID] = rs
	}
	return rk
}

// bm25Words splits s as FTS5's unicode61 tokenizer does: lower case, diacritics removed,
// runs of letters and digits.
func bm25Words(s string) []string {
	return strings.FieldsFunc(fold(strings.ToLower(s)), func(r rune) bool {
		return !unicode.IsLetter(r) && !unicode.IsNumber(r)
	})
}
