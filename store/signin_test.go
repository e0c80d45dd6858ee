package store

import (
	"bytes"
	"context"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	bolt "go.etcd.io/bbolt"
)

func kindOf(err error) string { return passerelle.ErrorCode(err) }

func TestStaffUsers(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u, err := db.AddStaffUser(ctx, "Claire Dubois", "Claire.Dubois@Cluster.example", t0)
	if err != nil {
		t.Fatal(err)
	}
	if u.Email != "claire.dubois@cluster.example" || u.Name != "Claire Dubois" || u.ID == "" {
		t.Errorf("stored %+v", u)
	}
	if _, err := db.AddStaffUser(ctx, "Autre", "claire.dubois@cluster.EXAMPLE", t0); kindOf(err) != passerelle.ECONFLICT {
		t.Errorf("same address twice: %v, want a conflict", err)
	}
	for _, bad := range [][2]string{{"", "a@b.example"}, {"Nom", "pas une adresse"}, {"Nom", ""}} {
		if _, err := db.AddStaffUser(ctx, bad[0], bad[1], t0); kindOf(err) != passerelle.EINVALID {
			t.Errorf("AddStaffUser(%q, %q): %v, want EINVALID", bad[0], bad[1], err)
		}
	}
	if _, err := db.AddStaffUser(ctx, "Alain", "alain@cluster.example", t0); err != nil {
		t.Fatal(err)
	}
	us, err := db.StaffUsers(ctx)
	if err != nil || len(us) != 2 || us[0].Name != "Alain" {
		t.Fatalf("StaffUsers: %+v %v", us, err)
	}
	p, ok, err := db.PrincipalFor(ctx, " CLAIRE.dubois@cluster.example ")
	if err != nil || !ok || p.Role != passerelle.RoleStaff || p.Staff != u.ID {
		t.Fatalf("PrincipalFor staff: %+v %v %v", p, ok, err)
	}
	// A removed staff user's session stops at once, and so does an unused link.
	link, err := db.CreateSignInLink(ctx, p, t0, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	secret, sess, err := db.UseSignInLink(ctx, link, t0, time.Hour)
	if err != nil || sess.Name != "Claire Dubois" {
		t.Fatalf("UseSignInLink: %+v %v", sess, err)
	}
	unused, _ := db.CreateSignInLink(ctx, p, t0, 15*time.Minute)
	if _, err := db.RemoveStaffUser(ctx, u.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionBy(ctx, secret, t0.Add(time.Minute)); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("session of a removed staff user: %v", err)
	}
	if _, err := db.CheckSignInLink(ctx, unused, t0); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("link of a removed staff user: %v", err)
	}
	if _, ok, _ := db.PrincipalFor(ctx, "claire.dubois@cluster.example"); ok {
		t.Error("a removed staff user's address is still known")
	}
	if _, err := db.RemoveStaffUser(ctx, u.ID); kindOf(err) != passerelle.ENOTFOUND {
		t.Errorf("removing twice: %v", err)
	}
}

func TestSignInLinkSingleUseAndExpiry(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	if _, err := db.PutMember(ctx, passerelle.Member{ID: "acme", Name: "Acme", Tier: passerelle.TierPremium, Skills: []string{"web"},
		Contacts: []passerelle.Contact{{Name: "Ann", Email: "Ann <ann@acme.example>"}}}, t0); err != nil {
		t.Fatal(err)
	}
	if _, ok, err := db.PrincipalFor(ctx, "nobody@acme.example"); ok || err != nil {
		t.Fatalf("unknown address: ok %v err %v", ok, err)
	}
	p, ok, err := db.PrincipalFor(ctx, "ANN@acme.example")
	if err != nil || !ok || p.Role != passerelle.RoleMember || p.Member != "acme" || p.Email != "ann@acme.example" {
		t.Fatalf("PrincipalFor contact: %+v %v %v", p, ok, err)
	}
	link, err := db.CreateSignInLink(ctx, p, t0, 15*time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	// Only the hash is stored.
	if err := db.bolt.View(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketSignInLinks).ForEach(func(k, v []byte) error {
			if bytes.Contains(k, []byte(link)) || bytes.Contains(v, []byte(link[3:])) {
				t.Error("the link token is stored in clear")
			}
			return nil
		})
	}); err != nil {
		t.Fatal(err)
	}
	// Checking does not spend it.
	for range 2 {
		if _, err := db.CheckSignInLink(ctx, link, t0.Add(time.Minute)); err != nil {
			t.Fatalf("check: %v", err)
		}
	}
	// Two requests racing for one link: one session at most.
	var wg sync.WaitGroup
	wins := make(chan string, 4)
	for range 4 {
		wg.Go(func() {
			if s, _, err := db.UseSignInLink(ctx, link, t0.Add(2*time.Minute), 24*time.Hour); err == nil {
				wins <- s
			} else if kindOf(err) != passerelle.EUNAUTHORIZED {
				t.Errorf("losing use: %v", err)
			}
		})
	}
	wg.Wait()
	close(wins)
	var secret string
	n := 0
	for s := range wins {
		secret, n = s, n+1
	}
	if n != 1 {
		t.Fatalf("%d sessions opened by one link, want 1", n)
	}
	sess, err := db.SessionBy(ctx, secret, t0.Add(time.Hour))
	if err != nil || sess.Member != "acme" || sess.Name != "Ann" || sess.CSRF == "" {
		t.Fatalf("SessionBy: %+v %v", sess, err)
	}
	if _, err := db.SessionBy(ctx, secret, t0.Add(2*time.Minute+24*time.Hour)); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("session past its expiry: %v", err)
	}
	if _, err := db.SessionBy(ctx, "ps_nope", t0); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("unknown session: %v", err)
	}

	// A link used at its 15th minute is refused, and is gone afterwards.
	late, _ := db.CreateSignInLink(ctx, p, t0, 15*time.Minute)
	if _, err := db.CheckSignInLink(ctx, late, t0.Add(15*time.Minute)); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("check of an expired link: %v", err)
	}
	if _, _, err := db.UseSignInLink(ctx, late, t0.Add(15*time.Minute), time.Hour); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("use of an expired link: %v", err)
	}
	if _, _, err := db.UseSignInLink(ctx, late, t0, time.Hour); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("an expired link was kept after its refused use: %v", err)
	}

	// A contact taken off its member loses its session.
	m, _ := db.Member(ctx, "acme")
	m.Contacts = []passerelle.Contact{{Name: "Bob", Email: "bob@acme.example"}}
	if _, err := db.PutMember(ctx, m, t0); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionBy(ctx, secret, t0.Add(time.Hour)); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("session of a removed contact: %v", err)
	}

	// Sign-out ends a session.
	p2, _, _ := db.PrincipalFor(ctx, "bob@acme.example")
	l2, _ := db.CreateSignInLink(ctx, p2, t0, 15*time.Minute)
	s2, _, err := db.UseSignInLink(ctx, l2, t0, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	if err := db.EndSession(ctx, s2); err != nil {
		t.Fatal(err)
	}
	if _, err := db.SessionBy(ctx, s2, t0); kindOf(err) != passerelle.EUNAUTHORIZED {
		t.Errorf("session after sign-out: %v", err)
	}
}

// The staff address index is checked against the staff users and rebuilt from them.
func TestStaffEmailsCheckedAndRebuilt(t *testing.T) {
	db := openTest(t)
	ctx := context.Background()
	u, err := db.AddStaffUser(ctx, "Claire", "claire@cluster.example", t0)
	if err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Fatalf("check: %v %v", rep.Problems, err)
	}
	if err := db.bolt.Update(func(tx *bolt.Tx) error {
		return tx.Bucket(bucketStaffEmails).Delete([]byte(u.Email))
	}); err != nil {
		t.Fatal(err)
	}
	rep, err := db.Check(ctx)
	if err != nil || rep.OK() {
		t.Fatalf("check of a damaged address index: %v %v", rep.Problems, err)
	}
	if err := db.RebuildIndexes(ctx); err != nil {
		t.Fatal(err)
	}
	if rep, err := db.Check(ctx); err != nil || !rep.OK() {
		t.Errorf("check after rebuild: %v %v", rep.Problems, err)
	}
	if p, ok, _ := db.PrincipalFor(ctx, "claire@cluster.example"); !ok || p.Staff != u.ID {
		t.Errorf("after rebuild: %+v %v", p, ok)
	}
}
