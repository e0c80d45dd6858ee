package matcher

import (
	"context"
	"reflect"
	"strings"
	"testing"

	passerelle "github.com/passerelle/passerelle"
)

// twoLines is a company with two business lines: office cleaning in Brussels (which
// refuses anything about windows) and software security, anywhere, with a high threshold.
func twoLines() passerelle.Member {
	return passerelle.Member{ID: "duo", Name: "Duo", Tier: passerelle.TierPremium, Profiles: []passerelle.Profile{
		{ID: "clean", Name: "Nettoyage", Skills: []string{"nettoyage de bureaux", "entretien des locaux"},
			Regions: []string{"BE1"}, Exclude: []string{"vitres"}},
		{ID: "secu", Name: "Sécurité", Skills: []string{"tests d'intrusion", "sécurité informatique"}, MinScore: 45},
	}}
}

func TestProfilesScoreOnTheirOwn(t *testing.T) {
	s := newTestScorer(t)
	m := twoLines()
	// Cleaning in BE352 with windows: the cleaning profile is vetoed twice over (region,
	// exclusion), and the security profile finds nothing: no match, and the veto names
	// the profile it comes from.
	o := cleaningTender()
	got, ok := s.Score(&m, &o, now)
	if ok {
		t.Fatalf("kept %+v", got)
	}
	if !strings.Contains(got.Explanation.Veto, "'clean'") {
		t.Errorf("veto does not name the profile: %q", got.Explanation.Veto)
	}
	// The same tender in Brussels without windows: the cleaning profile keeps it.
	o.NUTS, o.Description = []string{"BE100"}, "Marché de services de nettoyage des locaux."
	got, ok = s.Score(&m, &o, now)
	if !ok || got.Profile != "clean" {
		t.Fatalf("cleaning in Brussels: ok=%v %+v", ok, got)
	}
	// Alone, the cleaning profile scores the same: profiles do not lend each other points.
	alone := passerelle.Member{ID: "duo", Name: "Duo", Tier: passerelle.TierPremium, Profiles: m.Profiles[:1]}
	if a, _ := s.Score(&alone, &o, now); a.Score != got.Score || !reflect.DeepEqual(a.Explanation, got.Explanation) {
		t.Errorf("two profiles %v, the first alone %v", got, a)
	}
	// The security profile's exclusions and regions do not apply to it: a pentest in
	// Namur with windows in its text is kept, by "secu", above its own threshold.
	sec := passerelle.Opportunity{ID: "ted:2", Kind: passerelle.KindTender, Language: "fr",
		Title:       "Tests d'intrusion et audit de sécurité informatique",
		Description: "Tests d'intrusion des applications, y compris le contrôle d'accès aux vitres connectées.",
		CPV:         []string{"72212730"}, Country: "BE", NUTS: []string{"BE352"},
		Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen}
	got, ok = s.Score(&m, &sec, now)
	if !ok || got.Profile != "secu" || got.Score < 45 {
		t.Fatalf("pentest: ok=%v %+v", ok, got)
	}
	// Each profile's threshold is its own: above that score the security profile drops it,
	// and the cleaning profile does not pick it up.
	m.Profiles[1].MinScore = min(100, got.Score+1)
	if got, ok := s.Score(&m, &sec, now); ok {
		t.Errorf("kept under a threshold above its score: %+v", got)
	}
	m.Profiles[1].MinScore = 45
	// An empty profile matches nothing, and leaves the other to match.
	m.Profiles[0] = passerelle.Profile{ID: "clean", Name: "Nettoyage", Regions: []string{"BE1"}}
	if got, ok := s.Score(&m, &sec, now); !ok || got.Profile != "secu" {
		t.Errorf("beside an empty profile: ok=%v %+v", ok, got)
	}
	// Topical fit and retrieval: one query per non-empty profile, named.
	m = twoLines()
	rs := s.Retrievals(&m)
	if len(rs) != 2 || rs[0].Profile != "clean" || rs[1].Profile != "secu" {
		t.Fatalf("retrievals %+v", rs)
	}
	u := s.Retrieval(&m)
	for _, r := range rs {
		for _, term := range r.Terms {
			if !containsString(u.Terms, term) {
				t.Errorf("union lacks %q of %s", term, r.Profile)
			}
		}
	}
	if x, _ := s.Topical(&m, &sec); x <= 0 {
		t.Errorf("topical %v", x)
	}
}

func containsString(xs []string, x string) bool {
	for _, y := range xs {
		if y == x {
			return true
		}
	}
	return false
}

// The batch path gives a member with several profiles what Score gives it: one match
// per notice, its best profile's, named.
func TestMonitorProfiles(t *testing.T) {
	s := newTestScorer(t)
	m := twoLines()
	o := cleaningTender()
	o.NUTS, o.Description = []string{"BE100"}, "Marché de services de nettoyage des locaux."
	sec := passerelle.Opportunity{ID: "ted:2", Kind: passerelle.KindTender, Language: "fr",
		Title: "Tests d'intrusion et audit de sécurité informatique", CPV: []string{"72212730"},
		Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen}
	both := passerelle.Opportunity{ID: "ted:3", Kind: passerelle.KindTender, Language: "fr",
		Title:    "Nettoyage de bureaux et sécurité informatique des locaux",
		Deadline: days(30), Published: days(-2), Status: passerelle.StatusOpen, NUTS: []string{"BE100"}}
	ops := []passerelle.Opportunity{o, sec, both}
	got, err := NewMonitor(s, []passerelle.Member{m}).Match(context.Background(), ops, now)
	if err != nil {
		t.Fatal(err)
	}
	want := map[string]passerelle.Match{}
	for i := range ops {
		if w, ok := s.Score(&m, &ops[i], now); ok {
			want[ops[i].ID] = w
		}
	}
	if len(got) != len(want) || len(got) < 2 {
		t.Fatalf("Monitor %d matches, Score %d: %+v", len(got), len(want), got)
	}
	for _, g := range got {
		w := want[g.Opportunity]
		if g.Profile != w.Profile || g.Score != w.Score || !reflect.DeepEqual(g.Explanation, w.Explanation) {
			t.Errorf("%s: Monitor %+v, Score %+v", g.Opportunity, g, w)
		}
	}
	// ted:3 fits both lines: one match, the better profile's.
	var scores []float64
	for k := range m.Profiles {
		one := passerelle.Member{ID: m.ID, Name: m.Name, Tier: m.Tier, Profiles: m.Profiles[k : k+1]}
		w, ok := s.Score(&one, &both, now)
		if !ok {
			t.Fatalf("ted:3 not kept by profile %s alone: %+v", m.Profiles[k].ID, w)
		}
		scores = append(scores, w.Score)
	}
	best := m.Profiles[0].ID
	if scores[1] > scores[0] {
		best = m.Profiles[1].ID
	}
	if w := want["ted:3"]; w.Profile != best || w.Score != max(scores[0], scores[1]) {
		t.Errorf("ted:3 named %q at %v, want %q at %v", w.Profile, w.Score, best, scores)
	}
	if want["ted:1"].Profile != "clean" || want["ted:2"].Profile != "secu" {
		t.Errorf("profiles %q %q", want["ted:1"].Profile, want["ted:2"].Profile)
	}
}
