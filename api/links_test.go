package api_test

import (
	"context"
	"encoding/csv"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
)

// token signs a claim with the store's link secret, as the digests do.
func (e *env) token(c notify.Claim) string {
	e.t.Helper()
	secret, err := e.db.LinkSecret(context.Background())
	if err != nil {
		e.t.Fatal(err)
	}
	return notify.SignToken(secret, c)
}

// send makes a request without a key and returns status, content type and body.
func (e *env) send(method, path, accept, ctype, body string) (int, string, string) {
	e.t.Helper()
	req, _ := http.NewRequest(method, e.srv.URL+path, strings.NewReader(body))
	if accept != "" {
		req.Header.Set("Accept", accept)
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, resp.Header.Get("Content-Type"), string(b)
}

func (e *env) match(member, opp string) passerelle.Match {
	e.t.Helper()
	m, err := e.db.Match(context.Background(), member, opp)
	if err != nil {
		e.t.Fatal(err)
	}
	return m
}

const acceptHTML = "text/html,application/xhtml+xml"

// noInlineCode fails when a server-rendered page holds what its CSP blocks.
func noInlineCode(t *testing.T, body string) {
	t.Helper()
	code := regexp.MustCompile(`<script type="application/json" id="messages">[^<]*</script>`).ReplaceAllString(body, "")
	if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(code) {
		t.Error("page holds inline script, style or event handler, which its CSP blocks")
	}
}

// TestFeedbackLink: the GET of a digest's button shows a confirmation and changes nothing
// (mail scanners open links); the page's POST records the verdict as the API does.
func TestFeedbackLink(t *testing.T) {
	e := newEnv(t)
	tok := e.token(notify.Claim{Purpose: notify.PurposeMatch, Member: "cyber", Opportunity: "o1"})
	before := e.match("cyber", "o1")
	for range 3 { // a scanner, a preview, the person
		code, ct, body := e.send("GET", "/app/feedback/"+tok+"?verdict=not_relevant", acceptHTML, "", "")
		if code != 200 || !strings.HasPrefix(ct, "text/html") {
			t.Fatalf("confirmation page: %d %s", code, ct)
		}
		noInlineCode(t, body)
		for _, s := range []string{"Audit de cybersécurité et tests d&#39;intrusion", `method="post"`, `action="/app/feedback/` + tok + `"`,
			`value="not_relevant" checked`, "Confirmer", `href="?lang=en&amp;verdict=not_relevant"`} {
			if !strings.Contains(body, s) {
				t.Errorf("confirmation page lacks %q", s)
			}
		}
	}
	if after := e.match("cyber", "o1"); after.Feedback != nil || after.State != before.State {
		t.Fatalf("a GET changed the match: %+v → %+v", before.State, after)
	}
	counts := map[int]map[string]int{}
	e.do("GET", "/api/v1/feedback", e.staff, "", 200, &counts)
	if len(counts) != 0 {
		t.Fatalf("feedback counts before any verdict: %v", counts)
	}

	code, _, body := e.send("POST", "/app/feedback/"+tok, acceptHTML, "application/x-www-form-urlencoded",
		url.Values{"verdict": {"not_relevant"}, "reason": {"hors de notre métier"}}.Encode())
	if code != 200 || !strings.Contains(body, `id="fb-done"`) || !strings.Contains(body, "pas pertinent") {
		t.Fatalf("POST: %d %s", code, body)
	}
	got := e.match("cyber", "o1")
	if got.Feedback == nil || got.Feedback.Verdict != passerelle.VerdictNotRelevant || got.Feedback.Reason != "hors de notre métier" || got.State != passerelle.MatchSeen {
		t.Fatalf("stored after POST: %+v", got)
	}
	// The same path as the API: the verdict is counted under its rules version.
	e.do("GET", "/api/v1/feedback", e.staff, "", 200, &counts)
	if counts[got.RulesVersion]["not_relevant"] != 1 {
		t.Errorf("feedback counts %v", counts)
	}
	// The page now says what was chosen.
	if _, _, body := e.send("GET", "/app/feedback/"+tok, acceptHTML, "", ""); !strings.Contains(body, `id="fb-current"`) {
		t.Error("the confirmation page does not show the verdict already given")
	}
	// A bad verdict in the form is refused and stores nothing.
	if code, _, _ := e.send("POST", "/app/feedback/"+tok, "", "application/x-www-form-urlencoded", "verdict=saved"); code != 400 {
		t.Errorf("POST verdict=saved: %d, want 400", code)
	}
}

// TestBadLinkTokens: forged, altered, other-purpose and unknown tokens get a clear 4xx — a
// page for a browser, a problem for a program — and change nothing.
func TestBadLinkTokens(t *testing.T) {
	e := newEnv(t)
	good := e.token(notify.Claim{Purpose: notify.PurposeMatch, Member: "cyber", Opportunity: "o1"})
	forged := notify.SignToken([]byte("not the server's secret, a guess"), notify.Claim{Purpose: notify.PurposeMatch, Member: "cyber", Opportunity: "o1"})
	unsub := e.token(notify.Claim{Purpose: notify.PurposeUnsubscribe, Member: "cyber"})
	p, mac, _ := strings.Cut(good, ".")
	altered := p[:len(p)-1] + "x." + mac
	gone := e.token(notify.Claim{Purpose: notify.PurposeMatch, Member: "cyber", Opportunity: "no-such"})
	for _, tc := range []struct {
		name, method, path string
		want               int
		detail             string
	}{
		{"forged", "GET", "/app/feedback/" + forged, 400, "not valid"},
		{"forged POST", "POST", "/app/feedback/" + forged, 400, "not valid"},
		{"altered", "GET", "/app/feedback/" + altered, 400, "not valid"},
		{"truncated", "GET", "/app/feedback/" + p, 400, "malformed"},
		{"unsubscribe token as feedback", "POST", "/app/feedback/" + unsub, 400, "not meant for this page"},
		{"feedback token as unsubscribe", "POST", "/u/" + good, 400, "not meant for this page"},
		{"forged unsubscribe", "POST", "/u/" + forged, 400, "not valid"},
		{"no such match", "GET", "/app/feedback/" + gone, 404, "no-such"},
		{"opportunity page, forged", "GET", "/app/api/opportunities/o1?t=" + forged, 400, "not valid"},
		{"opportunity page, token of another", "GET", "/app/api/opportunities/o2?t=" + good, 400, "another opportunity"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			code, ct, body := e.send(tc.method, tc.path, "", "application/x-www-form-urlencoded", "verdict=relevant&List-Unsubscribe=One-Click")
			if code != tc.want || ct != "application/problem+json" || !strings.Contains(body, tc.detail) {
				t.Errorf("%d %s %s, want %d problem saying %q", code, ct, body, tc.want, tc.detail)
			}
			if code, ct, body := e.send(tc.method, tc.path, acceptHTML, "application/x-www-form-urlencoded", "verdict=relevant"); code != tc.want ||
				(!strings.HasPrefix(tc.path, "/app/api/") && (!strings.HasPrefix(ct, "text/html") || !strings.Contains(body, "Ce lien ne peut pas être suivi"))) {
				t.Errorf("for a browser: %d %s", code, ct)
			}
		})
	}
	if m := e.match("cyber", "o1"); m.Feedback != nil {
		t.Errorf("a bad token stored a verdict: %+v", m.Feedback)
	}
	if m, _ := e.db.Member(context.Background(), "cyber"); m.Notify.Frequency == "off" {
		t.Error("a bad token unsubscribed the member")
	}
}

// recordingChannel keeps the digests it is given.
type recordingChannel struct {
	mu   sync.Mutex
	sent []notify.Digest
}

func (r *recordingChannel) Target(m passerelle.Member) (string, error) { return m.ID, nil }
func (r *recordingChannel) Send(_ context.Context, d notify.Digest) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent = append(r.sent, d)
	return nil
}

// TestUnsubscribeOneClick: the GET shows a button and changes nothing; the RFC 8058 POST
// turns digests off, is logged as the member's own change, and `notify` then sends the
// member nothing while another member still gets its digest.
func TestUnsubscribeOneClick(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	twin, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	twin.ID, twin.Name = "twin", "Twin SA"
	if _, err := e.db.PutMember(ctx, twin, now); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	tok := e.token(notify.Claim{Purpose: notify.PurposeUnsubscribe, Member: "cyber"})
	code, _, body := e.send("GET", "/u/"+tok, acceptHTML, "", "")
	if code != 200 || !strings.Contains(body, `id="u-confirm"`) || !strings.Contains(body, `action="/u/`+tok+`"`) {
		t.Fatalf("unsubscribe page: %d %s", code, body)
	}
	noInlineCode(t, body)
	if m, _ := e.db.Member(ctx, "cyber"); m.Notify.Frequency == "off" {
		t.Fatal("the GET unsubscribed")
	}
	// What a mail client sends: no cookie, no Accept, the one-click body.
	code, ct, body := e.send("POST", "/u/"+tok, "", "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	if code != 200 || !strings.HasPrefix(ct, "text/plain") || !strings.Contains(body, "unsubscribed") {
		t.Fatalf("one-click POST: %d %s %s", code, ct, body)
	}
	if m, _ := e.db.Member(ctx, "cyber"); m.Notify.Frequency != "off" {
		t.Fatalf("frequency after one-click: %q", m.Notify.Frequency)
	}
	// Again (a second click, the page's button): still fine, nothing more logged.
	if code, _, body := e.send("POST", "/u/"+tok, acceptHTML, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click"); code != 200 || !strings.Contains(body, `id="u-done"`) {
		t.Fatalf("second POST: %d %s", code, body)
	}
	var log struct {
		Items []struct {
			Actor, Action, Target string
			Changes               []struct{ Field string }
		}
	}
	e.do("GET", "/api/v1/audit", e.staff, "", 200, &log)
	var mine int
	for _, it := range log.Items {
		if it.Target == "cyber" && it.Action == "member.update" {
			mine++
			if !strings.HasPrefix(it.Actor, "member:cyber") || len(it.Changes) != 1 || it.Changes[0].Field != "notify.frequency" {
				t.Errorf("audit entry %+v", it)
			}
		}
	}
	if mine != 1 {
		t.Errorf("%d audit entries for the unsubscribe, want 1", mine)
	}

	ch := &recordingChannel{}
	rep, err := e.pl.Notify(ctx, "", pipeline.Delivery{Channels: map[string]pipeline.Channel{"email": ch}, BaseURL: "https://p.example"})
	if err != nil {
		t.Fatal(err)
	}
	if rep.Digests != 1 || len(ch.sent) != 1 || ch.sent[0].Member.ID != "twin" {
		var who []string
		for _, d := range ch.sent {
			who = append(who, d.Member.ID)
		}
		t.Fatalf("notify after unsubscribing: %+v, sent to %v; want one digest, to twin only", rep, who)
	}
	if ds, _ := e.db.Digests(ctx, "cyber"); len(ds) != 0 {
		t.Errorf("an unsubscribed member has %d digest records", len(ds))
	}
	// The twin's digest carries working links for its own member.
	if u := ch.sent[0].UnsubscribeURL(); !strings.HasPrefix(u, "https://p.example/u/") {
		t.Errorf("unsubscribe URL %q", u)
	}
}

// TestOpportunityPageData: a digest's signed link shows the opportunity with the member's
// match and reasons, without a key; a key works as for the rest of the API.
func TestOpportunityPageData(t *testing.T) {
	e := newEnv(t)
	tok := e.token(notify.Claim{Purpose: notify.PurposeMatch, Member: "cyber", Opportunity: "o1"})
	var page struct {
		Opportunity passerelle.Opportunity `json:"opportunity"`
		Member      string                 `json:"member"`
		Match       *struct {
			passerelle.Match
			Said []string `json:"said"`
		} `json:"match"`
	}
	code, _, body := e.send("GET", "/app/api/opportunities/o1?t="+url.QueryEscape(tok), "", "", "")
	if code != 200 {
		t.Fatalf("%d %s", code, body)
	}
	if err := json.Unmarshal([]byte(body), &page); err != nil {
		t.Fatal(err)
	}
	if page.Opportunity.Title != "Audit de cybersécurité et tests d'intrusion" || page.Member != "cyber" || page.Match == nil || len(page.Match.Said) == 0 || page.Match.Said[0] == "" {
		t.Fatalf("page data %s", body)
	}
	if code, _, _ := e.send("GET", "/app/api/opportunities/o1", "", "", ""); code != 401 {
		t.Errorf("no token, no key: %d, want 401", code)
	}
	e.do("GET", "/app/api/opportunities/o1", e.cyber, "", 200, &page)
	if page.Match == nil || page.Member != "cyber" {
		t.Errorf("member key: %+v", page)
	}
	// The page itself is a shell like the others.
	resp, page2 := e.get("/app/opportunities/o1?t=" + tok)
	if resp.StatusCode != 200 || !strings.Contains(page2, "/static/opportunity.js?v=") {
		t.Errorf("opportunity page: %d", resp.StatusCode)
	}
	checkSecurityHeaders(t, resp.Header)
}

// TestMemberListsAndExport: sort by deadline, filter by kind and cluster, undo a verdict,
// and export the saved list as CSV.
func TestMemberListsAndExport(t *testing.T) {
	e := newEnv(t)
	var all, calls matchPage
	e.do("GET", "/api/v1/members/cyber/matches?limit=50", e.cyber, "", 200, &all)
	e.do("GET", "/api/v1/members/cyber/matches?limit=50&kind=call&sort=deadline", e.cyber, "", 200, &calls)
	if len(calls.Items) == 0 || len(calls.Items) > len(all.Items) {
		t.Fatalf("kind=call: %d of %d", len(calls.Items), len(all.Items))
	}
	for _, it := range calls.Items {
		if o, _ := e.db.Opportunity(context.Background(), it.Opportunity); o.Kind != passerelle.KindCall {
			t.Errorf("kind=call lists %s, a %s", it.Opportunity, o.Kind)
		}
	}
	e.do("GET", "/api/v1/members/cyber/matches?kind=sideways", e.cyber, "", 400, nil)
	e.do("GET", "/api/v1/members/cyber/matches?sort=random", e.cyber, "", 400, nil)
	var none matchPage
	e.do("GET", "/api/v1/members/cyber/matches?cluster=seriousgames", e.cyber, "", 200, &none)
	if none.Total != 0 {
		t.Errorf("cluster=seriousgames: %d", none.Total)
	}

	first := all.Items[0].Opportunity
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(first)+"/feedback", e.cyber, `{"verdict":"saved"}`, 200, nil)
	second := all.Items[1].Opportunity
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(second)+"/feedback", e.cyber, `{"verdict":"saved"}`, 200, nil)
	var undone passerelle.Match
	e.do("DELETE", "/api/v1/members/cyber/matches/"+url.PathEscape(second)+"/feedback", e.cyber, "", 200, &undone)
	if undone.Feedback != nil || undone.State != passerelle.MatchSeen {
		t.Errorf("after undo: %+v", undone)
	}
	e.do("DELETE", "/api/v1/members/basic/matches/o1/feedback", e.cyber, "", 404, nil)
	counts := map[int]map[string]int{}
	e.do("GET", "/api/v1/feedback", e.staff, "", 200, &counts)
	if c := counts[undone.RulesVersion]; c["saved"] != 1 {
		t.Errorf("feedback counts after one undo of two saves: %v", c)
	}

	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/members/cyber/matches.csv?state=saved", nil)
	req.Header.Set("Authorization", "Bearer "+e.cyber)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.Header.Get("Content-Type") != "text/csv; charset=utf-8" || !strings.Contains(resp.Header.Get("Content-Disposition"), "passerelle-cyber-saved.csv") {
		t.Fatalf("csv: %d %v", resp.StatusCode, resp.Header)
	}
	raw, _ := io.ReadAll(resp.Body)
	rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(string(raw), "\ufeff"))).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 2 || rows[0][0] != "opportunity" || rows[1][0] != first || rows[1][8] != "saved" || rows[1][9] != "saved" {
		t.Fatalf("saved list as CSV: %q", rows)
	}
	e.do("GET", "/api/v1/members/basic/matches.csv", e.staff, "", 403, nil)
}
