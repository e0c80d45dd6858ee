package store

import (
	"context"
	"fmt"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

// benchOpp is a notice of realistic size: a title, a ~1 KB description, a translation,
// CPV and NUTS codes.
func benchOpp(i int) passerelle.Opportunity {
	o := opp(fmt.Sprintf("ted:%07d-2025", i), fmt.Sprintf("Provision of managed security services, lot %d", i))
	o.Description = strings.Repeat("The contracting authority seeks a provider of cloud hosting and security monitoring. ", 12)
	o.Translations = map[string]passerelle.Text{"fr": {Title: "Services de sécurité gérés", Description: "Le pouvoir adjudicateur cherche un prestataire."}}
	o.NUTS = []string{"BE332"}
	o.CPV = []string{"72212730", "79714000"}
	o.Country = "BE"
	o.URL = "https://ted.europa.eu/en/notice/-/detail/" + o.ID
	return o
}

// BenchmarkPutOpportunities stores new notices in batches of 1000, one transaction each,
// as the ingest pipeline does.
func BenchmarkPutOpportunities(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	const batch = 1000
	ops := make([]passerelle.Opportunity, batch)
	next := 0
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		b.StopTimer()
		for j := range ops {
			ops[j] = benchOpp(next)
			next++
		}
		b.StartTimer()
		if _, err := db.PutOpportunities(ctx, ops, t0); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "notices/s")
}

// BenchmarkPutOpportunitiesUnchanged re-puts known, unchanged notices: the nightly case
// where a feed mostly repeats itself.
func BenchmarkPutOpportunitiesUnchanged(b *testing.B) {
	ctx := context.Background()
	db := openTest(b)
	const batch = 1000
	ops := make([]passerelle.Opportunity, batch)
	for j := range ops {
		ops[j] = benchOpp(j)
	}
	if _, err := db.PutOpportunities(ctx, ops, t0); err != nil {
		b.Fatal(err)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if _, err := db.PutOpportunities(ctx, ops, t0.Add(time.Hour)); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.N*batch)/b.Elapsed().Seconds(), "notices/s")
}

// BenchmarkMatches lists the matches of a member who has 500, among 200 members with as
// many: what GET /members/{id}/matches costs in the store.
func BenchmarkMatches(b *testing.B) {
	ctx := context.Background()
	db := benchMatchesDB(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		ms, err := db.Matches(ctx, fmt.Sprintf("member-%03d", i%benchMembers))
		lat = append(lat, time.Since(start))
		if err != nil || len(ms) != benchPerMember {
			b.Fatalf("Matches: %d, %v", len(ms), err)
		}
	}
	reportP99(b, lat)
}

// reportP99 adds the 99th percentile latency to a benchmark's figures: the API's target
// is a p99, and a mean hides the tail.
func reportP99(b *testing.B, lat []time.Duration) {
	sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}

// BenchmarkMatchesPage reads the first page of 50 of a member who has 500 matches, the way
// the API lists them.
func BenchmarkMatchesPage(b *testing.B) {
	ctx := context.Background()
	db := benchMatchesDB(b)
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		start := time.Now()
		pg, err := db.MatchesPage(ctx, fmt.Sprintf("member-%03d", i%benchMembers), MatchQuery{Limit: 50, MinScore: 10})
		lat = append(lat, time.Since(start))
		if err != nil || len(pg.Matches) != 50 || pg.Next == "" || pg.Total != 450 {
			b.Fatalf("MatchesPage: %d of %d, %v", len(pg.Matches), pg.Total, err)
		}
	}
	reportP99(b, lat)
}

const benchMembers, benchPerMember = 200, 500

func benchMatchesDB(b *testing.B) *DB {
	ctx := context.Background()
	db := openTest(b)
	const members, perMember = benchMembers, benchPerMember
	for m := 0; m < members; m++ {
		id := fmt.Sprintf("member-%03d", m)
		if _, err := db.CreateMember(ctx, member(id), t0); err != nil {
			b.Fatal(err)
		}
		ms := make([]passerelle.Match, perMember)
		for i := range ms {
			ms[i] = passerelle.Match{
				Member: id, Opportunity: fmt.Sprintf("ted:%07d-2025", (i*7919+m)%100000),
				Score: float64((i * 37) % 100), RulesVersion: 1,
				Explanation: passerelle.Explanation{Contributions: []passerelle.Contribution{
					{Signal: "text", Evidence: "skill 'cybersécurité' ~ title term 'sécurité informatique'", Points: 14},
					{Signal: "text", Evidence: "skill 'pentest' ~ description term 'penetration testing'", Points: 9},
					{Signal: "cluster", Evidence: "cluster security", Points: 10},
					{Signal: "cpv", Evidence: "CPV 72212730 ⊂ bundle security", Points: 12},
					{Signal: "region", Evidence: "NUTS BE332 ⊂ region BE3", Points: 5},
					{Signal: "deadline", Evidence: "deadline in 5 days", Points: 3},
				}},
			}
		}
		if _, err := db.PutMatches(ctx, ms, t0); err != nil {
			b.Fatal(err)
		}
	}
	return db
}
