package pipeline

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

func TestRunSendsDigestsOnce(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	secret := []byte("s3cret")
	var mu sync.Mutex
	var got []notify.Payload
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.Verify(secret, body, r.Header.Get(notify.HeaderLegacySignature)) {
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
	p.Delivery = &Delivery{Channels: map[string]Channel{"webhook": &notify.Webhook{Secret: secret, Policy: loopback}}}
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
		dd, _ := p.Store.Deliveries(ctx, "", 10)
		t.Fatalf("notify report %+v %+v", rep, dd)
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
	if rep.Digests != 0 || rep.Failed != 1 {
		t.Errorf("second notify: %+v, want no new digest and the failed e-mail tried again", rep)
	}
}

var loopback = notify.URLPolicy{HTTPHosts: []string{"127.0.0.1"}, AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}

// recordingMail is an e-mail channel that keeps what it was given: the pipeline's side of
// the contract (which digest, which id, how many times) is what these tests look at; the
// SMTP side is tested against mailpit in notify and in the crash test of cmd/passerelle.
type recordingMail struct {
	mu   sync.Mutex
	sent []notify.Digest
}

func (r *recordingMail) Target(m passerelle.Member) (string, error) { return contactList(m), nil }
func (r *recordingMail) Send(_ context.Context, d notify.Digest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, d)
	return nil
}

// hookServer answers its script of statuses and keeps the webhook-id of each call.
func hookServer(t *testing.T, secret []byte, script ...int) (*httptest.Server, *[]string, *[]notify.Payload) {
	var mu sync.Mutex
	var ids []string
	var bodies []notify.Payload
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if !notify.VerifyStandard(secret, r.Header.Get(notify.HeaderID), r.Header.Get(notify.HeaderTimestamp), body, r.Header.Get(notify.HeaderSignature)) {
			t.Errorf("bad webhook-signature")
		}
		var pl notify.Payload
		_ = json.Unmarshal(body, &pl)
		mu.Lock()
		n := len(ids)
		ids = append(ids, r.Header.Get(notify.HeaderID))
		bodies = append(bodies, pl)
		mu.Unlock()
		w.WriteHeader(script[min(n, len(script)-1)])
	}))
	t.Cleanup(srv.Close)
	return srv, &ids, &bodies
}

func saveCalls(t *testing.T, p *Pipeline, n int) {
	t.Helper()
	d := now.AddDate(0, 0, 20)
	var ops []passerelle.Opportunity
	for i := 0; i < n; i++ {
		ops = append(ops, passerelle.Opportunity{ID: "c" + string(rune('a'+i)), Source: "s", Kind: passerelle.KindCall,
			Title: "Audit de cybersécurité et tests d'intrusion, lot " + string(rune('A'+i)), Language: "fr", Deadline: &d})
	}
	if _, _, err := p.Save(context.Background(), ops); err != nil {
		t.Fatal(err)
	}
}

// TestFailedWebhookAloneIsRetried: e-mail and webhook, the webhook answers 500. The e-mail
// goes once; the next run tries the webhook again, with the same webhook-id, and does not
// send the e-mail again; once the webhook answers, nothing is sent any more.
func TestFailedWebhookAloneIsRetried(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	secret := []byte("s3cret")
	hook, ids, bodies := hookServer(t, secret, 500, 500, 500, 200)
	mail := &recordingMail{}
	p.Delivery = &Delivery{Channels: map[string]Channel{
		"email":   mail,
		"webhook": &notify.Webhook{Secret: secret, Policy: loopback, Attempts: 3, Backoff: 1},
	}}
	saveCalls(t, p, 2)
	m := passerelle.Member{ID: "both", Name: "Both", Tier: passerelle.TierPremium, Clusters: []string{"security"},
		Skills: []string{"cybersécurité", "tests d'intrusion"}, Contacts: []passerelle.Contact{{Email: "a@example.org"}},
		Notify: passerelle.NotifySettings{Frequency: "daily", Channels: []string{"email", "webhook"}, WebhookURL: hook.URL}}
	if _, err := p.Store.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	rep, err := p.Notify(ctx, "r1", *p.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Digests != 1 || rep.Sent != 1 || rep.Failed != 1 || len(mail.sent) != 1 || len(*ids) != 3 {
		t.Fatalf("first run: %+v, %d e-mails, %d webhook calls", rep, len(mail.sent), len(*ids))
	}
	// The e-mail delivered: its matches count as notified.
	if mt, _ := p.Store.Match(ctx, "both", "ca"); mt.State != passerelle.MatchNotified {
		t.Errorf("match state %q after the e-mail went, want notified", mt.State)
	}
	rep, err = p.Notify(ctx, "r2", *p.Delivery)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Digests != 0 || rep.Sent != 1 || rep.Failed != 0 || len(mail.sent) != 1 || len(*ids) != 4 {
		t.Fatalf("second run: %+v, %d e-mails, %d webhook calls", rep, len(mail.sent), len(*ids))
	}
	for i, id := range *ids {
		if id != mail.sent[0].ID || (*bodies)[i].Delivery != id {
			t.Errorf("call %d has webhook-id %q, the e-mail's digest %q", i+1, id, mail.sent[0].ID)
		}
	}
	if _, err := p.Notify(ctx, "r3", *p.Delivery); err != nil {
		t.Fatal(err)
	}
	if len(mail.sent) != 1 || len(*ids) != 4 {
		t.Errorf("third run sent again: %d e-mails, %d webhook calls", len(mail.sent), len(*ids))
	}
	dg, err := p.Store.Digests(ctx, "both")
	if err != nil || len(dg) != 1 || dg[0].Unfinished() || dg[0].Channels[1].Attempts != 2 {
		t.Errorf("digest records %+v %v", dg, err)
	}
}

// TestOneDigestPerPeriod: however many notify calls, a daily member gets one digest a day
// with the best max_per_digest and the count of the others, which are not sent later; the
// next day brings only what is new since.
func TestOneDigestPerPeriod(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	rules, err := p.Rules(ctx)
	if err != nil {
		t.Fatal(err)
	}
	rules.MaxPerDigest = 2
	if _, err := p.Store.PutRules(ctx, rules, now); err != nil {
		t.Fatal(err)
	}
	mail := &recordingMail{}
	p.Delivery = &Delivery{Channels: map[string]Channel{"email": mail}}
	saveCalls(t, p, 5)
	m := passerelle.Member{ID: "daily", Name: "Daily", Tier: passerelle.TierPremium, Clusters: []string{"security"},
		Skills: []string{"cybersécurité", "tests d'intrusion"}, Contacts: []passerelle.Contact{{Email: "a@example.org"}}}
	if _, err := p.Store.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := p.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	for i := 0; i < 3; i++ {
		if _, err := p.Notify(ctx, "", *p.Delivery); err != nil {
			t.Fatal(err)
		}
	}
	if len(mail.sent) != 1 || len(mail.sent[0].Items) != 2 || mail.sent[0].More != 3 {
		t.Fatalf("%d digests (first: %d items, %d more), want one of 2 items and 3 more", len(mail.sent), len(mail.sent[0].Items), mail.sent[0].More)
	}
	if !strings.Contains(mail.sent[0].TextBody(), "3 autres nouvelles opportunités vous attendent") {
		t.Errorf("the digest does not say how many more wait:\n%s", mail.sent[0].TextBody())
	}
	// The next day: the three held are not dripped out; nothing new, no digest.
	next := now.Add(24 * time.Hour)
	p.Now = func() time.Time { return next }
	if _, err := p.Notify(ctx, "", *p.Delivery); err != nil {
		t.Fatal(err)
	}
	if len(mail.sent) != 1 {
		t.Fatalf("the held matches were sent the next day: %d digests", len(mail.sent))
	}
}

// TestRunWithFailedDeliveriesIsPartial: a run whose webhook receiver answers 500 has not done
// its job — a member did not get its digest — so it ends partial with the failure counted in
// its record, per channel; the next run retries the webhook alone and, once it answers, ends ok.
func TestRunWithFailedDeliveriesIsPartial(t *testing.T) {
	p := newPipeline(t)
	ctx := context.Background()
	secret := []byte("s3cret")
	hook, ids, _ := hookServer(t, secret, 500, 200)
	mail := &recordingMail{}
	p.Delivery = &Delivery{Channels: map[string]Channel{
		"email":   mail,
		"webhook": &notify.Webhook{Secret: secret, Policy: loopback, Attempts: 1, Backoff: 1},
	}}
	saveCalls(t, p, 1)
	m := passerelle.Member{ID: "both", Name: "Both", Tier: passerelle.TierPremium, Clusters: []string{"security"},
		Skills: []string{"cybersécurité", "tests d'intrusion"}, Contacts: []passerelle.Contact{{Email: "a@example.org"}},
		Notify: passerelle.NotifySettings{Frequency: "daily", Channels: []string{"email", "webhook"}, WebhookURL: hook.URL}}
	if _, err := p.Store.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}

	run, err := p.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	per := map[string]passerelle.ChannelRun{}
	for _, c := range run.Channels {
		per[c.Channel] = c
	}
	if run.Status != passerelle.RunPartial || run.Deliveries != 1 || run.DeliveryFailures != 1 ||
		per["email"].Sent != 1 || per["webhook"].Failed != 1 || len(per["webhook"].Errors) != 1 || !strings.Contains(per["webhook"].Errors[0], "500") {
		t.Fatalf("run with a failing webhook: status %q, sent %d, failed %d, channels %+v", run.Status, run.Deliveries, run.DeliveryFailures, run.Channels)
	}
	stored, err := p.Store.Run(ctx, run.ID)
	if err != nil || stored.Status != passerelle.RunPartial || stored.DeliveryFailures != 1 {
		t.Errorf("stored run: status %q, failures %d, %v", stored.Status, stored.DeliveryFailures, err)
	}

	run, err = p.Run(ctx, "test")
	if err != nil {
		t.Fatal(err)
	}
	if run.Status != passerelle.RunOK || run.Deliveries != 1 || run.DeliveryFailures != 0 || len(mail.sent) != 1 || len(*ids) != 2 {
		t.Errorf("retry run: status %q, sent %d, failed %d; %d e-mails, %d webhook calls (want ok, the webhook alone retried)",
			run.Status, run.Deliveries, run.DeliveryFailures, len(mail.sent), len(*ids))
	}
}

// A digest owed when the member switches its digests off (an unsubscribe) or is deleted is
// never retried: its open channels are closed as abandoned, saying why.
func TestOwedDigestAbandonedWhenUnwanted(t *testing.T) {
	for _, c := range []struct {
		name   string
		change func(p *Pipeline, m passerelle.Member) error
		why    string
	}{
		{"switched off", func(p *Pipeline, m passerelle.Member) error {
			m.Notify.Frequency = "off"
			_, err := p.Store.PutMember(context.Background(), m, now)
			return err
		}, "switched its digests off"},
		{"deleted", func(p *Pipeline, m passerelle.Member) error {
			return p.Store.DeleteMember(context.Background(), m.ID)
		}, "deleted"},
	} {
		t.Run(c.name, func(t *testing.T) {
			p := newPipeline(t)
			ctx := context.Background()
			secret := []byte("s3cret")
			hook, ids, _ := hookServer(t, secret, 500, 200)
			p.Delivery = &Delivery{Channels: map[string]Channel{
				"webhook": &notify.Webhook{Secret: secret, Policy: loopback, Attempts: 1, Backoff: 1},
			}}
			saveCalls(t, p, 1)
			m := passerelle.Member{ID: "hooked", Name: "Hooked", Tier: passerelle.TierPremium, Clusters: []string{"security"},
				Skills: []string{"cybersécurité", "tests d'intrusion"},
				Notify: passerelle.NotifySettings{Frequency: "daily", Channels: []string{"webhook"}, WebhookURL: hook.URL}}
			if _, err := p.Store.PutMember(ctx, m, now); err != nil {
				t.Fatal(err)
			}
			if run, err := p.Run(ctx, "test"); err != nil || run.DeliveryFailures != 1 {
				t.Fatalf("first run: %+v, %v (want the webhook to fail once)", run, err)
			}
			stored, err := p.Store.Member(ctx, "hooked")
			if err != nil {
				t.Fatal(err)
			}
			if err := c.change(p, stored); err != nil {
				t.Fatal(err)
			}
			run, err := p.Run(ctx, "test")
			if err != nil {
				t.Fatal(err)
			}
			if len(*ids) != 1 || run.Deliveries != 0 || run.DeliveryFailures != 0 {
				t.Errorf("after the member was %s: %d webhook calls, sent %d, failed %d (want the owed digest left alone)",
					c.name, len(*ids), run.Deliveries, run.DeliveryFailures)
			}
			open, err := p.Store.UnfinishedDigests(ctx)
			if err != nil || len(open) != 0 {
				t.Fatalf("unfinished digests %+v, %v", open, err)
			}
			ds, err := p.Store.Digests(ctx, "hooked")
			if c.name == "deleted" {
				if err != nil || len(ds) != 0 {
					t.Errorf("a deleted member's digests: %+v, %v (want them gone with it)", ds, err)
				}
				return
			}
			if err != nil || len(ds) != 1 || ds[0].Channels[0].State != store.ChannelAbandoned || !strings.Contains(ds[0].Channels[0].Error, c.why) {
				t.Errorf("the owed digest: %+v, %v (want its webhook abandoned, saying the member %s)", ds, err, c.why)
			}
		})
	}
}
