package pipeline

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
)

// TestDigestRemindsOnce: after a first digest, the member saves one match, the deadline of
// another moves and a third is cancelled. The next digest, with nothing new, reminds the saved
// one that closes within a week and tells both changes, old → new; the one after says nothing
// again; a later change of the same call is told, and only it.
func TestDigestRemindsOnce(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	mail := &recordingMail{}
	p.Delivery = &Delivery{Channels: map[string]Channel{"email": mail}, BaseURL: "https://p.example", Association: "Cluster TIC"}
	saveCalls(t, p, 3) // ca, cb, cc: deadline in 20 days
	m := passerelle.Member{ID: "daily", Name: "Daily", Tier: passerelle.TierPremium, Clusters: []string{"security"},
		Skills: []string{"cybersécurité", "tests d'intrusion"}, Contacts: []passerelle.Contact{{Email: "a@example.org"}}}
	if _, err := p.Store.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	notifyAt := func(at time.Time) []notify.Digest {
		t.Helper()
		p.Now = func() time.Time { return at }
		before := len(mail.sent)
		if _, err := p.Notify(ctx, "", *p.Delivery); err != nil {
			t.Fatal(err)
		}
		return mail.sent[before:]
	}
	if got := notifyAt(now); len(got) != 1 || len(got[0].Items) != 3 || len(got[0].Closing)+len(got[0].Changed) != 0 {
		t.Fatalf("first digest: %+v", got)
	}

	if _, err := p.Store.SetFeedback(ctx, "daily", "ca", passerelle.Feedback{Verdict: passerelle.VerdictSaved, At: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	change := func(at time.Time, id string, edit func(*passerelle.Opportunity)) {
		t.Helper()
		p.Now = func() time.Time { return at }
		o, err := p.Store.Opportunity(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		o.Revisions = nil
		edit(&o)
		if _, _, err := p.Save(ctx, []passerelle.Opportunity{o}); err != nil {
			t.Fatal(err)
		}
	}
	moved := now.AddDate(0, 0, 27)
	change(now.Add(2*time.Hour), "cb", func(o *passerelle.Opportunity) { o.Deadline = &moved })
	change(now.Add(2*time.Hour), "cc", func(o *passerelle.Opportunity) { o.Status = passerelle.StatusCancelled })

	// Fifteen days on, ca (saved) closes in five days.
	day2 := now.AddDate(0, 0, 15)
	got := notifyAt(day2)
	if len(got) != 1 {
		t.Fatalf("day 2: %d digests, want one of reminders", len(got))
	}
	d := got[0]
	if len(d.Items) != 0 || len(d.Closing) != 1 || d.Closing[0].Opportunity.ID != "ca" || len(d.Changed) != 2 {
		t.Fatalf("day 2 digest: %d new, closing %v, %d changed", len(d.Items), d.Closing, len(d.Changed))
	}
	txt := d.TextBody()
	for _, s := range []string{"Cluster TIC", "== Clôture proche ==", "== Modifications ==",
		"Date limite déplacée\n   - Date limite : 17 décembre 2026 à 09:00 → 24 décembre 2026 à 09:00",
		"Annulée\n   - Statut : ouvert → annulé", "Se désabonner : https://p.example/u/"} {
		if !strings.Contains(txt, s) {
			t.Errorf("day 2 digest lacks %q:\n%s", s, txt)
		}
	}
	if got := notifyAt(day2.AddDate(0, 0, 1)); len(got) != 0 {
		t.Fatalf("day 3: the same reminders again: %s", got[0].TextBody())
	}

	// A second move of cb's deadline: told on its own, from the last one told.
	later := now.AddDate(0, 0, 30)
	change(day2.AddDate(0, 0, 1).Add(time.Hour), "cb", func(o *passerelle.Opportunity) { o.Deadline = &later })
	got = notifyAt(day2.AddDate(0, 0, 2))
	if len(got) != 1 || len(got[0].Changed) != 1 || len(got[0].Closing) != 0 {
		t.Fatalf("day 4: %+v", got)
	}
	if txt := got[0].TextBody(); !strings.Contains(txt, "24 décembre 2026 à 09:00 → 27 décembre 2026 à 09:00") || strings.Contains(txt, "17 décembre") {
		t.Errorf("day 4 tells more than the last change:\n%s", txt)
	}
	recs, err := p.Store.Digests(ctx, "daily")
	if err != nil || len(recs) != 3 {
		t.Fatalf("%d digest records (%v)", len(recs), err)
	}
	if r := recs[2].Changed; len(r) != 1 || r[0].From != 2 || r[0].To != 3 {
		t.Errorf("the last digest records change %+v, want cb revisions (2, 3]", r)
	}
}
