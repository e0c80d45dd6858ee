package matcher

import (
	"context"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

var now = time.Date(2025, 3, 10, 9, 0, 0, 0, time.UTC)

func days(n int) *time.Time { t := now.Add(time.Duration(n) * 24 * time.Hour); return &t }

func newTestScorer(t testing.TB) *Scorer {
	t.Helper()
	s, err := NewScorer(DefaultRules(), nil)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func cleaner() passerelle.Member {
	return passerelle.Member{ID: "clean", Name: "NetClean", Tier: passerelle.TierPremium,
		Skills: []string{"nettoyage de bureaux", "cleaning of buildings", "entretien des locaux"}}
}

func cleaningTender() passerelle.Opportunity {
	return passerelle.Opportunity{ID: "ted:1", Kind: passerelle.KindTender, Language: "fr",
		Title:       "Nettoyage de bureaux de l'administration communale",
		Description: "Marché de services de nettoyage des locaux et des vitres.",
		CPV:         []string{"90919200"}, Country: "BE", NUTS: []string{"BE352"},
		Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen,
		Value: &passerelle.Money{Amount: 120000, Currency: "EUR"}}
}

func TestDefaultRulesValid(t *testing.T) {
	r := DefaultRules()
	if err := r.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, c := range passerelle.Clusters {
		b, ok := r.Clusters[c]
		if !ok || len(b.CPV) == 0 || len(b.Keywords["fr"]) == 0 || len(b.Keywords["en"]) == 0 || len(b.Keywords["nl"]) == 0 {
			t.Errorf("cluster %s: bundle incomplete: %+v", c, b)
		}
	}
	bad := r
	bad.Weights.Text = -1
	if _, err := NewScorer(bad, nil); err == nil || !strings.Contains(err.Error(), "weights.text") {
		t.Errorf("NewScorer accepted invalid rules: %v", err)
	}
}

func TestVocabulary(t *testing.T) {
	v := DefaultVocabulary()
	if v.Len() != 9454 {
		t.Errorf("Len = %d, want 9454", v.Len())
	}
	if got := v.Label("90910000", "fr"); got != "Services de nettoyage" {
		t.Errorf("Label fr = %q", got)
	}
	for code, want := range map[string]string{"45000000": "45", "72200000": "722", "72210000": "7221", "90911000": "90911", "72212224": "72212224", "99999999": "99999999"} {
		if got := v.Prefix(code); got != want {
			t.Errorf("Prefix(%s) = %s, want %s", code, got, want)
		}
	}
	if _, err := ParseVocabulary(strings.NewReader("code,level,parent,en\n123,group,,x\n")); err == nil || !strings.Contains(err.Error(), "line 2") {
		t.Errorf("bad code not reported with its line: %v", err)
	}
}

func sum(e passerelle.Explanation) float64 {
	t := 0
	for _, c := range e.Contributions {
		t += int(math.Round(c.Points * 10))
	}
	return float64(t) / 10
}

func TestScoreHardFilters(t *testing.T) {
	s := newTestScorer(t)
	tests := []struct {
		name   string
		member func(*passerelle.Member)
		opp    func(*passerelle.Opportunity)
		rules  func(*passerelle.Rules)
		veto   string // substring of the veto, "" for none
		keep   bool
	}{
		{name: "fits", keep: true},
		{name: "basic tier", member: func(m *passerelle.Member) { m.Tier = passerelle.TierBasic }, veto: "premium"},
		{name: "closed by deadline", opp: func(o *passerelle.Opportunity) { o.Deadline = days(-1) }, veto: "closed"},
		{name: "award", opp: func(o *passerelle.Opportunity) { o.Kind = passerelle.KindAward }, veto: "closed"},
		{name: "cancelled", opp: func(o *passerelle.Opportunity) { o.Status = passerelle.StatusCancelled }, veto: "cancelled"},
		{name: "change notice", opp: func(o *passerelle.Opportunity) { o.Changes = "2026-000123" }, veto: "change notice of 2026-000123: applied to that notice"},
		{name: "deadline too close", opp: func(o *passerelle.Opportunity) { o.Deadline = days(2) }, veto: "deadline in 2 days"},
		{name: "untrusted deadline is unknown", opp: func(o *passerelle.Opportunity) { o.Deadline = days(2); o.DeadlineUntrusted = true }, keep: true},
		{name: "next stage too close", opp: func(o *passerelle.Opportunity) {
			o.Stages = []passerelle.Stage{{Name: "letter of intent", Deadline: days(1)}}
		}, veto: "deadline in 1 day"},
		{name: "member exclusion", member: func(m *passerelle.Member) { m.Exclude = []string{"vitres"} }, veto: "excluded word 'vitres' in description"},
		{name: "member exclusion folded", member: func(m *passerelle.Member) { m.Exclude = []string{"ADMINISTRATION"} }, veto: "excluded word 'ADMINISTRATION' in title"},
		{name: "global exclusion", rules: func(r *passerelle.Rules) { r.Exclusions = []string{"administration communale"} }, veto: "global exclusion"},
		{name: "region inside", member: func(m *passerelle.Member) { m.Regions = []string{"BE3"} }, keep: true},
		{name: "region outside", member: func(m *passerelle.Member) { m.Regions = []string{"BE1", "FR"} }, veto: "region: notice in BE352, outside BE1, FR"},
		{name: "region unknown", member: func(m *passerelle.Member) { m.Regions = []string{"BE1"} }, opp: func(o *passerelle.Opportunity) { o.NUTS = nil; o.Country = "" }, keep: true},
		{name: "region by country", member: func(m *passerelle.Member) { m.Regions = []string{"FR"} }, opp: func(o *passerelle.Opportunity) { o.NUTS = nil }, veto: "outside FR"},
		{name: "budget below min", member: func(m *passerelle.Member) { m.Budget = &passerelle.Budget{Min: 200000} }, veto: "below the member's minimum"},
		{name: "budget above max", member: func(m *passerelle.Member) { m.Budget = &passerelle.Budget{Max: 100000} }, veto: "above the member's maximum"},
		{name: "budget inside", member: func(m *passerelle.Member) { m.Budget = &passerelle.Budget{Min: 10000, Max: 500000} }, keep: true},
		{name: "budget other currency not compared", member: func(m *passerelle.Member) { m.Budget = &passerelle.Budget{Max: 1000} },
			opp: func(o *passerelle.Opportunity) { o.Value.Currency = "NOK" }, keep: true},
		{name: "budget value unknown", member: func(m *passerelle.Member) { m.Budget = &passerelle.Budget{Max: 1000} }, opp: func(o *passerelle.Opportunity) { o.Value = nil }, keep: true},
		{name: "member min score", member: func(m *passerelle.Member) { m.MinScore = 99 }, keep: false},
		{name: "empty profile", member: func(m *passerelle.Member) { m.Skills = nil }, veto: "empty profile"},
		{name: "unrelated", opp: func(o *passerelle.Opportunity) {
			o.Title, o.Description, o.CPV = "Fourniture de carburant", "Gasoil pour les véhicules communaux.", []string{"09134100"}
		}, keep: false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sc := s
			if tt.rules != nil {
				r := DefaultRules()
				tt.rules(&r)
				var err error
				if sc, err = NewScorer(r, nil); err != nil {
					t.Fatal(err)
				}
			}
			m, o := cleaner(), cleaningTender()
			if tt.member != nil {
				tt.member(&m)
			}
			if tt.opp != nil {
				tt.opp(&o)
			}
			got, ok := sc.Score(&m, &o, now)
			if tt.veto != "" {
				if !strings.Contains(got.Explanation.Veto, tt.veto) {
					t.Fatalf("veto = %q, want it to contain %q", got.Explanation.Veto, tt.veto)
				}
				if got.Score != 0 || ok || len(got.Explanation.Contributions) != 0 {
					t.Fatalf("vetoed match scored %v ok=%v %+v", got.Score, ok, got.Explanation.Contributions)
				}
				return
			}
			if got.Explanation.Veto != "" {
				t.Fatalf("unexpected veto %q", got.Explanation.Veto)
			}
			if ok != tt.keep {
				t.Fatalf("ok = %v, want %v (score %v: %+v)", ok, tt.keep, got.Score, got.Explanation.Contributions)
			}
			if got.Member != m.ID || got.Opportunity != o.ID || got.State != passerelle.MatchNew || got.RulesVersion != sc.Rules().Version {
				t.Errorf("match header wrong: %+v", got)
			}
		})
	}
}

func TestScoreExplanation(t *testing.T) {
	s := newTestScorer(t)
	m, o := cleaner(), cleaningTender()
	m.Regions = []string{"BE"}
	m.Budget = &passerelle.Budget{Max: 1e6}
	got, ok := s.Score(&m, &o, now)
	if !ok {
		t.Fatalf("not kept: %+v", got)
	}
	if sum(got.Explanation) != got.Score || got.Score <= 0 || got.Score > 100 {
		t.Errorf("contributions add to %v, score %v", sum(got.Explanation), got.Score)
	}
	if got.Score != math.Round(got.Score*10)/10 {
		t.Errorf("score %v not rounded to 0.1", got.Score)
	}
	signals := map[string]string{}
	for _, c := range got.Explanation.Contributions {
		if c.Evidence == "" || c.Points <= 0 {
			t.Errorf("contribution without evidence or points: %+v", c)
		}
		signals[c.Signal] += c.Evidence + "; "
	}
	for sig, want := range map[string]string{
		"text":      "skill 'nettoyage de bureaux' = title 'Nettoyage de bureaux'",
		"cpv":       "main CPV 90919200",
		"deadline":  "deadline in 30 days",
		"freshness": "published 2 days ago",
		"region":    "region BE352 ⊂ BE",
		"budget":    "within budget",
	} {
		if !strings.Contains(signals[sig], want) {
			t.Errorf("signal %s: evidence %q lacks %q", sig, signals[sig], want)
		}
	}
}

// A French skill must find a German notice through the CPV labels, and an English one
// through the words of the title.
func TestScoreMultilingual(t *testing.T) {
	s := newTestScorer(t)
	m := passerelle.Member{ID: "cat", Name: "Cat", Tier: passerelle.TierPremium, Skills: []string{"nettoyage de bureaux"}}
	de := passerelle.Opportunity{ID: "de", Language: "de", Title: "Unterhaltsreinigung der Verwaltungsgebäude", CPV: []string{"90919200"}, Deadline: days(40)}
	off := passerelle.Opportunity{ID: "off", Language: "de", Title: "Straßenbau in der Innenstadt", CPV: []string{"45233140"}, Deadline: days(40)}
	a, _ := s.Topical(&m, &de)
	b, _ := s.Topical(&m, &off)
	if a <= 0 || b != 0 {
		t.Errorf("German office cleaning %v, road works %v", a, b)
	}
	en := passerelle.Member{ID: "sec", Name: "Sec", Tier: passerelle.TierPremium, Skills: []string{"cybersécurité"}}
	o := passerelle.Opportunity{ID: "en", Language: "en", Title: "IT security audit of the ministry", Deadline: days(40)}
	x, e := s.Topical(&en, &o)
	if x <= 0 || !strings.Contains(e.Contributions[0].Evidence, "synonym 'IT security'") {
		t.Errorf("synonym not used: %v %+v", x, e)
	}
}

func TestEmptyProfileMatchesNothing(t *testing.T) {
	s := newTestScorer(t)
	empty := passerelle.Member{ID: "e", Name: "E", Tier: passerelle.TierPremium, Regions: []string{"BE"}, Budget: &passerelle.Budget{Max: 1e9}}
	o := cleaningTender()
	got, ok := s.Score(&empty, &o, now)
	if ok || got.Score != 0 || got.Explanation.Veto == "" {
		t.Errorf("empty profile matched: %+v", got)
	}
	if x, _ := s.Topical(&empty, &o); x != 0 {
		t.Errorf("empty profile topical %v", x)
	}
	if len(NewMonitor(s, []passerelle.Member{empty}).profiles) != 0 {
		t.Error("empty profile indexed")
	}
	// A profile with words that fit nothing gets nothing from the practical signals alone.
	odd := passerelle.Member{ID: "o", Name: "O", Tier: passerelle.TierPremium, Skills: []string{"xylophone"}, Regions: []string{"BE"}}
	if got, ok := s.Score(&odd, &o, now); ok || got.Score != 0 {
		t.Errorf("unrelated profile scored %+v", got)
	}
}

func TestProfileQuery(t *testing.T) {
	s := newTestScorer(t)
	m := passerelle.Member{ID: "w", Name: "W", Tier: passerelle.TierPremium, Clusters: []string{"web"},
		Skills: []string{"services de nettoyage", "ERP"}, CPV: []string{"4821"}}
	terms, cpv := s.ProfileQuery(&m)
	has := func(list []string, x string) bool {
		for _, y := range list {
			if y == x {
				return true
			}
		}
		return false
	}
	for _, want := range []string{"services de nettoyage", "ERP", "enterprise resource planning", "website"} {
		if !has(terms, want) {
			t.Errorf("terms %q lack %q", terms, want)
		}
	}
	// Declared and derived concepts and bundles' prefixes. A broad notice code (48000000
	// for the declared 4821) fits too loosely to reach the default threshold alone.
	for _, want := range []string{"4821", "9091", "724"} {
		if !has(cpv, want) {
			t.Errorf("cpv %q lack %q", cpv, want)
		}
	}
	if has(cpv, "48000000") {
		t.Errorf("cpv %q hold a broad ancestor the default rules do not need", cpv)
	}
	// With a low threshold, a broad notice code alone can make a match: the ancestors of
	// each concept are asked for as exact codes, and concepts are cut to the sound depth.
	low := DefaultRules()
	low.Thresholds.MinScore = 20
	ls, err := NewScorer(low, nil)
	if err != nil {
		t.Fatal(err)
	}
	_, cpv = ls.ProfileQuery(&m)
	for _, want := range []string{"4821", "9091", "724", "48000000", "48200000", "90000000"} {
		if !has(cpv, want) {
			t.Errorf("low threshold: cpv %q lack %q", cpv, want)
		}
	}
	// The tokenizer's reading of a hyphenated word; a one-digit prefix.
	m = passerelle.Member{ID: "e", Name: "E", Tier: passerelle.TierPremium, Skills: []string{"e-learning"}, CPV: []string{"4"}}
	terms, cpv = s.ProfileQuery(&m)
	for _, want := range []string{"e-learning", "elearning"} {
		if !has(terms, want) {
			t.Errorf("terms %q lack %q", terms, want)
		}
	}
	if !has(cpv, "45") || has(cpv, "4") {
		t.Errorf("a one-digit prefix is not spread over its divisions: %q", cpv)
	}
}

// TestProfileQueryReachesCPVMatches: every pair Score keeps on CPV evidence alone is found
// by the CPV prefixes of ProfileQuery, read the way the index reads them (every prefix of 2
// to 8 digits of every notice code). The notices have no text, so only codes can match;
// broad codes (divisions, groups) and near siblings are among them. The bleve path as a
// whole is tested in pipeline (TestTwoPathsOneScore).
func TestProfileQueryReachesCPVMatches(t *testing.T) {
	for _, min := range []float64{30, 20} {
		t.Run(fmt.Sprint("min score ", min), func(t *testing.T) {
			r := DefaultRules()
			r.Thresholds.MinScore = min
			s, err := NewScorer(r, nil)
			if err != nil {
				t.Fatal(err)
			}
			profileQueryReachesCPVMatches(t, s)
		})
	}
}

func profileQueryReachesCPVMatches(t *testing.T, s *Scorer) {
	members, ops := Synthetic(11, 250, 300)
	for i := range ops {
		ops[i].Title, ops[i].Description = "", ""
		if i%4 == 0 {
			c := ops[i].CPV[0]
			ops[i].CPV = append([]string{c[:2+i%3] + strings.Repeat("0", 6-i%3)}, ops[i].CPV...)
		}
	}
	members = append(members, passerelle.Member{ID: "one-digit", Name: "O", Tier: passerelle.TierPremium, CPV: []string{"7"}})
	now := SyntheticNow()
	kept := 0
	for i := range members {
		_, cpv := s.ProfileQuery(&members[i])
		q := map[string]bool{}
		for _, c := range cpv {
			if len(c) < 2 || len(c) > 8 {
				t.Fatalf("%s: prefix %q is not 2 to 8 digits", members[i].ID, c)
			}
			q[c] = true
		}
		for j := range ops {
			mt, ok := s.Score(&members[i], &ops[j], now)
			if !ok {
				continue
			}
			kept++
			found := false
			for _, code := range ops[j].CPV {
				for n := 2; n <= 8 && !found; n++ {
					found = q[code[:n]]
				}
			}
			if !found {
				t.Errorf("%s × %s (%v) kept at %.1f but not retrieved by %q: %+v", members[i].ID, ops[j].ID, ops[j].CPV, mt.Score, cpv, mt.Explanation)
			}
		}
	}
	if kept < 50 {
		t.Errorf("only %d kept pairs: the property is barely exercised", kept)
	}
	t.Logf("%d kept pairs", kept)
}

// Monitor.Match keeps exactly the pairs Score keeps, with the same scores and evidence:
// with the default rules, and with a low threshold at which near siblings and broad
// notice codes alone can make a match (the Monitor's depth cut and ancestor index).
func TestMonitorEqualsScore(t *testing.T) {
	for _, min := range []float64{30, 20} {
		for _, withCorpus := range []bool{false, true} {
			t.Run(fmt.Sprint("min score ", min, " corpus ", withCorpus), func(t *testing.T) {
				r := DefaultRules()
				r.Thresholds.MinScore = min
				s, err := NewScorer(r, nil)
				if err != nil {
					t.Fatal(err)
				}
				monitorEqualsScore(t, s, withCorpus)
			})
		}
	}
}

func monitorEqualsScore(t *testing.T, s *Scorer, withCorpus bool) {
	members, ops := Synthetic(7, 300, 200)
	// Broad notice codes (a group, a division) exercise the Monitor's ancestor index.
	for i := 0; i < len(ops); i += 5 {
		c := ops[i].CPV[0]
		ops[i].CPV = append([]string{c[:2+i%2] + strings.Repeat("0", 6-i%2)}, ops[i].CPV...)
	}
	// Notices without codes, as pole calls come: the words earn the CPV weight too
	// (textExtra), which the Monitor's bound must allow for.
	for i := 1; i < len(ops); i += 6 {
		ops[i].CPV = nil
	}
	deadline := SyntheticNow().AddDate(0, 0, 20)
	ops = append(ops,
		passerelle.Opportunity{ID: "pole:1", Kind: passerelle.KindCall, Language: "fr", Title: "Plateforme de sécurité réseau",
			Description: "Pare-feu et détection d'intrusion.", Deadline: &deadline, Status: passerelle.StatusOpen},
		passerelle.Opportunity{ID: "pole:2", Kind: passerelle.KindCall, Language: "fr", Title: "Exploitation de grappes Kubernetes",
			CPV: []string{"72000000"}, Deadline: &deadline, Status: passerelle.StatusOpen})
	// A few edge profiles beside the synthetic ones; the last two name no CPV code.
	members = append(members,
		passerelle.Member{ID: "netsec", Name: "N", Tier: passerelle.TierPremium, Skills: []string{"sécurité réseau", "détection d'intrusion"}},
		passerelle.Member{ID: "kube", Name: "K", Tier: passerelle.TierPremium, Skills: []string{"Kubernetes", "DevOps"}},
		passerelle.Member{ID: "basic", Name: "B", Tier: passerelle.TierBasic, Skills: []string{"nettoyage"}},
		passerelle.Member{ID: "cpv-only", Name: "C", Tier: passerelle.TierPremium, CPV: []string{"90"}},
		passerelle.Member{ID: "cluster-only", Name: "C", Tier: passerelle.TierPremium, Clusters: []string{"web"}},
		passerelle.Member{ID: "empty", Name: "E", Tier: passerelle.TierPremium},
		passerelle.Member{ID: "lab", Name: "L", Tier: passerelle.TierPremium, Organisation: passerelle.OrgResearch, Skills: []string{"sécurité réseau"}})
	// An instrument an SME may not apply to: vetoed in both paths alike.
	ops = append(ops, passerelle.Opportunity{ID: "fts:erc", Kind: passerelle.KindCall, Language: "fr", Title: "Sécurité réseau et détection d'intrusion",
		ActionType: "HORIZON ERC Grants", Deadline: &deadline, Status: passerelle.StatusOpen})
	// Coded notices alike, and one without codes that borrows theirs (inferred codes).
	for i := 0; i < 6; i++ {
		ops = append(ops, passerelle.Opportunity{ID: fmt.Sprint("av:", i), Kind: passerelle.KindTender, Language: "fr",
			Title: "Licences de logiciels antivirus pour les postes de travail", CPV: []string{"48761000"}, Deadline: &deadline, Status: passerelle.StatusOpen})
	}
	ops = append(ops, passerelle.Opportunity{ID: "av:uncoded", Kind: passerelle.KindTender, Language: "fr",
		Title: "Renouvellement des licences antivirus des postes de travail", Deadline: &deadline, Status: passerelle.StatusOpen})
	members = append(members, passerelle.Member{ID: "av", Name: "AV", Tier: passerelle.TierPremium, Skills: []string{"logiciels antivirus"}})
	// Members with several profiles made of synthetic ones, each profile with its own
	// threshold, exclusions and regions: one match per pair, its best profile's.
	for k := 0; k < 40; k++ {
		pa, pb := members[k].EffectiveProfiles()[0], members[k+150].EffectiveProfiles()[0]
		pa.ID, pa.Name, pb.ID, pb.Name = "a", "A", "b", "B"
		pb.MinScore = float64(25 + k%3*10)
		if k%4 == 0 {
			pb.Exclude = append(slices.Clone(pb.Exclude), "nettoyage")
		}
		members = append(members, passerelle.Member{ID: fmt.Sprint("multi", k), Name: "M", Tier: passerelle.TierPremium,
			Profiles: []passerelle.Profile{pa, {ID: "empty", Name: "E", Regions: []string{"BE"}}, pb}})
	}
	if withCorpus {
		// Word frequencies weigh text hits (and move scores across the threshold).
		c, _ := CorpusOf(nil, ops, false)
		s.SetCorpus(c)
	}
	mon := NewMonitor(s, members)
	now := SyntheticNow()
	got, err := mon.Match(context.Background(), ops, now)
	if err != nil {
		t.Fatal(err)
	}
	type key struct{ m, o string }
	byPair := map[key]passerelle.Match{}
	for _, g := range got {
		byPair[key{g.Member, g.Opportunity}] = g
	}
	if len(byPair) != len(got) {
		t.Errorf("duplicate matches")
	}
	kept, noCodes, inferredKept, second := 0, 0, 0, 0
	for i := range members {
		for j := range ops {
			want, ok := s.Score(&members[i], &ops[j], now)
			g, found := byPair[key{members[i].ID, ops[j].ID}]
			if ok != found {
				t.Fatalf("%s × %s: Score ok=%v (%.1f %+v), Monitor found=%v", members[i].ID, ops[j].ID, ok, want.Score, want.Explanation, found)
			}
			if !ok {
				continue
			}
			kept++
			if g.Profile != want.Profile {
				t.Fatalf("%s × %s: Monitor names profile %q, Score %q", members[i].ID, ops[j].ID, g.Profile, want.Profile)
			}
			if want.Profile == "b" {
				second++
			}
			if len(ops[j].CPV) == 0 {
				noCodes++
			}
			for _, c := range want.Explanation.Contributions {
				if c.Signal == "cpv" && strings.Contains(c.Evidence, "inferred") {
					inferredKept++
				}
			}
			if g.Score != want.Score || len(g.Explanation.Contributions) != len(want.Explanation.Contributions) {
				t.Fatalf("%s × %s: Monitor %v, Score %v", members[i].ID, ops[j].ID, g, want)
			}
			for k := range g.Explanation.Contributions {
				if !reflect.DeepEqual(g.Explanation.Contributions[k], want.Explanation.Contributions[k]) {
					t.Fatalf("%s × %s: evidence differs: %+v vs %+v", members[i].ID, ops[j].ID, g.Explanation.Contributions[k], want.Explanation.Contributions[k])
				}
			}
		}
	}
	if kept < 50 {
		t.Errorf("only %d kept pairs: the property is barely exercised", kept)
	}
	if second == 0 {
		t.Error("no kept pair comes from a second profile: several profiles are not exercised")
	}
	if _, ok := byPair[key{"netsec", "fts:erc"}]; ok {
		t.Error("an SME was matched with an ERC grant")
	}
	if _, ok := byPair[key{"lab", "fts:erc"}]; !ok {
		t.Error("a research body was not matched with an ERC grant on its own words")
	}
	for _, k := range []key{{"netsec", "pole:1"}, {"kube", "pole:2"}} {
		if _, ok := byPair[k]; !ok {
			t.Errorf("%s × %s not kept: words alone must carry a match where codes are missing", k.m, k.o)
		}
	}
	t.Logf("%d kept pairs of %d (%d on notices without codes, %d with an inferred code)", kept, len(members)*len(ops), noCodes, inferredKept)
	if withCorpus && inferredKept == 0 {
		t.Error("no kept pair rests on an inferred code: the Monitor's retrieval by inferred codes is not exercised")
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := mon.Match(ctx, ops, now); err == nil {
		t.Error("cancelled context not reported")
	}
}

// A broad CPV fit — a division-wide concept, or a notice code beside the member's rather
// than under it — counts loneBroadCPV when nothing else agrees, in full beside other
// evidence; a specific fit counts in full alone.
func TestLoneBroadCPV(t *testing.T) {
	s := newTestScorer(t)
	notice := func(title string, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: "n", Kind: passerelle.KindTender, Language: "fr", Title: title,
			CPV: cpv, Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen}
	}
	member := func(cpv string, skills ...string) passerelle.Member {
		return passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, CPV: []string{cpv}, Skills: skills}
	}
	cpvOf := func(m passerelle.Match) passerelle.Contribution {
		for _, c := range m.Explanation.Contributions {
			if c.Signal == "cpv" {
				return c
			}
		}
		return passerelle.Contribution{}
	}
	full := DefaultRules().Weights.CPV
	for _, tc := range []struct {
		name    string
		m       passerelle.Member
		o       passerelle.Opportunity
		points  float64
		halved  bool
		keptNow bool
	}{
		{"division alone", member("45"), notice("Travaux", "45213000"), full * loneBroadCPV, true, false},
		{"division with words", member("45", "travaux de toiture"), notice("Travaux de toiture", "45213000"), full, false, true},
		// A part of a skill's words ("charpente" of "charpente métallique") corroborates
		// nothing: the fit stays halved (the part's own points still count).
		{"division with a part of a skill", member("45", "charpente métallique"), notice("Travaux de charpente", "45213000"), full * loneBroadCPV, true, true},
		{"class alone", member("4521"), notice("Travaux", "45213000"), full, false, true},
		// 4526 and 4521 share the group 452: a sibling, sim 0.4.
		{"sibling alone", member("4526"), notice("Travaux", "45213000"), full * 0.4 * loneBroadCPV, true, false},
		// A notice coded with the division only is broader than the member's class.
		{"broad notice alone", member("4521"), notice("Travaux", "45000000"), full * 0.3 * loneBroadCPV, true, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := s.Score(&tc.m, &tc.o, now)
			c := cpvOf(got)
			if math.Abs(c.Points-math.Round(tc.points*10)/10) > 0.05 {
				t.Errorf("cpv points %.1f, want %.1f (%+v)", c.Points, tc.points, got.Explanation)
			}
			if tc.halved != strings.Contains(c.Evidence, "no skill found whole, no cluster or sector") {
				t.Errorf("evidence %q: discount said %v, want %v", c.Evidence, !tc.halved, tc.halved)
			}
			if ok != tc.keptNow {
				t.Errorf("kept %v at %.1f, want %v", ok, got.Score, tc.keptNow)
			}
			if math.Abs(sum(got.Explanation)-got.Score) > 1e-9 {
				t.Errorf("contributions add up to %.1f, score %.1f", sum(got.Explanation), got.Score)
			}
		})
	}
}

// Missing CPV codes are not disagreement: on a notice without codes (a pole's RSS call),
// or for a profile whose words name no code, the skills found whole earn the CPV weight
// too, each contribution saying so; parts of skills, unrelated profiles and notices whose
// codes say another trade get nothing more.
func TestTextWithoutCPV(t *testing.T) {
	s := newTestScorer(t)
	w := DefaultRules().Weights
	zeroCPV := DefaultRules()
	zeroCPV.Weights.CPV = 0
	sz, err := NewScorer(zeroCPV, nil)
	if err != nil {
		t.Fatal(err)
	}
	call := func(title, desc string, cpv ...string) passerelle.Opportunity {
		return passerelle.Opportunity{ID: "call", Kind: passerelle.KindCall, Language: "fr", Title: title, Description: desc,
			CPV: cpv, Country: "FR", Deadline: days(20), Status: passerelle.StatusOpen}
	}
	member := func(clusters []string, skills ...string) passerelle.Member {
		return passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Clusters: clusters, Skills: skills}
	}
	netsec := []string{"sécurité réseau", "détection d'intrusion"}
	security := []string{passerelle.ClusterSecurity}
	secCall := call("Plateforme de sécurité réseau", "Pare-feu et détection d'intrusion.")
	for _, tc := range []struct {
		name string
		s    *Scorer
		m    passerelle.Member
		o    passerelle.Opportunity
		kept bool
		note string // "" when no text contribution may carry a note
		// text is the least the text contributions must add up to (0: at most w.Text).
		text float64
	}{
		// These two skills name no CPV code either: without codes on the notice, the
		// notice's reason is the one given.
		{"skills verbatim, no codes", s, member(security, netsec...), secCall, true, "notice without CPV codes", w.Text},
		{"no cluster: the words alone", s, member(nil, netsec...), secCall, true, "notice without CPV codes", w.Text},
		{"part of a skill earns nothing more", s, member(nil, "détection d'intrusion réseau"), call("Détection d'intrusion", ""), false, "", 0},
		{"unrelated profile", s, member(nil, "xylophone"), secCall, false, "", 0},
		// The profile names codes through "logiciels antivirus"; the notice's say road works.
		{"codes of another trade", s, member(security, "logiciels antivirus", "sécurité réseau", "détection d'intrusion"), call("Plateforme de sécurité réseau", "Pare-feu et détection d'intrusion.", "45233140"), false, "", 0},
		{"profile naming no code", s, member(nil, "Kubernetes"), call("Exploitation de grappes Kubernetes", "", "72000000"), true, "profile naming no CPV code", w.Text},
		{"CPV weight 0", sz, member(nil, netsec...), secCall, false, "", 0},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, ok := tc.s.Score(&tc.m, &tc.o, now)
			if ok != tc.kept {
				t.Errorf("kept %v at %.1f, want %v: %+v", ok, got.Score, tc.kept, got.Explanation)
			}
			if math.Abs(sum(got.Explanation)-got.Score) > 1e-9 {
				t.Errorf("contributions add up to %.1f, score %.1f", sum(got.Explanation), got.Score)
			}
			text, noted := 0.0, 0
			for _, c := range got.Explanation.Contributions {
				if c.Signal != "text" {
					continue
				}
				text += c.Points
				if strings.Contains(c.Evidence, "also earn the CPV weight") {
					noted++
					if tc.note == "" || !strings.Contains(c.Evidence, tc.note) {
						t.Errorf("evidence %q: want no note or %q", c.Evidence, tc.note)
					}
				}
			}
			if tc.text > 0 && (text <= tc.text || noted == 0) {
				t.Errorf("text gave %.1f in %d noted contributions, want more than %.1f: %+v", text, noted, tc.text, got.Explanation)
			}
			if tc.name == "part of a skill earns nothing more" && text <= 0 {
				t.Error("the part of the skill was not found: the case tests nothing")
			}
			if tc.text == 0 && text > w.Text+0.05 {
				t.Errorf("text gave %.1f, above its weight %.1f", text, w.Text)
			}
			// Topical ranks by the same rule.
			x, _ := tc.s.Topical(&tc.m, &tc.o)
			if tc.kept && x <= w.Text {
				t.Errorf("topical %.1f", x)
			}
		})
	}
	// The profile side is read from the whole profile: a skill that names codes gives the
	// profile codes to compare, and the words alone earn no more on a coded notice.
	p := s.compileAll(&passerelle.Member{ID: "k", Tier: passerelle.TierPremium, Skills: []string{"Kubernetes", "nettoyage de bureaux"}})[0]
	if p.noCPV {
		t.Error("a profile with a skill naming codes marked as naming none")
	}
}

// Retrieval adds to ProfileQuery the scorer's stems of the words that can match, and the
// member's clusters and sectors, whose tags by a source count (when their weight does).
func TestRetrieval(t *testing.T) {
	r := DefaultRules()
	r.Sectors = map[string]passerelle.Bundle{"agrifood": {Keywords: map[string][]string{"fr": {"agroalimentaire"}}}}
	s, err := NewScorer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	m := passerelle.Member{ID: "c", Name: "C", Tier: passerelle.TierPremium, Skills: []string{"services de bus"},
		Clusters: []string{"iot", "iot", "unknown"}, Sectors: []string{"agrifood"}}
	q := s.Retrieval(&m)
	terms, cpv := s.ProfileQuery(&m)
	if !slices.Equal(terms, q.Terms) || !slices.Equal(cpv, q.CPV) {
		t.Errorf("ProfileQuery %q %q, Retrieval %+v", terms, cpv, q)
	}
	if !slices.Equal(q.Clusters, []string{"iot"}) || !slices.Equal(q.Sectors, []string{"agrifood"}) {
		t.Errorf("clusters %q, sectors %q", q.Clusters, q.Sectors)
	}
	// "bus" is the rare word of the skill; French "buses" is read as it.
	if !slices.Contains(q.Stems, "bus") || !slices.Contains(analyze("buses", langFR), "bus") {
		t.Errorf("stems %q lack \"bus\"", q.Stems)
	}
	// A signal that counts nothing retrieves nothing.
	r.Weights.Cluster, r.Weights.Sector = 0, 0
	s0, err := NewScorer(r, nil)
	if err != nil {
		t.Fatal(err)
	}
	if q := s0.Retrieval(&m); len(q.Clusters)+len(q.Sectors) != 0 {
		t.Errorf("weights 0: clusters %q, sectors %q", q.Clusters, q.Sectors)
	}
}

// The serious-games bundle names training simulators, not every simulation: a research
// call's numerical simulation is no game.
func TestSeriousGamesKeywordIsTraining(t *testing.T) {
	s := newTestScorer(t)
	m := passerelle.Member{ID: "m", Name: "M", Tier: passerelle.TierPremium, Clusters: []string{passerelle.ClusterSeriousGames}, Skills: []string{"jeux vidéo"}}
	for _, tc := range []struct {
		title string
		want  bool
	}{
		{"Numerical simulation of plasma turbulence in fusion reactors", false},
		{"Training simulator for firefighters", true},
		{"Simulateur de formation pour les conducteurs de train", true},
	} {
		o := passerelle.Opportunity{ID: "n", Kind: passerelle.KindCall, Language: "en", Title: tc.title, Status: passerelle.StatusOpen, Deadline: days(30)}
		if tc.title[0] == 'S' {
			o.Language = "fr"
		}
		got, _ := s.Score(&m, &o, now)
		has := false
		for _, c := range got.Explanation.Contributions {
			has = has || c.Signal == "cluster"
		}
		if has != tc.want {
			t.Errorf("%q: cluster evidence %v, want %v (%+v)", tc.title, has, tc.want, got.Explanation)
		}
	}
}
