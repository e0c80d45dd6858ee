package notify

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func ids(d Digest) []string {
	var out []string
	for _, it := range d.Items {
		out = append(out, it.Match.Opportunity)
	}
	return out
}

func TestBuild(t *testing.T) {
	now := clock(t) // a Monday
	loc := now.Location()
	tuesday := now.Add(24 * time.Hour)
	all := []string{"ted:123456-2026", "poles:biowin-call-7", "wallonie:2026-017", "rss:placeholder"}

	with := func(f func(*passerelle.Member)) passerelle.Member {
		m := codeloop()
		f(&m)
		return m
	}
	tests := []struct {
		name   string
		member passerelle.Member
		items  func([]Item) []Item
		max    int
		now    time.Time
		want   []string // nil: no digest
	}{
		{name: "daily premium, ranked by score", member: codeloop(), now: now, want: all},
		{name: "max bounds the digest", member: codeloop(), max: 2, now: now, want: all[:2]},
		{name: "empty frequency is daily", member: with(func(m *passerelle.Member) { m.Notify.Frequency = "" }), now: tuesday, want: all},
		{name: "basic member gets nothing", member: with(func(m *passerelle.Member) { m.Tier = passerelle.TierBasic }), now: now},
		{name: "frequency off", member: with(func(m *passerelle.Member) { m.Notify.Frequency = "off" }), now: now},
		{name: "unknown frequency sends nothing", member: with(func(m *passerelle.Member) { m.Notify.Frequency = "hourly" }), now: now},
		{name: "weekly on Monday", member: with(func(m *passerelle.Member) { m.Notify.Frequency = "weekly" }), now: now, want: all},
		{name: "weekly on Tuesday", member: with(func(m *passerelle.Member) { m.Notify.Frequency = "weekly" }), now: tuesday},
		{
			// Sunday 23:30 UTC is already Monday 00:30 in Brussels: the zone decides.
			name:   "weekly day is read in loc",
			member: with(func(m *passerelle.Member) { m.Notify.Frequency = "weekly" }),
			now:    time.Date(2026, 3, 1, 23, 30, 0, 0, time.UTC), want: all,
		},
		{
			name: "only state new, not vetoed, not another member's",
			items: func(in []Item) []Item {
				in[0].Match.State = passerelle.MatchNotified         // wallonie
				in[2].Match.Explanation.Veto = "exclusion 'medical'" // biowin
				in[3].Match.Member = "someone-else"                  // placeholder
				return in
			},
			member: codeloop(), now: now, want: []string{"ted:123456-2026"},
		},
		{
			name: "closed, cancelled and past deadlines are left out",
			items: func(in []Item) []Item {
				in[0].Opportunity.Status = passerelle.StatusCancelled
				in[1].Opportunity.Deadline = tp(now.Add(-time.Minute))
				in[2].Opportunity.Status = passerelle.StatusClosed
				return in
			},
			member: codeloop(), now: now, want: []string{"rss:placeholder"},
		},
		{
			name:   "member min_score",
			member: with(func(m *passerelle.Member) { m.MinScore = 70 }),
			now:    now, want: all[:2],
		},
		{
			name: "equal scores: sooner deadline, then unknown, then id",
			items: func(in []Item) []Item {
				for i := range in {
					in[i].Match.Score = 50
				}
				return append(in, in[1]) // a duplicate is sent once
			},
			member: codeloop(), now: now,
			want: []string{"ted:123456-2026", "wallonie:2026-017", "poles:biowin-call-7", "rss:placeholder"},
		},
		{name: "no new match, no digest", items: func([]Item) []Item { return nil }, member: codeloop(), now: now},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			items := fixtureItems(t, "codeloop")
			if tc.items != nil {
				items = tc.items(items)
			}
			d, ok := Build(tc.member, items, tc.max, tc.now, loc)
			if ok != (tc.want != nil) {
				t.Fatalf("ok = %v, want %v (items %v)", ok, tc.want != nil, ids(d))
			}
			if got := ids(d); tc.want != nil && !slices.Equal(got, tc.want) {
				t.Errorf("items\n got %v\nwant %v", got, tc.want)
			}
			if d.Generated.Location() != loc {
				t.Errorf("Generated in %v, want %v", d.Generated.Location(), loc)
			}
		})
	}
}

func TestBuildDoesNotReorderCallersSlice(t *testing.T) {
	items := fixtureItems(t, "codeloop")
	before := slices.Clone(items)
	if _, ok := Build(codeloop(), items, 0, clock(t), brussels(t)); !ok {
		t.Fatal("no digest")
	}
	for i := range items {
		if items[i].Match.Opportunity != before[i].Match.Opportunity {
			t.Fatalf("caller's slice reordered at %d", i)
		}
	}
}

func TestDaysLeftAndLanguage(t *testing.T) {
	now := clock(t)
	for _, tc := range []struct {
		at   time.Time
		want int
	}{
		{now.Add(time.Hour), 0},
		{time.Date(2026, 3, 3, 0, 30, 0, 0, now.Location()), 1},
		{time.Date(2026, 3, 7, 17, 0, 0, 0, now.Location()), 5},
		// Across the switch to summer time (29 March) a day is 23 hours: still whole days.
		{time.Date(2026, 4, 1, 6, 0, 0, 0, now.Location()), 30},
		{now.Add(-30 * time.Hour), -1}, // yesterday
	} {
		if got := DaysLeft(now, tc.at); got != tc.want {
			t.Errorf("DaysLeft(%v) = %d, want %d", tc.at, got, tc.want)
		}
	}
	for _, tc := range []struct {
		langs []string
		want  string
	}{{nil, "fr"}, {[]string{"en"}, "en"}, {[]string{"EN", "fr"}, "en"}, {[]string{"nl", "en"}, "fr"}, {[]string{"fr"}, "fr"}} {
		if got := Lang(passerelle.Member{Languages: tc.langs}); got != tc.want {
			t.Errorf("Lang(%v) = %q, want %q", tc.langs, got, tc.want)
		}
	}
}

func TestSubjectAndReasons(t *testing.T) {
	items := fixtureItems(t, "codeloop")
	d, _ := Build(codeloop(), items, 3, clock(t), brussels(t))
	if got, want := d.Subject(), "Passerelle — 3 nouvelles opportunités pour Codeloop"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	d.Items = d.Items[:1]
	if got, want := d.Subject(), "Passerelle — 1 nouvelle opportunité pour Codeloop"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	d.Member = dataforge()
	if got, want := d.Subject(), "Passerelle — 1 new opportunity for DataForge"; got != want {
		t.Errorf("subject %q, want %q", got, want)
	}
	// wallonie: five contributions, one negative; the top 3 are the strongest positive ones.
	rs := Reasons(items[0].Match, 3)
	var got []float64
	for _, r := range rs {
		got = append(got, r.Points)
	}
	if !slices.Equal(got, []float64{22.5, 10, 4}) {
		t.Errorf("reasons points %v, want [22.5 10 4]", got)
	}
}

func TestLinkAndHeaderSafety(t *testing.T) {
	it := fixtureItems(t, "codeloop")[0]
	for _, tc := range []struct{ url, base, want string }{
		{"https://marches.example/2026-017", "https://p.example", "https://marches.example/2026-017"},
		{"javascript:alert(1)", "https://p.example/", "https://p.example/app/opportunities/wallonie:2026-017"},
		{"", "", ""},
		{"/relative/path", "", ""},
	} {
		it.Opportunity.URL = tc.url
		if got := Link(tc.base, it); got != tc.want {
			t.Errorf("Link(%q, url %q) = %q, want %q", tc.base, tc.url, got, tc.want)
		}
	}
	m := codeloop()
	m.Name = "Evil\r\nBcc: victim@example.org"
	d, _ := Build(m, fixtureItems(t, "codeloop"), 1, clock(t), brussels(t))
	if s := d.Subject(); strings.ContainsAny(s, "\r\n") {
		t.Errorf("subject %q holds a line break", s)
	}
}
