package notify

import (
	"fmt"
	"io"
	"testing"
)

// manyItems makes n matches of codeloop by cycling the fixture with distinct ids and scores.
func manyItems(b *testing.B, n int) []Item {
	base := fixtureItems(b, "codeloop")[:3]
	out := make([]Item, n)
	for i := range out {
		it := base[i%len(base)]
		id := fmt.Sprintf("bench:%06d", i)
		it.Match.Opportunity, it.Opportunity.ID = id, id
		it.Match.Score = float64(i*7919%100) + 0.5
		out[i] = it
	}
	return out
}

// go test -run '^$' -bench . -benchmem ./notify
func BenchmarkBuild10k(b *testing.B) {
	items := manyItems(b, 10000)
	m, now, loc := codeloop(), clock(b), brussels(b)
	b.ResetTimer()
	for b.Loop() {
		if _, ok := Build(m, items, 20, now, loc); !ok {
			b.Fatal("no digest")
		}
	}
}

func BenchmarkDigestBodies20(b *testing.B) {
	d, _ := Build(codeloop(), manyItems(b, 20), 20, clock(b), brussels(b))
	for b.Loop() {
		_ = d.TextBody()
		_ = d.HTMLBody()
	}
}

func BenchmarkWriteAtom1k(b *testing.B) {
	items, m, now := manyItems(b, 1000), codeloop(), clock(b)
	for b.Loop() {
		if err := WriteAtom(io.Discard, m, items, "https://p.example/feeds/t.atom", now); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkWriteICS1k(b *testing.B) {
	items, m, now := manyItems(b, 1000), codeloop(), clock(b)
	for b.Loop() {
		if err := WriteICS(io.Discard, m, items, now); err != nil {
			b.Fatal(err)
		}
	}
}
