package passerelle

import (
	"encoding/json"
	"errors"
	"reflect"
	"strings"
	"testing"
)

func TestMemberProfilesValidate(t *testing.T) {
	base := func() Member {
		return Member{ID: "m", Name: "M", Tier: TierPremium, Profiles: []Profile{
			{ID: "secu", Name: "Sécurité", Skills: []string{"cybersécurité"}},
			{ID: "games", Name: "Jeux sérieux", Clusters: []string{"seriousgames"}},
		}}
	}
	cases := []struct {
		name  string
		edit  func(m *Member)
		paths []string // the fields the error must name, in order; none: valid
	}{
		{"two profiles", func(*Member) {}, nil},
		{"no profiles: top-level fields are the one", func(m *Member) { m.Profiles = nil; m.Skills = []string{"web"} }, nil},
		{"top-level equal to the first profile", func(m *Member) { m.Skills = []string{"cybersécurité"} }, nil},
		{"an empty profile is allowed (it matches nothing)", func(m *Member) { m.Profiles[1].Clusters = nil }, nil},
		{"missing id", func(m *Member) { m.Profiles[1].ID = "" }, []string{"profiles[1].id"}},
		{"id with a space", func(m *Member) { m.Profiles[0].ID = "a b" }, []string{"profiles[0].id"}},
		{"repeated id", func(m *Member) { m.Profiles[1].ID = "secu" }, []string{"profiles[1].id"}},
		{"missing name", func(m *Member) { m.Profiles[1].Name = " " }, []string{"profiles[1].name"}},
		{"unknown cluster", func(m *Member) { m.Profiles[1].Clusters = []string{"web", "gaming"} }, []string{"profiles[1].clusters[1]"}},
		{"bad cpv", func(m *Member) { m.Profiles[0].CPV = []string{"72x"} }, []string{"profiles[0].cpv[0]"}},
		{"budget upside down", func(m *Member) { m.Profiles[1].Budget = &Budget{Min: 10, Max: 5} }, []string{"profiles[1].budget.min"}},
		{"min score out of range", func(m *Member) { m.Profiles[0].MinScore = 101 }, []string{"profiles[0].min_score"}},
		{"top-level differs from the first profile", func(m *Member) { m.Skills = []string{"web"}; m.MinScore = 40 }, []string{"skills", "min_score"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := base()
			c.edit(&m)
			err := m.Validate()
			if len(c.paths) == 0 {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			var v *ValidationError
			if !errors.As(err, &v) {
				t.Fatalf("error %v, want a ValidationError", err)
			}
			var got []string
			for _, f := range v.Fields {
				got = append(got, f.Path)
			}
			if !reflect.DeepEqual(got, c.paths) {
				t.Errorf("fields %v, want %v (%v)", got, c.paths, err)
			}
		})
	}
}

func TestEffectiveProfilesAndNormalize(t *testing.T) {
	old := Member{ID: "m", Name: "Cyberwal", Tier: TierPremium, Skills: []string{"pentest"}, Regions: []string{"BE3"}, MinScore: 40}
	ps := old.EffectiveProfiles()
	want := Profile{ID: MainProfile, Name: "Cyberwal", Skills: []string{"pentest"}, Regions: []string{"BE3"}, MinScore: 40}
	if len(ps) != 1 || !reflect.DeepEqual(ps[0], want) {
		t.Fatalf("profiles of a member without any: %+v", ps)
	}
	n := old
	n.Normalize()
	if !reflect.DeepEqual(n.Profiles, []Profile{want}) || !reflect.DeepEqual(n.Skills, old.Skills) {
		t.Fatalf("normalized %+v", n)
	}
	if err := n.Validate(); err != nil {
		t.Fatal(err)
	}
	// The canonical form survives a JSON round trip and normalizes to itself.
	buf, _ := json.Marshal(n)
	var back Member
	if err := json.Unmarshal(buf, &back); err != nil {
		t.Fatal(err)
	}
	back.Normalize()
	if !reflect.DeepEqual(back, n) {
		t.Errorf("round trip:\n%+v\n%+v", back, n)
	}

	// Profiles alone: the top level becomes the first.
	p := Member{ID: "p", Name: "P", Tier: TierPremium, Profiles: []Profile{
		{ID: "a", Name: "A", Skills: []string{"IoT"}, MinScore: 30}, {ID: "b", Name: "B", CPV: []string{"72"}}}}
	p.Normalize()
	if !reflect.DeepEqual(p.Skills, []string{"IoT"}) || p.MinScore != 30 || len(p.Profiles) != 2 {
		t.Errorf("top level not taken from the first profile: %+v", p)
	}
	if p.EmptyProfile() {
		t.Error("a member with profiles called empty")
	}
	// An edit of the top level alone moves into the first profile, keeping its id and name.
	p.Skills = []string{"LoRaWAN"}
	p.TopEdited()
	if p.Profiles[0].ID != "a" || p.Profiles[0].Name != "A" || !reflect.DeepEqual(p.Profiles[0].Skills, []string{"LoRaWAN"}) {
		t.Errorf("top edit: %+v", p.Profiles[0])
	}
	// An edit of the profiles alone moves to the top level.
	p.Profiles = []Profile{{ID: "b", Name: "B", CPV: []string{"72"}}}
	p.ProfilesEdited()
	if p.Skills != nil || !reflect.DeepEqual(p.CPV, []string{"72"}) {
		t.Errorf("profiles edit: %+v", p)
	}
	if err := p.Validate(); err != nil {
		t.Error(err)
	}
	if _, ok := p.Profile("b"); !ok {
		t.Error("profile b not found")
	}

	empty := Member{ID: "e", Name: "E", Profiles: []Profile{{ID: "x", Name: "X", Regions: []string{"BE"}}}}
	if !empty.EmptyProfile() {
		t.Error("regions alone are something to match on")
	}
	dup := Member{ID: "d", Name: "D", Tier: TierBasic, Profiles: []Profile{{ID: "a", Name: "A"}, {ID: "a", Name: "B"}}}
	if err := dup.Validate(); err == nil || !strings.Contains(err.Error(), "profiles[1].id: repeats") {
		t.Error("repeated profile id not named")
	}
}
