package notify

import (
	"reflect"
	"testing"

	"github.com/passerelle/passerelle"
)

// A member with two business lines gets its digest grouped by the profile each match came
// from, each group under its heading and with its own threshold.
func TestDigestGroupsByProfile(t *testing.T) {
	now := clock(t)
	m := codeloop()
	m.Profiles = []passerelle.Profile{
		{ID: "web", Name: "Développement web", Skills: m.Skills, Clusters: m.Clusters, Languages: m.Languages},
		{ID: "secu", Name: "Sécurité", Skills: []string{"cybersécurité"}, MinScore: 65},
	}
	items := fixtureItems(t, m.ID)
	profileOf := map[string]string{}
	for i := range items {
		p := "web"
		if i%2 == 1 {
			p = "secu"
		}
		items[i].Match.Profile = p
		profileOf[items[i].Match.Opportunity] = p
	}
	d, ok := Build(m, items, 0, now, now.Location())
	if !ok {
		t.Fatal("no digest")
	}
	// Each profile's own threshold: "secu" asks 65, the first profile nothing.
	for _, it := range d.Items {
		if it.Match.Profile == "secu" && it.Match.Score < 65 {
			t.Errorf("%s (%.0f) kept under secu's threshold", it.Match.Opportunity, it.Match.Score)
		}
	}
	for _, id := range ids(d) {
		if id == "rss:placeholder" {
			t.Error("rss:placeholder (55) kept under secu's threshold of 65")
		}
	}
	gs := d.Groups()
	if len(gs) != 2 || gs[0].Profile.ID != "web" || gs[1].Profile.ID != "secu" {
		t.Fatalf("groups %+v: want web then secu, in the member's order", gs)
	}
	var regrouped []string
	for k, g := range gs {
		if k > 0 && g.Profile.ID == gs[k-1].Profile.ID {
			t.Errorf("profile %s in two groups", g.Profile.ID)
		}
		for _, it := range g.Items {
			if it.Match.Profile != g.Profile.ID {
				t.Errorf("%s of %s under %s", it.Match.Opportunity, it.Match.Profile, g.Profile.ID)
			}
			regrouped = append(regrouped, it.Match.Opportunity)
		}
	}
	if gs[0].Heading != "Profil « Développement web »" {
		t.Errorf("heading %q", gs[0].Heading)
	}
	if len(regrouped) != len(d.Items) {
		t.Errorf("groups hold %d items, the digest %d", len(regrouped), len(d.Items))
	}
	if ProfileHeading(passerelle.Profile{ID: "x", Name: "Security"}, "en") != "Profile “Security”" {
		t.Error("English heading")
	}
	// One profile: one list, no headings, and the top-level threshold as before.
	one := codeloop()
	d1, _ := Build(one, fixtureItems(t, one.ID), 0, now, now.Location())
	if d1.Groups() != nil {
		t.Error("a one-profile digest is grouped")
	}
	one.MinScore = 65
	d2, _ := Build(one, fixtureItems(t, one.ID), 0, now, now.Location())
	for _, it := range d2.Items {
		if it.Match.Score < 65 {
			t.Errorf("%s (%.0f) kept under the member's threshold", it.Match.Opportunity, it.Match.Score)
		}
	}
	if reflect.DeepEqual(ids(d1), ids(d2)) {
		t.Error("the fixture does not exercise the threshold")
	}
}
