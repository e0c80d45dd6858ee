package store

import (
	"context"
	"slices"
	"testing"

	"github.com/passerelle/passerelle"
)

// TestJudged: the judged matches, all members' or one's, of every rules version or one;
// unjudged matches and members whose id merely starts the same are left out.
func TestJudged(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "a", "ab", "b")
	ms := []passerelle.Match{mt("a", "o:1", 50, 1), mt("a", "o:2", 60, 2), mt("a", "o:3", 70, 2),
		mt("ab", "o:1", 50, 2), mt("b", "o:1", 50, 1)}
	if _, err := db.PutMatches(ctx, ms, t0); err != nil {
		t.Fatal(err)
	}
	for _, j := range []struct {
		member, opp string
		verdict     passerelle.Verdict
	}{{"a", "o:1", passerelle.VerdictRelevant}, {"a", "o:2", passerelle.VerdictNotRelevant}, {"ab", "o:1", passerelle.VerdictSaved}} {
		if _, err := db.SetFeedback(ctx, j.member, j.opp, passerelle.Feedback{Verdict: j.verdict, Reason: "r " + j.opp, At: t0}); err != nil {
			t.Fatal(err)
		}
	}
	ids := func(ms []passerelle.Match) []string {
		out := []string{}
		for _, m := range ms {
			out = append(out, m.Member+"/"+m.Opportunity)
		}
		return out
	}
	for _, tc := range []struct {
		member  string
		version int
		want    []string
	}{
		{"", 0, []string{"a/o:1", "a/o:2", "ab/o:1"}},
		{"a", 0, []string{"a/o:1", "a/o:2"}},
		{"a", 2, []string{"a/o:2"}},
		{"", 2, []string{"a/o:2", "ab/o:1"}},
		{"b", 0, []string{}},
		{"", 9, []string{}},
	} {
		got, err := db.Judged(ctx, tc.member, tc.version)
		if err != nil {
			t.Fatal(err)
		}
		if g := ids(got); !slices.Equal(g, tc.want) {
			t.Errorf("Judged(%q, %d) = %v, want %v", tc.member, tc.version, g, tc.want)
		}
		if got == nil {
			t.Errorf("Judged(%q, %d) is nil, want an empty list", tc.member, tc.version)
		}
		for _, m := range got {
			if m.Feedback == nil || m.Feedback.Reason != "r "+m.Opportunity {
				t.Errorf("%s/%s: feedback %+v", m.Member, m.Opportunity, m.Feedback)
			}
		}
	}
}
