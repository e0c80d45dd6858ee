package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
)

func TestRunSendsDigestsOnce(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	secret := []byte("s3cret")
	var mu sync.Mutex
	var got []notify.Payload
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.HeaderSignature)) {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var pl notify.Payload
		if err := json.Unmarshal(body, &pl); err != nil {
			http.Error(w, err.Error(), http.StatusBadRequest)
			return
		}
		mu.Lock()
		got = append(got, pl)
		mu.Unlock()
	}))
	defer hook.Close()

	d := now.AddDate(0, 0, 20)
	if _, _, err := p.Save(ctx, []passerelle.Opportunity{
		{ID: "c1", Source: "s", Kind: passerelle.KindCall, Title: "Audit de cybersécurité et tests d'intrusion", Language: "fr", Deadline: &d},
		{ID: "c2", Source: "s", Kind: passerelle.KindCall, Title: "Travaux de voirie", Language: "fr", Deadline: &d},
	}); err != nil {
		t.Fatal(err)
	}
	for _, m := range []passerelle.Member{
		{ID: "hooked", Name: "Hooked", Tier: passerelle.TierPremium, Clusters: []string{"security"}, Skills: []string{"cybersécurité", "tests d'intrusion"},
			Notify: passerelle.NotifySettings{Frequency: "daily", Channels: []string{"webhook"}, WebhookURL: hook.URL}},
		{ID: "mailed", Name: "Mailed", Tier: passerelle.TierPremium, Clusters: []string{"security"}, Skills: []string{"cybersécurité", "tests d'intrusion"},
			Contacts: []passerelle.Contact{{Email: "a@example.org"}}},
		{ID: "quiet", Name: "Quiet", Tier: passerelle.TierPremium, Clusters: []string{"security"}, Skills: []string{"cybersécurité", "tests d'intrusion"},
			Notify: passerelle.NotifySettings{Frequency: "off"}},
	} {
		if _, err := p.Store.PutMember(ctx, m, now); err != nil {
			t.Fatal(err)
		}
	}
	// A run without delivery: it matches what Save left pending; digests go out below.
	run, err := p.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	p.Delivery = &Delivery{Webhook: &notify.Webhook{Secret: secret}}
	if _, _, err := p.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := p.Notify(ctx, run.ID, *p.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	// hooked: sent by webhook. mailed: e-mail without an SMTP server, recorded as failed.
	// quiet: frequency off, nothing.
	if rep.Digests != 2 || rep.Sent != 1 || rep.Failed != 1 || rep.Notified == 0 {
		t.Fatalf("notify report %+v", rep)
	}
	if len(got) != 1 || got[0].Member.ID != "hooked" || len(got[0].Items) != 1 || got[0].Items[0].Opportunity != "c1" {
		t.Fatalf("webhook payloads: %+v", got)
	}
	mt, _ := p.Store.Match(ctx, "hooked", "c1")
	if mt.State != passerelle.MatchNotified {
		t.Errorf("sent match state %q, want notified", mt.State)
	}
	mt, _ = p.Store.Match(ctx, "mailed", "c1")
	if mt.State != passerelle.MatchNew {
		t.Errorf("unsent match state %q, want new (tried again next run)", mt.State)
	}
	dels, err := p.Store.Deliveries(ctx, "mailed", 10)
	if err != nil || len(dels) != 1 || dels[0].OK || !strings.Contains(dels[0].Error, "SMTP") {
		t.Errorf("failed delivery not recorded with its reason: %+v %v", dels, err)
	}
	// Again: nothing new for hooked, so no second webhook call.
	rep, err = p.Notify(ctx, run.ID, *p.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 {
		t.Errorf("a match was sent twice: %d webhook calls", len(got))
	}
	if rep.Sent != 0 {
		t.Errorf("second notify sent %d", rep.Sent)
	}
}
