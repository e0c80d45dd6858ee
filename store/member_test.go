package store

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
)

func member(id string) passerelle.Member {
	return passerelle.Member{
		ID: id, Name: strings.ToUpper(id), Tier: passerelle.TierPremium,
		Clusters: []string{passerelle.ClusterSecurity}, Skills: []string{"cybersécurité", "pentest"},
		Contacts: []passerelle.Contact{{Name: "Ann", Email: "ann@" + id + ".example"}},
	}
}

func TestCreateMember(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	m, err := db.CreateMember(ctx, member("acme"), t0)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Created.Equal(t0) || !m.Updated.Equal(t0) {
		t.Errorf("created %v updated %v, want %v", m.Created, m.Updated, t0)
	}
	_, err = db.CreateMember(ctx, member("acme"), t0)
	wantCode(t, err, passerelle.ECONFLICT)

	bad := member("bad one")
	bad.Tier = "gold"
	_, err = db.CreateMember(ctx, bad, t0)
	wantCode(t, err, passerelle.EINVALID)
	for _, field := range []string{"id", "tier"} {
		if !strings.Contains(err.Error(), field) {
			t.Errorf("error %q does not name field %s", err, field)
		}
	}
	got, err := db.Member(ctx, "acme")
	if err != nil || got.Name != "ACME" || got.Skills[0] != "cybersécurité" {
		t.Fatalf("Member = %+v, %v", got, err)
	}
	_, err = db.Member(ctx, "nobody")
	wantCode(t, err, passerelle.ENOTFOUND)
}

func TestPutMemberKeepsCreated(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	t1 := t0.Add(time.Hour)
	m, err := db.PutMember(ctx, member("acme"), t0)
	if err != nil || !m.Created.Equal(t0) {
		t.Fatalf("PutMember new: %+v, %v", m, err)
	}
	edit := member("acme")
	edit.Skills = []string{"IoT"}
	edit.Created = t1 // a client cannot rewrite history
	m, err = db.PutMember(ctx, edit, t1)
	if err != nil {
		t.Fatal(err)
	}
	if !m.Created.Equal(t0) || !m.Updated.Equal(t1) {
		t.Errorf("replaced member: created %v updated %v", m.Created, m.Updated)
	}
	if got, _ := db.Member(ctx, "acme"); got.Skills[0] != "IoT" || !got.Created.Equal(t0) {
		t.Errorf("stored %+v", got)
	}
}

func TestMembersInIDOrder(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, id := range []string{"zeta", "alpha", "mid"} {
		if _, err := db.CreateMember(ctx, member(id), t0); err != nil {
			t.Fatal(err)
		}
	}
	ms, err := db.Members(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(ms) != 3 || ms[0].ID != "alpha" || ms[1].ID != "mid" || ms[2].ID != "zeta" {
		t.Fatalf("members %+v", ms)
	}
	if n, _ := db.CountMembers(ctx); n != 3 {
		t.Errorf("count %d", n)
	}
}

func TestDeleteMemberCascades(t *testing.T) {
	ctx := context.Background()
	db := openTest(t)
	for _, id := range []string{"acme", "acme2"} { // acme2: a neighbour whose id extends acme's
		if _, err := db.CreateMember(ctx, member(id), t0); err != nil {
			t.Fatal(err)
		}
	}
	ms := []passerelle.Match{
		{Member: "acme", Opportunity: "ted:1", Score: 80, RulesVersion: 1},
		{Member: "acme", Opportunity: "ted:2", Score: 60, RulesVersion: 1},
		{Member: "acme2", Opportunity: "ted:1", Score: 70, RulesVersion: 1},
	}
	if _, err := db.PutMatches(ctx, ms, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetFeedback(ctx, "acme", "ted:1", passerelle.Feedback{Verdict: passerelle.VerdictRelevant, At: t0}); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SetFeedback(ctx, "acme2", "ted:1", passerelle.Feedback{Verdict: passerelle.VerdictRelevant, At: t0}); err != nil {
		t.Fatal(err)
	}
	_, secret, err := db.CreateKey(ctx, passerelle.RoleMember, "acme", t0)
	if err != nil {
		t.Fatal(err)
	}
	_, secret2, err := db.CreateKey(ctx, passerelle.RoleMember, "acme2", t0)
	if err != nil {
		t.Fatal(err)
	}
	token, err := db.RotateFeedToken(ctx, "acme")
	if err != nil {
		t.Fatal(err)
	}

	if err := db.DeleteMember(ctx, "acme"); err != nil {
		t.Fatal(err)
	}
	_, err = db.Member(ctx, "acme")
	wantCode(t, err, passerelle.ENOTFOUND)
	if got, _ := db.Matches(ctx, "acme"); len(got) != 0 {
		t.Errorf("deleted member still has matches %+v", got)
	}
	if got, _ := db.Matches(ctx, "acme2"); len(got) != 1 {
		t.Errorf("neighbour acme2 lost its matches: %+v", got)
	}
	_, err = db.Authenticate(ctx, secret)
	wantCode(t, err, passerelle.EUNAUTHORIZED)
	if _, err := db.Authenticate(ctx, secret2); err != nil {
		t.Errorf("neighbour's key: %v", err)
	}
	_, err = db.MemberByFeedToken(ctx, token)
	wantCode(t, err, passerelle.ENOTFOUND)
	counts, _ := db.FeedbackCounts(ctx)
	if got := counts[1][passerelle.VerdictRelevant]; got != 1 {
		t.Errorf("relevant count %d after deleting one of two, want 1", got)
	}
	wantCode(t, db.DeleteMember(ctx, "acme"), passerelle.ENOTFOUND)
}
