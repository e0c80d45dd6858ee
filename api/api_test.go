package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
	"github.com/passerelle/passerelle/store"
)

var now = time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)

type env struct {
	t        *testing.T
	srv      *httptest.Server
	db       *store.DB
	pl       *pipeline.Pipeline
	staff    string
	cyber    string // premium member key
	basicKey string
}

func newEnv(t *testing.T) *env {
	t.Helper()
	dir := t.TempDir()
	db, err := store.Open(filepath.Join(dir, "p.db"))
	if err != nil {
		t.Fatal(err)
	}
	ix, err := index.Open(filepath.Join(dir, "index"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ix.Close(); db.Close() })
	pl := &pipeline.Pipeline{Store: db, Index: ix, Fetcher: &source.Fetcher{}, Now: func() time.Time { return now }}
	ctx := context.Background()
	deadline := now.AddDate(0, 0, 20)
	ops := []passerelle.Opportunity{
		{ID: "o1", Source: "s", Kind: passerelle.KindCall, Title: "Audit de cybersécurité et tests d'intrusion", Description: "Sécurité informatique des PME.", Language: "fr", Country: "BE", CPV: []string{"72212730"}, Deadline: &deadline},
		{ID: "o2", Source: "s", Kind: passerelle.KindCall, Title: "Cybersecurity awareness training", Description: "Security training for staff.", Language: "en", Country: "BE", Deadline: &deadline},
		{ID: "o3", Source: "s", Kind: passerelle.KindTender, Title: "Travaux de voirie", Description: "Asphaltage de routes communales.", Language: "fr", Country: "BE", CPV: []string{"45233140"}, Deadline: &deadline},
		{ID: "a/b c", Source: "s", Kind: passerelle.KindCall, Title: "Plateforme de sécurité réseau", Description: "Pare-feu et détection d'intrusion.", Language: "fr", Country: "FR", Deadline: &deadline},
	}
	if _, _, err := pl.Save(ctx, ops); err != nil {
		t.Fatal(err)
	}
	for _, m := range []passerelle.Member{
		{ID: "cyber", Name: "Cyber SA", Tier: passerelle.TierPremium, Clusters: []string{"security"}, Skills: []string{"cybersécurité", "tests d'intrusion", "sécurité réseau"}},
		{ID: "basic", Name: "Basic", Tier: passerelle.TierBasic, Skills: []string{"cybersécurité"}},
	} {
		if _, err := db.PutMember(ctx, m, now); err != nil {
			t.Fatal(err)
		}
	}
	if _, _, err := pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, db: db, pl: pl}
	_, e.staff, _ = db.CreateKey(ctx, passerelle.RoleStaff, "", now)
	_, e.cyber, _ = db.CreateKey(ctx, passerelle.RoleMember, "cyber", now)
	_, e.basicKey, _ = db.CreateKey(ctx, passerelle.RoleMember, "basic", now)
	e.srv = httptest.NewServer(api.New(api.Config{Store: db, Index: ix, Runner: pl, Now: func() time.Time { return now }, MaxBody: 4096}))
	t.Cleanup(e.srv.Close)
	return e
}

// do sends a request and decodes the answer into out (when not nil), checking the status.
func (e *env) do(method, path, key, body string, want int, out any) http.Header {
	e.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, e.srv.URL+path, rd)
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkAgainstSpec(e.t, req, resp.StatusCode, resp.Header, b)
	if resp.StatusCode != want {
		e.t.Fatalf("%s %s: status %d, want %d: %s", method, path, resp.StatusCode, want, b)
	}
	if resp.StatusCode >= 400 && resp.Header.Get("Content-Type") != "application/problem+json" {
		e.t.Errorf("%s %s: error content type %q", method, path, resp.Header.Get("Content-Type"))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			e.t.Fatalf("%s %s: %v: %s", method, path, err, b)
		}
	}
	return resp.Header
}

type problem struct {
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Path    string `json:"path"`
		Message string `json:"message"`
	} `json:"errors"`
}

func TestAuth(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/opportunities", "", "", 401, nil)
	e.do("GET", "/api/v1/opportunities", "pk_wrong", "", 401, nil)
	e.do("GET", "/api/v1/opportunities", e.cyber, "", 200, nil)
	e.do("GET", "/api/v1/members", e.cyber, "", 403, nil)
	e.do("GET", "/api/v1/members/cyber", e.cyber, "", 200, nil)
	e.do("GET", "/api/v1/members/basic", e.cyber, "", 404, nil)
	e.do("GET", "/api/v1/rules", e.cyber, "", 403, nil)
	e.do("GET", "/api/v1/members/basic", e.staff, "", 200, nil)
	var p problem
	e.do("GET", "/api/v1/members/basic/matches", e.basicKey, "", 403, &p)
	if !strings.Contains(p.Title, "premium") {
		t.Errorf("basic tier's 403 title does not say why: %q", p.Title)
	}
	// A revoked key stops working.
	var k struct {
		ID  string `json:"id"`
		Key string `json:"key"`
	}
	e.do("POST", "/api/v1/keys", e.staff, `{"role":"member","member":"cyber"}`, 201, &k)
	e.do("GET", "/api/v1/members/cyber", k.Key, "", 200, nil)
	e.do("DELETE", "/api/v1/keys/"+k.ID, e.staff, "", 204, nil)
	e.do("GET", "/api/v1/members/cyber", k.Key, "", 401, nil)
}

func TestMatchesRankedAndExplained(t *testing.T) {
	e := newEnv(t)
	var page struct {
		Items []struct {
			passerelle.Match
			Title string `json:"title"`
		} `json:"items"`
		Total int `json:"total"`
	}
	e.do("GET", "/api/v1/members/cyber/matches", e.cyber, "", 200, &page)
	if page.Total == 0 {
		t.Fatal("no matches for the cyber member")
	}
	for i, m := range page.Items {
		if m.Opportunity == "o3" {
			t.Errorf("road works matched a cybersecurity member: %+v", m)
		}
		if i > 0 && m.Score > page.Items[i-1].Score {
			t.Errorf("not ranked by score")
		}
		if m.Title == "" || len(m.Explanation.Contributions) == 0 {
			t.Errorf("match %s lacks title or explanation", m.Opportunity)
		}
	}
	// Pagination: one at a time walks through all of them.
	seen := 0
	cursor := ""
	for {
		var pg struct {
			Items      []passerelle.Match `json:"items"`
			NextCursor string             `json:"next_cursor"`
		}
		e.do("GET", "/api/v1/members/cyber/matches?limit=1"+cursor, e.cyber, "", 200, &pg)
		seen += len(pg.Items)
		if pg.NextCursor == "" {
			break
		}
		cursor = "&cursor=" + pg.NextCursor
	}
	if seen != page.Total {
		t.Errorf("paging saw %d matches, want %d", seen, page.Total)
	}
	e.do("GET", "/api/v1/members/cyber/matches?cursor=garbage", e.cyber, "", 400, nil)
	e.do("GET", "/api/v1/members/cyber/matches?limit=lots"+cursor, e.cyber, "", 400, nil)
	e.do("GET", "/api/v1/members/cyber/matches?min_score=200", e.cyber, "", 400, nil)

	// Feedback.
	first := page.Items[0].Opportunity
	var mt passerelle.Match
	e.do("PUT", "/api/v1/members/cyber/matches/"+first+"/feedback", e.cyber, `{"verdict":"saved"}`, 200, &mt)
	if mt.State != passerelle.MatchSaved || mt.Feedback == nil || mt.Feedback.Verdict != passerelle.VerdictSaved {
		t.Errorf("feedback not recorded: %+v", mt)
	}
	var p problem
	e.do("PUT", "/api/v1/members/cyber/matches/"+first+"/feedback", e.cyber, `{"verdict":"meh"}`, 400, &p)
	if len(p.Errors) != 1 || p.Errors[0].Path != "verdict" {
		t.Errorf("bad verdict problem does not name the field: %+v", p)
	}
	e.do("PUT", "/api/v1/members/cyber/matches/o3/feedback", e.cyber, `{"verdict":"relevant"}`, 404, nil)
}

func TestStrictDecoding(t *testing.T) {
	e := newEnv(t)
	var p problem
	e.do("POST", "/api/v1/members", e.staff, `{"id":"x","name":"X","tier":"premium","colour":"red"}`, 400, &p)
	if !strings.Contains(p.Detail, "colour") {
		t.Errorf("unknown field not named: %q", p.Detail)
	}
	e.do("POST", "/api/v1/members", e.staff, `{"id":"x",`, 400, &p)
	e.do("POST", "/api/v1/members", e.staff, `{"id":"x","name":"X","tier":"gold"}`, 400, &p)
	if len(p.Errors) == 0 || p.Errors[0].Path != "tier" {
		t.Errorf("invalid tier not named: %+v", p)
	}
	e.do("POST", "/api/v1/members", e.staff, `{"id":"x","name":"`+strings.Repeat("a", 5000)+`","tier":"basic"}`, 413, nil)
	e.do("POST", "/api/v1/members", e.staff, `{"id":"x","name":"X","tier":"basic"} {}`, 400, nil)
	// Nothing of the rejected requests was stored.
	e.do("GET", "/api/v1/members/x", e.staff, "", 404, nil)
}

func TestMembersCRUD(t *testing.T) {
	e := newEnv(t)
	var m passerelle.Member
	e.do("POST", "/api/v1/members", e.staff, `{"id":"web","name":"Web SA","tier":"premium","clusters":["security"],"skills":["sécurité réseau","détection d'intrusion"]}`, 201, &m)
	e.do("POST", "/api/v1/members", e.staff, `{"id":"web","name":"Web SA","tier":"premium"}`, 409, nil)
	// A new profile is matched at once through the index.
	var page struct {
		Total int `json:"total"`
	}
	e.do("GET", "/api/v1/members/web/matches", e.staff, "", 200, &page)
	if page.Total == 0 {
		t.Error("a new premium profile got no matches at creation")
	}
	e.do("PATCH", "/api/v1/members/web", e.staff, `{"name":"Web Agency"}`, 200, &m)
	if m.Name != "Web Agency" || len(m.Skills) != 2 {
		t.Errorf("patch lost fields: %+v", m)
	}
	// A member cannot promote itself.
	_, key, _ := e.db.CreateKey(context.Background(), passerelle.RoleMember, "basic", now)
	e.do("PUT", "/api/v1/members/basic", key, `{"id":"basic","name":"Basic","tier":"premium"}`, 403, nil)
	e.do("DELETE", "/api/v1/members/web", e.staff, "", 204, nil)
	e.do("GET", "/api/v1/members/web", e.staff, "", 404, nil)
}

func TestOpportunities(t *testing.T) {
	e := newEnv(t)
	var res struct {
		Items []passerelle.Opportunity `json:"items"`
		Total int                      `json:"total"`
	}
	e.do("GET", "/api/v1/opportunities?q=securite", e.staff, "", 200, &res)
	if res.Total < 2 {
		t.Errorf("accent-folded search found %d", res.Total)
	}
	e.do("GET", "/api/v1/opportunities?country=FR", e.staff, "", 200, &res)
	if res.Total != 1 || res.Items[0].ID != "a/b c" {
		t.Errorf("country filter: %+v", res)
	}
	var o passerelle.Opportunity
	e.do("GET", "/api/v1/opportunities/a%2Fb%20c", e.staff, "", 200, &o)
	if o.ID != "a/b c" {
		t.Errorf("escaped id: got %q", o.ID)
	}
	e.do("GET", "/api/v1/opportunities/nope", e.staff, "", 404, nil)
	e.do("GET", "/api/v1/opportunities?sort=sideways", e.staff, "", 400, nil)
	e.do("GET", "/api/v1/opportunities?deadline_before=tomorrow", e.staff, "", 400, nil)
}

func TestRules(t *testing.T) {
	e := newEnv(t)
	var r passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &r)
	r.Weights.Text = -3
	r.Clusters["nosuch"] = passerelle.Bundle{}
	b, _ := json.Marshal(r)
	var p problem
	e.do("PUT", "/api/v1/rules", e.staff, string(b), 400, &p)
	paths := map[string]bool{}
	for _, f := range p.Errors {
		paths[f.Path] = true
	}
	if !paths["weights.text"] || !paths["clusters.nosuch"] {
		t.Errorf("invalid rules: problem does not name each bad field: %+v", p.Errors)
	}
	r.Weights.Text = 50
	delete(r.Clusters, "nosuch")
	r.Comment = "more text"
	b, _ = json.Marshal(r)
	var saved passerelle.Rules
	e.do("PUT", "/api/v1/rules", e.staff, string(b), 201, &saved)
	if saved.Version != r.Version+1 {
		t.Errorf("new version %d, want %d", saved.Version, r.Version+1)
	}
	e.do("GET", "/api/v1/rules/versions/1", e.staff, "", 200, nil)
	e.do("GET", "/api/v1/rules/versions/99", e.staff, "", 404, nil)
	var rep pipeline.PreviewReport
	r.Thresholds.MinScore = 99
	b, _ = json.Marshal(r)
	e.do("POST", "/api/v1/rules/preview", e.staff, string(b), 200, &rep)
	if rep.Removed == 0 {
		t.Errorf("raising the threshold to 99 removes nothing: %+v", rep)
	}
}

func TestRunsAndSources(t *testing.T) {
	e := newEnv(t)
	e.do("POST", "/api/v1/sources", e.staff, `{"id":"bad id","url":"x"}`, 400, nil)
	e.do("POST", "/api/v1/sources", e.staff, `{"id":"local","name":"Local","url":"/nonexistent/feed.rss","format":"rss","enabled":true}`, 201, nil)
	var run passerelle.Run
	e.do("POST", "/api/v1/runs", e.staff, "", 202, &run)
	// Wait for it to end, then read it back with its failure recorded.
	deadline := time.Now().Add(30 * time.Second)
	for e.pl.Running() && time.Now().Before(deadline) {
		time.Sleep(20 * time.Millisecond)
	}
	var got passerelle.Run
	e.do("GET", "/api/v1/runs/"+run.ID, e.staff, "", 200, &got)
	if got.Status != passerelle.RunFailed || len(got.Sources) != 1 || len(got.Sources[0].Errors) == 0 {
		t.Errorf("run of a missing local feed: %+v", got)
	}
	e.do("GET", "/api/v1/runs", e.staff, "", 200, nil)
	e.do("POST", "/api/v1/sources/nosuch/run", e.staff, "", 404, nil)
}

func TestHealthAndMetrics(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/healthz", "", "", 200, nil)
	e.do("GET", "/readyz", "", "", 200, nil)
	e.do("GET", "/api/v1/openapi.json", "", "", 200, nil)
	resp, err := http.Get(e.srv.URL + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if !bytes.Contains(b, []byte("passerelle_http_requests_total")) {
		t.Error("metrics lack the request counter")
	}
}

func TestFeeds(t *testing.T) {
	e := newEnv(t)
	var links struct {
		Atom string `json:"atom"`
		ICS  string `json:"ics"`
	}
	e.do("GET", "/api/v1/members/cyber/feeds", e.cyber, "", 200, &links)
	e.do("GET", "/api/v1/members/basic/feeds", e.basicKey, "", 403, nil)
	for _, c := range []struct{ url, ctype, want string }{
		{links.Atom, "application/atom+xml", "<feed"},
		{links.ICS, "text/calendar", "BEGIN:VCALENDAR"},
	} {
		resp, err := http.Get(c.url) // a feed reader has no key: the token is the credential
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), c.ctype) || !bytes.Contains(b, []byte(c.want)) {
			t.Errorf("GET %s: %d %s\n%s", c.url, resp.StatusCode, resp.Header.Get("Content-Type"), b)
		}
		if !bytes.Contains(b, []byte("cybersécurité")) && !bytes.Contains(b, []byte("Cybersecurity")) {
			t.Errorf("feed %s lacks the member's matches:\n%s", c.url, b)
		}
	}
	e.do("GET", "/feeds/nosuchtoken.atom", "", "", 404, nil)
}
