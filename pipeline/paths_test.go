package pipeline

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
	"github.com/passerelle/passerelle/source"
)

// TestTwoPathsOneScore: the nightly batch (reverse index over profiles) and the one-off match
// of a profile through bleve give the same matches with the same scores. On the whole dev set
// when ../shared is there, on a 300-notice real sample otherwise. One notice in five is made
// a pole's call: tagged with a cluster by its source and stripped of its CPV codes, so that
// the cluster tag and the words are all a match can rest on there. With the default
// threshold, and with a lower one at which a source's cluster tag and the practical signals
// alone keep a match (which only the cluster clause of the candidate query can retrieve),
// and so do codes inferred for a notice without codes (only its uncoded clause can).
func TestTwoPathsOneScore(t *testing.T) {
	for _, min := range []float64{30, 20} {
		t.Run(fmt.Sprint("min score ", min), func(t *testing.T) { twoPathsOneScore(t, min) })
	}
}

func twoPathsOneScore(t *testing.T, minScore float64) {
	notices := "../../shared/data/ted/notices.jsonl"
	members := "../../shared/data/eval/members.json"
	if _, err := os.Stat(notices); err != nil || testing.Short() {
		// The matcher's small real evaluation set (300 TED notices, see its README).
		notices, members = "../matcher/testdata/notices.jsonl", "../matcher/testdata/members.json"
	}
	p := newPipeline(t)
	ctx := context.Background()
	if minScore != matcher.DefaultRules().Thresholds.MinScore {
		r := matcher.DefaultRules()
		r.Thresholds.MinScore = minScore
		if _, err := p.Store.PutRules(ctx, r, now); err != nil {
			t.Fatal(err)
		}
	}
	res, err := p.Fetcher.Load(ctx, passerelle.Source{ID: "ted", URL: notices, Format: "jsonl", Timezone: "Europe/Brussels"}, source.Validators{})
	if err != nil {
		t.Fatal(err)
	}
	// The notices' deadlines are past: move them into the future so that production matching
	// (which skips closed calls) has something to do. Awards stay closed.
	tagged := map[string]bool{}
	for i := range res.Opportunities {
		o := &res.Opportunities[i]
		d := now.AddDate(0, 0, 15+i%60)
		o.Deadline, o.Status = &d, ""
		pub := now.AddDate(0, 0, -(i % 30))
		o.Published = &pub
		if i%5 == 2 {
			o.CPV = nil
			o.Clusters = []string{passerelle.Clusters[(i/5)%len(passerelle.Clusters)]}
			tagged[o.ID] = true
		}
	}
	if _, _, err := p.Save(ctx, res.Opportunities); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(members)
	if err != nil {
		t.Fatal(err)
	}
	var ms []passerelle.Member
	if err := json.Unmarshal(raw, &ms); err != nil {
		t.Fatal(err)
	}
	// Members with two business lines, made of two evaluation members each (the second
	// line with a threshold of its own): both paths must give each pair its best profile.
	for k := 0; k+1 < len(ms) && k < 8; k += 2 {
		a, b := ms[k].EffectiveProfiles()[0], ms[k+1].EffectiveProfiles()[0]
		a.ID, a.Name, b.ID, b.Name = "first", "First", "second", "Second"
		b.MinScore = minScore + float64(k%3)*5
		ms = append(ms, passerelle.Member{ID: fmt.Sprint("duo-", k), Name: "Duo", Tier: passerelle.TierPremium,
			Profiles: []passerelle.Profile{a, b}})
	}
	for _, m := range ms {
		if _, err := p.Store.PutMember(ctx, m, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := p.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	batch := map[string]float64{}
	onTag, tagOnly, inferredOnly, second := 0, 0, 0, 0
	for _, m := range ms {
		got, err := p.Store.Matches(ctx, m.ID)
		if err != nil {
			t.Fatal(err)
		}
		for _, mt := range got {
			batch[m.ID+" "+mt.Opportunity+" "+mt.Profile] = mt.Score
			if mt.Profile == "second" {
				second++
			}
			if !tagged[mt.Opportunity] {
				continue
			}
			topical := map[string]bool{}
			inferred := false
			for _, c := range mt.Explanation.Contributions {
				switch c.Signal {
				case "text", "cpv", "cluster", "sector":
					topical[c.Signal] = true
					inferred = inferred || (c.Signal == "cpv" && strings.Contains(c.Evidence, "inferred"))
					if c.Signal == "cluster" && strings.Contains(c.Evidence, "tagged by the source") {
						onTag++
					}
				}
			}
			if topical["cluster"] && len(topical) == 1 {
				tagOnly++
			}
			if inferred && topical["cpv"] && len(topical) == 1 {
				inferredOnly++ // only the candidate query's clause for notices without codes finds these
			}
		}
	}
	if len(batch) == 0 {
		t.Fatal("the batch path found no match at all")
	}
	if second == 0 {
		t.Error("no kept match comes from a second profile: several profiles are not exercised")
	}
	// At the lower threshold, the cluster clause of the candidate query is exercised only
	// if some kept matches rest on a source's tag alone.
	if minScore < matcher.DefaultRules().Thresholds.MinScore && tagOnly == 0 {
		t.Error("no kept match rests on a source's cluster tag alone: the tagged notices test nothing")
	}
	if minScore < matcher.DefaultRules().Thresholds.MinScore && inferredOnly == 0 {
		t.Error("no kept match rests on an inferred code alone: the retrieval of notices without codes is not exercised")
	}
	t0 := time.Now()
	single := map[string]float64{}
	for _, m := range ms {
		if _, err := p.MatchMember(ctx, m.ID); err != nil {
			t.Fatal(err)
		}
		got, _ := p.Store.Matches(ctx, m.ID)
		for _, mt := range got {
			single[m.ID+" "+mt.Opportunity+" "+mt.Profile] = mt.Score
		}
	}
	t.Logf("%d notices (%d tagged, without codes), %d members: %d pairs above threshold, %d on a cluster tag, %d on it alone, %d on an inferred code alone (profile path took %v)",
		len(res.Opportunities), len(tagged), len(ms), len(batch), onTag, tagOnly, inferredOnly, time.Since(t0))
	diff := 0
	for k, s := range batch {
		if o, ok := single[k]; !ok || math.Abs(o-s) > 1e-9 {
			diff++
			if diff <= 10 {
				t.Errorf("pair %s: batch score %.1f, profile path %s", k, s, fmtScore(o, ok))
			}
		}
	}
	for k, s := range single {
		if _, ok := batch[k]; !ok {
			diff++
			if diff <= 10 {
				t.Errorf("pair %s: profile path score %.1f, not found by the batch", k, s)
			}
		}
	}
	if diff > 0 {
		t.Errorf("%d of %d pairs differ between the two paths", diff, len(batch))
	}
}

func fmtScore(s float64, ok bool) string {
	if !ok {
		return "missing"
	}
	return fmt.Sprintf("%.1f", s)
}
