package matcher

import (
	"context"
	"fmt"
	"reflect"
	"sync"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// The Monitor's bound is never below the score of a candidate it bounds: every retrieved
// candidate is scored in full beside its bound (Monitor.audit), ruled out or not. A bound
// below a score would lose that pair whenever the score reaches the threshold and the
// bound does not. Profiles that do not fit in the packed form are there on purpose: more
// CPV divisions than it holds, dozens of skills, sectors beyond the 32 of its masks,
// several regions.
func TestMonitorBoundNeverBelowScore(t *testing.T) {
	for _, min := range []float64{30, 15} {
		t.Run(fmt.Sprint("min score ", min), func(t *testing.T) {
			r := DefaultRules()
			r.Thresholds.MinScore = min
			r.Sectors = map[string]passerelle.Bundle{}
			for k := 0; k < 40; k++ {
				r.Sectors[fmt.Sprintf("s%02d", k)] = passerelle.Bundle{
					Keywords: map[string][]string{"fr": {fmt.Sprintf("secteur%02d", k)}}, CPV: []string{fmt.Sprint(10 + k)}}
			}
			s, err := NewScorer(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			members, ops := Synthetic(11, 500, 300)
			for k := range ops {
				if k%3 == 0 {
					ops[k].Title += fmt.Sprintf(" secteur%02d", 30+k%10)
				}
			}
			// The skills of many synthetic members at once: many divisions, many skills.
			var wide passerelle.Member
			for k := 0; k < 60; k++ {
				wide.Skills = append(wide.Skills, members[k].Skills...)
			}
			wide.ID, wide.Name, wide.Tier = "wide", "W", passerelle.TierPremium
			wide.Sectors = []string{"s05", "s33", "s39"}
			wide.Regions = []string{"BE1", "BE2", "FR"}
			sectorsOnly := passerelle.Member{ID: "sectors", Name: "S", Tier: passerelle.TierPremium, Sectors: []string{"s31", "s36"}}
			members = append(members, wide, sectorsOnly)
			c, _ := CorpusOf(nil, ops, false)
			s.SetCorpus(c)
			mon := NewMonitor(s, members)
			var mu sync.Mutex
			audited, tight := 0, 0
			var wideSlot int32 = -1
			for i := range mon.profiles {
				if mon.profiles[i].id == "wide" {
					wideSlot = int32(i)
				}
			}
			if h := mon.hot[wideSlot]; h.nDiv != hotDivs || !h.anySector || h.regMode != regMany {
				t.Fatalf("the wide profile fits in the packed form (%+v): the fallbacks are not exercised", h)
			}
			wideAudited := 0
			mon.audit = func(slot int32, ub float64, sc scored) {
				mu.Lock()
				defer mu.Unlock()
				if sc.veto != "" || sc.topical <= 0 {
					return
				}
				audited++
				if slot == wideSlot {
					wideAudited++
				}
				if ub < sc.score {
					t.Errorf("profile %s: bound %.3f below its score %.1f", mon.profiles[slot].id, ub, sc.score)
				}
				if ub < sc.score+5 {
					tight++
				}
			}
			now := SyntheticNow()
			got, err := mon.Match(context.Background(), ops, now)
			if err != nil {
				t.Fatal(err)
			}
			if audited < 500 || wideAudited < 20 {
				t.Fatalf("%d candidates audited (%d of the wide profile): too few to say anything", audited, wideAudited)
			}
			t.Logf("%d candidates audited, %d bounded within 5 points of their score; %d kept", audited, tight, len(got))
			// And the profiles packed with fallbacks get exactly Score's matches.
			type key struct{ m, o string }
			byPair := map[key]passerelle.Match{}
			for _, g := range got {
				byPair[key{g.Member, g.Opportunity}] = g
			}
			kept := 0
			for _, m := range members[len(members)-2:] {
				for j := range ops {
					want, ok := s.Score(&m, &ops[j], now)
					g, found := byPair[key{m.ID, ops[j].ID}]
					if ok != found {
						t.Fatalf("%s × %s: Score ok=%v (%.1f), Monitor found=%v", m.ID, ops[j].ID, ok, want.Score, found)
					}
					if ok {
						kept++
						if g.Score != want.Score || !reflect.DeepEqual(g.Explanation, want.Explanation) {
							t.Fatalf("%s × %s: Monitor %+v, Score %+v", m.ID, ops[j].ID, g, want)
						}
					}
				}
			}
			if kept == 0 {
				t.Error("the unusual profiles keep nothing: their matches are not compared")
			}
		})
	}
}
