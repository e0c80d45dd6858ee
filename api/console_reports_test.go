package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
)

// withDelivery makes cyber want its digests by e-mail and by webhook, with only the webhook
// configured (a real HTTP receiver on loopback): one channel delivers, the other fails and
// says which setting is missing. It returns the webhook ids the receiver got.
func withDelivery(t *testing.T, e *env) func() []string {
	t.Helper()
	var mu sync.Mutex
	var ids []string
	hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		_, _ = io.Copy(io.Discard, r.Body)
		mu.Lock()
		ids = append(ids, r.Header.Get(notify.HeaderID))
		mu.Unlock()
	}))
	t.Cleanup(hook.Close)
	ctx := context.Background()
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	m.Contacts = []passerelle.Contact{{Name: "Anne", Email: "anne@cyber.example"}}
	m.Notify = passerelle.NotifySettings{Frequency: "daily", Channels: []string{"email", "webhook"}, WebhookURL: hook.URL}
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	loopback := notify.URLPolicy{HTTPHosts: []string{"127.0.0.1"}, AllowNets: []netip.Prefix{netip.MustParsePrefix("127.0.0.1/32")}}
	e.pl.Delivery = &pipeline.Delivery{Channels: map[string]pipeline.Channel{"webhook": &notify.Webhook{Secret: []byte("s3cret"), Policy: loopback}}}
	return func() []string {
		mu.Lock()
		defer mu.Unlock()
		return append([]string(nil), ids...)
	}
}

// TestRunRecordsStageAndChannels: a run's record says how far it went and, per channel,
// what its deliveries did, with the error of the one that failed.
func TestRunRecordsStageAndChannels(t *testing.T) {
	e := newEnv(t)
	received := withDelivery(t, e)
	var run passerelle.Run
	e.do("POST", "/api/v1/runs", e.staff, "", 202, &run)
	if run.Status != passerelle.RunRunning || run.Stage != passerelle.StageIngest {
		t.Errorf("a started run: status %q stage %q, want running at ingest", run.Status, run.Stage)
	}
	waitRuns(e)
	var done passerelle.Run
	e.do("GET", "/api/v1/runs/"+run.ID, e.staff, "", 200, &done)
	if done.Stage != passerelle.StageNotify || done.Digests != 1 || done.Deliveries != 1 || done.DeliveryFailures != 1 {
		t.Fatalf("run after delivery: stage %q, digests %d, sent %d, failed %d", done.Stage, done.Digests, done.Deliveries, done.DeliveryFailures)
	}
	per := map[string]passerelle.ChannelRun{}
	for _, c := range done.Channels {
		per[c.Channel] = c
	}
	if c := per["webhook"]; c.Sent != 1 || c.Failed != 0 || len(c.Errors) != 0 {
		t.Errorf("webhook channel: %+v", c)
	}
	if c := per["email"]; c.Sent != 0 || c.Failed != 1 || len(c.Errors) != 1 || !strings.Contains(c.Errors[0], "cyber: no SMTP server configured") {
		t.Errorf("email channel: %+v", c)
	}
	if got := received(); len(got) != 1 {
		t.Errorf("webhook received %d digests, want 1", len(got))
	}
	// The runs list gives the same record, lists as [] for a run without channels.
	var page struct {
		Items []map[string]any `json:"items"`
	}
	e.do("GET", "/api/v1/runs", e.staff, "", 200, &page)
	if len(page.Items) != 1 || page.Items[0]["channels"] == nil {
		t.Errorf("runs list: %v", page.Items)
	}
}

// TestMemberDeliveryLog: a member's digests, with per-channel state, attempts, error and
// message id; for staff only.
func TestMemberDeliveryLog(t *testing.T) {
	e := newEnv(t)
	received := withDelivery(t, e)
	var empty struct {
		Items []any `json:"items"`
		Total int   `json:"total"`
	}
	e.do("GET", "/api/v1/members/cyber/digests", e.staff, "", 200, &empty)
	if empty.Items == nil || len(empty.Items) != 0 {
		t.Errorf("no digest yet: items %v, want []", empty.Items)
	}
	e.do("POST", "/api/v1/runs", e.staff, "", 202, nil)
	waitRuns(e)
	var log struct {
		Items []struct {
			ID     string `json:"id"`
			Period string `json:"period"`
			Run    string `json:"run"`
			Items  []struct {
				Opportunity string `json:"opportunity"`
				Title       string `json:"title"`
			} `json:"items"`
			Channels []struct {
				Channel   string `json:"channel"`
				Target    string `json:"target"`
				State     string `json:"state"`
				Attempts  int    `json:"attempts"`
				Error     string `json:"error"`
				MessageID string `json:"message_id"`
			} `json:"channels"`
		} `json:"items"`
		Total int `json:"total"`
	}
	e.do("GET", "/api/v1/members/cyber/digests", e.staff, "", 200, &log)
	if log.Total != 1 || len(log.Items) != 1 {
		t.Fatalf("digests: %+v", log)
	}
	d := log.Items[0]
	if d.Period != "2026-11-27" || len(d.Items) == 0 || d.Items[0].Title == "" {
		t.Errorf("digest: period %q, items %+v", d.Period, d.Items)
	}
	states := map[string]string{}
	for _, c := range d.Channels {
		states[c.Channel] = c.State
		switch c.Channel {
		case "webhook":
			if c.State != "sent" || c.Attempts != 1 || c.MessageID != d.ID || c.Error != "" {
				t.Errorf("webhook channel: %+v (digest %s)", c, d.ID)
			}
			if got := received(); len(got) != 1 || got[0] != c.MessageID {
				t.Errorf("the webhook-id received %v is not the recorded message id %q", got, c.MessageID)
			}
		case "email":
			if c.State != "failed" || c.Attempts != 1 || !strings.Contains(c.Error, "SMTP") {
				t.Errorf("email channel: %+v", c)
			}
		}
	}
	if len(states) != 2 {
		t.Errorf("channels %v, want email and webhook", states)
	}
	// Staff only: a member key gets 403 for its own log and 404 for another's.
	var p problem
	e.do("GET", "/api/v1/members/cyber/digests", e.cyber, "", 403, &p)
	e.do("GET", "/api/v1/members/basic/digests", e.cyber, "", 404, nil)
	e.do("GET", "/api/v1/members/nobody/digests", e.staff, "", 404, nil)
	e.do("GET", "/api/v1/members/cyber/digests", "", "", 401, nil)
}

type feedbackReport struct {
	Counts    map[string]int `json:"counts"`
	ByVersion []struct {
		RulesVersion int `json:"rules_version"`
		Relevant     int `json:"relevant"`
		NotRelevant  int `json:"not_relevant"`
	} `json:"by_version"`
	ByMember []struct {
		Member      string `json:"member"`
		Name        string `json:"name"`
		NotRelevant int    `json:"not_relevant"`
	} `json:"by_member"`
	NotRelevant []struct {
		Opportunity string   `json:"opportunity"`
		Title       string   `json:"title"`
		NotRelevant int      `json:"not_relevant"`
		Members     []string `json:"members"`
		Reasons     []string `json:"reasons"`
	} `json:"not_relevant"`
	Verdicts struct {
		Items []struct {
			Member      string  `json:"member"`
			MemberName  string  `json:"member_name"`
			Opportunity string  `json:"opportunity"`
			Title       string  `json:"title"`
			Score       float64 `json:"score"`
			Verdict     string  `json:"verdict"`
			Reason      string  `json:"reason"`
		} `json:"items"`
		Total      int    `json:"total"`
		NextCursor string `json:"next_cursor"`
	} `json:"verdicts"`
}

// TestFeedbackReport: verdicts with their reasons, per member and per rules version, and
// the notices most often judged not relevant; filters; staff only.
func TestFeedbackReport(t *testing.T) {
	e := newEnv(t)
	var none feedbackReport
	e.do("GET", "/api/v1/feedback/report", e.staff, "", 200, &none)
	if none.Verdicts.Items == nil || none.NotRelevant == nil || none.ByVersion == nil || len(none.Verdicts.Items) != 0 {
		t.Errorf("no feedback yet: %+v, want empty lists", none)
	}
	var matches matchPage
	e.do("GET", "/api/v1/members/cyber/matches", e.staff, "", 200, &matches)
	if len(matches.Items) < 2 {
		t.Fatalf("the test needs two matches, has %d", len(matches.Items))
	}
	good, bad := matches.Items[0], matches.Items[1]
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(good.Opportunity)+"/feedback", e.cyber, `{"verdict":"relevant"}`, 200, nil)
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(bad.Opportunity)+"/feedback", e.cyber, `{"verdict":"not_relevant","reason":"hors de notre zone"}`, 200, nil)

	var rep feedbackReport
	e.do("GET", "/api/v1/feedback/report", e.staff, "", 200, &rep)
	if rep.Counts["relevant"] != 1 || rep.Counts["not_relevant"] != 1 || rep.Verdicts.Total != 2 {
		t.Fatalf("counts %v, verdicts %d", rep.Counts, rep.Verdicts.Total)
	}
	if len(rep.ByVersion) != 1 || rep.ByVersion[0].RulesVersion != bad.RulesVersion || rep.ByVersion[0].NotRelevant != 1 {
		t.Errorf("by version: %+v", rep.ByVersion)
	}
	if len(rep.ByMember) != 1 || rep.ByMember[0].Member != "cyber" || rep.ByMember[0].Name != "Cyber SA" {
		t.Errorf("by member: %+v", rep.ByMember)
	}
	if len(rep.NotRelevant) != 1 || rep.NotRelevant[0].Opportunity != bad.Opportunity || rep.NotRelevant[0].Title != bad.Title ||
		len(rep.NotRelevant[0].Reasons) != 1 || rep.NotRelevant[0].Reasons[0] != "hors de notre zone" {
		t.Errorf("not relevant: %+v", rep.NotRelevant)
	}
	found := false
	for _, v := range rep.Verdicts.Items {
		if v.Opportunity == bad.Opportunity {
			found = v.Verdict == "not_relevant" && v.Reason == "hors de notre zone" && v.Title == bad.Title && v.Score == bad.Score && v.MemberName == "Cyber SA"
		}
	}
	if !found {
		t.Errorf("the not-relevant verdict is not listed with its reason, title and score: %+v", rep.Verdicts.Items)
	}
	// A page of one: the cursor leads to the other.
	var first feedbackReport
	e.do("GET", "/api/v1/feedback/report?limit=1", e.staff, "", 200, &first)
	if len(first.Verdicts.Items) != 1 || first.Verdicts.NextCursor == "" || first.Counts["relevant"] != 1 {
		t.Errorf("limit=1: %+v", first.Verdicts)
	}

	// Filters: another member, another rules version.
	var other feedbackReport
	e.do("GET", "/api/v1/feedback/report?member=basic", e.staff, "", 200, &other)
	if other.Verdicts.Total != 0 || len(other.NotRelevant) != 0 {
		t.Errorf("member=basic: %+v", other)
	}
	e.do("GET", "/api/v1/feedback/report?rules_version=999", e.staff, "", 200, &other)
	if other.Verdicts.Total != 0 {
		t.Errorf("rules_version=999: %+v", other.Verdicts)
	}
	var mine feedbackReport
	e.do("GET", "/api/v1/feedback/report?member=cyber&rules_version="+strconv.Itoa(bad.RulesVersion), e.staff, "", 200, &mine)
	if mine.Verdicts.Total != 2 {
		t.Errorf("member=cyber at its version: %d verdicts", mine.Verdicts.Total)
	}
	var p problem
	e.do("GET", "/api/v1/feedback/report?rules_version=abc", e.staff, "", 400, &p)
	if !strings.Contains(p.Detail+p.Title, "rules_version") {
		t.Errorf("bad rules_version: %+v", p)
	}
	e.do("GET", "/api/v1/feedback/report?member=nobody", e.staff, "", 404, nil)
	e.do("GET", "/api/v1/feedback/report", e.cyber, "", 403, nil)
}
