package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func createMembers(t *testing.T, db *DB, ids ...string) {
	t.Helper()
	for _, id := range ids {
		if _, err := db.CreateMember(context.Background(), member(id), t0); err != nil {
			t.Fatal(err)
		}
	}
}

func mt(member, opp string, score float64, rv int) passerelle.Match {
	return passerelle.Match{
		Member: member, Opportunity: opp, Score: score, RulesVersion: rv,
		Explanation: passerelle.Explanation{Contributions: []passerelle.Contribution{{Signal: "text", Evidence: "skill 'pentest'", Points: score}}},
	}
}

func oppIDs(ms []passerelle.Match) []string {
	var ids []string
	for _, m := range ms {
		ids = append(ids, m.Opportunity)
	}
	return ids
}

func TestPutMatchesUpsertKeepsMemberState(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme")
	n, err := db.PutMatches(ctx, []passerelle.Match{mt("acme", "ted:1", 50, 1), mt("acme", "ted:2", 40, 1)}, t0)
	if err != nil || n != 2 {
		t.Fatalf("PutMatches = %d, %v", n, err)
	}
	m, err := db.Match(ctx, "acme", "ted:1")
	if err != nil {
		t.Fatal(err)
	}
	if m.State != passerelle.MatchNew || !m.Created.Equal(t0) || !m.Updated.Equal(t0) {
		t.Fatalf("new match %+v", m)
	}
	if _, err := db.SetFeedback(ctx, "acme", "ted:1", passerelle.Feedback{Verdict: passerelle.VerdictSaved, At: t0}); err != nil {
		t.Fatal(err)
	}
	// The notifier marks both notified; a member's choice must survive it.
	t1 := t0.Add(time.Hour)
	notified := []passerelle.Match{mt("acme", "ted:1", 50, 1), mt("acme", "ted:2", 40, 1)}
	notified[0].State, notified[1].State = passerelle.MatchNotified, passerelle.MatchNotified
	if _, err := db.PutMatches(ctx, notified, t1); err != nil {
		t.Fatal(err)
	}
	// Then a re-score with new rules, state "new" again from the matcher.
	t2 := t0.Add(2 * time.Hour)
	if _, err := db.PutMatches(ctx, []passerelle.Match{mt("acme", "ted:1", 90, 2), mt("acme", "ted:2", 30, 2)}, t2); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		opp   string
		state passerelle.MatchState
		score float64
		fb    bool
	}{
		{"ted:1", passerelle.MatchSaved, 90, true},
		{"ted:2", passerelle.MatchNotified, 30, false},
	} {
		m, err := db.Match(ctx, "acme", tc.opp)
		if err != nil {
			t.Fatal(err)
		}
		if m.State != tc.state || m.Score != tc.score || m.RulesVersion != 2 || (m.Feedback != nil) != tc.fb {
			t.Errorf("%s: state %s score %v rules %d feedback %v", tc.opp, m.State, m.Score, m.RulesVersion, m.Feedback)
		}
		if !m.Created.Equal(t0) || !m.Updated.Equal(t2) {
			t.Errorf("%s: created %v updated %v", tc.opp, m.Created, m.Updated)
		}
	}
	if m, _ := db.Match(ctx, "acme", "ted:1"); m.Feedback.RulesVersion != 1 {
		t.Errorf("feedback moved to rules version %d; it was given under 1", m.Feedback.RulesVersion)
	}
}

func TestPutMatchesSkipsUnknownMemberRejectsBadScore(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "acme")
	n, err := db.PutMatches(ctx, []passerelle.Match{mt("ghost", "ted:1", 50, 1), mt("acme", "ted:1", 50, 1)}, t0)
	if err != nil || n != 1 {
		t.Fatalf("PutMatches = %d, %v; want 1 written", n, err)
	}
	if c, _ := db.CountMatches(ctx); c != 1 {
		t.Errorf("count %d", c)
	}
	_, err = db.PutMatches(ctx, []passerelle.Match{mt("acme", "ted:2", 101, 1)}, t0)
	wantCode(t, err, passerelle.EINVALID)
	_, err = db.PutMatches(ctx, []passerelle.Match{{Member: "acme", Opportunity: "ted:2", State: "lost"}}, t0)
	wantCode(t, err, passerelle.EINVALID)
}

func TestMatchesOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "a", "a2")
	ms := []passerelle.Match{mt("a", "o:1", 10, 1), mt("a", "o:5", 70, 1), mt("a", "o:3", 70, 1), mt("a", "o:2", 95.5, 1), mt("a2", "o:9", 99, 1)}
	if _, err := db.PutMatches(ctx, ms, t0); err != nil {
		t.Fatal(err)
	}
	got, err := db.Matches(ctx, "a")
	if err != nil {
		t.Fatal(err)
	}
	if want := []string{"o:2", "o:3", "o:5", "o:1"}; !reflect.DeepEqual(oppIDs(got), want) {
		t.Fatalf("order %v, want %v", oppIDs(got), want)
	}
	if got[0].Explanation.Contributions[0].Evidence != "skill 'pentest'" {
		t.Errorf("explanation lost: %+v", got[0].Explanation)
	}
	_, err = db.Match(ctx, "a", "o:404")
	wantCode(t, err, passerelle.ENOTFOUND)
}

func TestReplaceMemberMatchesKeepsFeedback(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "a", "b")
	old := []passerelle.Match{mt("a", "o:1", 50, 1), mt("a", "o:2", 50, 1), mt("a", "o:3", 50, 1), mt("b", "o:1", 50, 1)}
	if _, err := db.PutMatches(ctx, old, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetFeedback(ctx, "a", "o:2", passerelle.Feedback{Verdict: passerelle.VerdictNotRelevant, Reason: "we don't do hardware"}); err != nil {
		t.Fatal(err)
	}
	if err := db.ReplaceMemberMatches(ctx, "a", []passerelle.Match{mt("a", "o:3", 80, 2), mt("a", "o:4", 60, 2)}, t0.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	got, _ := db.Matches(ctx, "a")
	if want := []string{"o:3", "o:4", "o:2"}; !reflect.DeepEqual(oppIDs(got), want) {
		t.Fatalf("after replace %v, want %v (o:1 gone, o:2 kept for its feedback)", oppIDs(got), want)
	}
	if got, _ := db.Matches(ctx, "b"); len(got) != 1 {
		t.Errorf("other member touched: %+v", got)
	}
	err := db.ReplaceMemberMatches(ctx, "a", []passerelle.Match{mt("b", "o:3", 80, 2)}, t0)
	wantCode(t, err, passerelle.EINVALID)
	wantCode(t, db.ReplaceMemberMatches(ctx, "ghost", nil, t0), passerelle.ENOTFOUND)
}

func TestSetFeedbackAndCounts(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "a", "b")
	ms := []passerelle.Match{mt("a", "o:1", 50, 1), mt("a", "o:2", 50, 1), mt("b", "o:1", 50, 2), mt("b", "o:2", 50, 2)}
	if _, err := db.PutMatches(ctx, ms, t0); err != nil {
		t.Fatal(err)
	}
	for _, tc := range []struct {
		member, opp string
		verdict     passerelle.Verdict
		state       passerelle.MatchState
	}{
		{"a", "o:1", passerelle.VerdictRelevant, passerelle.MatchSeen},
		{"a", "o:2", passerelle.VerdictNotRelevant, passerelle.MatchSeen},
		{"b", "o:1", passerelle.VerdictSaved, passerelle.MatchSaved},
		{"b", "o:2", passerelle.VerdictDismissed, passerelle.MatchDismissed},
		{"a", "o:2", passerelle.VerdictRelevant, passerelle.MatchSeen}, // changed its mind
	} {
		m, err := db.SetFeedback(ctx, tc.member, tc.opp, passerelle.Feedback{Verdict: tc.verdict, At: t0})
		if err != nil {
			t.Fatal(err)
		}
		if m.State != tc.state || m.Feedback.Verdict != tc.verdict || m.Feedback.RulesVersion != m.RulesVersion {
			t.Errorf("%s/%s %s: state %s feedback %+v", tc.member, tc.opp, tc.verdict, m.State, m.Feedback)
		}
	}
	got, err := db.FeedbackCounts(ctx)
	if err != nil {
		t.Fatal(err)
	}
	want := map[int]map[passerelle.Verdict]int{
		1: {passerelle.VerdictRelevant: 2},
		2: {passerelle.VerdictSaved: 1, passerelle.VerdictDismissed: 1},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("counts %v, want %v", got, want)
	}
	_, err = db.SetFeedback(ctx, "a", "o:404", passerelle.Feedback{Verdict: passerelle.VerdictSaved})
	wantCode(t, err, passerelle.ENOTFOUND)
	_, err = db.SetFeedback(ctx, "a", "o:1", passerelle.Feedback{Verdict: "meh"})
	wantCode(t, err, passerelle.EINVALID)
}

func TestMatchesPage(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	createMembers(t, db, "a", "a2")
	ms := []passerelle.Match{
		mt("a", "o:1", 10, 1), mt("a", "o:5", 70, 1), mt("a", "o:3", 70, 1), mt("a", "o:2", 95.5, 1),
		mt("a", "o:4", 40, 1), mt("a", "o:6", 0, 1), mt("a2", "o:9", 99, 1),
	}
	if _, err := db.PutMatches(ctx, ms, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetFeedback(ctx, "a", "o:3", passerelle.Feedback{Verdict: passerelle.VerdictSaved}); err != nil {
		t.Fatal(err)
	}
	// A re-score moves o:1 to the top: the index must follow.
	if _, err := db.PutMatches(ctx, []passerelle.Match{mt("a", "o:1", 99, 2)}, t0); err != nil {
		t.Fatal(err)
	}
	all, _ := db.Matches(ctx, "a")
	want := oppIDs(all)
	if !reflect.DeepEqual(want, []string{"o:1", "o:2", "o:3", "o:5", "o:4", "o:6"}) {
		t.Fatalf("Matches order %v", want)
	}
	for _, tc := range []struct {
		name string
		q    MatchQuery
		want []string
	}{
		{"all", MatchQuery{}, want},
		{"min score", MatchQuery{MinScore: 70}, []string{"o:1", "o:2", "o:3", "o:5"}},
		{"state", MatchQuery{State: passerelle.MatchSaved}, []string{"o:3"}},
		{"state new, min score", MatchQuery{State: passerelle.MatchNew, MinScore: 40}, []string{"o:1", "o:2", "o:5", "o:4"}},
	} {
		for _, limit := range []int{0, 1, 2, 4, 100} {
			q := tc.q
			q.Limit = limit
			var got []string
			pages := 0
			for {
				pg, err := db.MatchesPage(ctx, "a", q)
				if err != nil {
					t.Fatal(err)
				}
				page, next := pg.Matches, pg.Next
				if pg.Total != len(tc.want) {
					t.Errorf("%s limit %d: total %d, want %d", tc.name, limit, pg.Total, len(tc.want))
				}
				if limit > 0 && len(page) > limit {
					t.Fatalf("%s limit %d: page of %d", tc.name, limit, len(page))
				}
				got = append(got, oppIDs(page)...)
				pages++
				if next == "" {
					break
				}
				if pages > 10 {
					t.Fatalf("%s limit %d: cursor does not advance", tc.name, limit)
				}
				q.Cursor = next
			}
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("%s limit %d: %v, want %v", tc.name, limit, got, tc.want)
			}
		}
	}
	_, err := db.MatchesPage(ctx, "a", MatchQuery{Cursor: "!!"})
	wantCode(t, err, passerelle.EINVALID)
	// After a delete the index has no dangling entries.
	if err := db.ReplaceMemberMatches(ctx, "a", nil, t0); err != nil {
		t.Fatal(err)
	}
	pg, err := db.MatchesPage(ctx, "a", MatchQuery{})
	if err != nil || !reflect.DeepEqual(oppIDs(pg.Matches), []string{"o:3"}) || pg.Total != 1 {
		t.Fatalf("after replace: %v total %d, %v (only the match with feedback stays)", oppIDs(pg.Matches), pg.Total, err)
	}
}
