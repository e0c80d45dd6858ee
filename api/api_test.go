package api_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
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
	ix       *index.Index
	pl       *pipeline.Pipeline
	staff    string
	cyber    string // premium member key
	basicKey string
}

// openStoreAndIndex opens a new store and index in a temporary directory, closed when the
// test ends.
func openStoreAndIndex(t *testing.T) (*store.DB, *index.Index) {
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
	return db, ix
}

func newEnv(t *testing.T) *env {
	t.Helper()
	db, ix := openStoreAndIndex(t)
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
	e := &env{t: t, db: db, ix: ix, pl: pl}
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
			Title string   `json:"title"`
			Said  []string `json:"said"`
		} `json:"items"`
		Total int `json:"total"`
	}
	e.do("GET", "/api/v1/members/cyber/matches", e.cyber, "", 200, &page)
	if page.Total == 0 {
		t.Fatal("no matches for the cyber member")
	}
	// The member reads its reasons in plain French, one per contribution.
	if m := page.Items[0]; len(m.Said) != len(m.Explanation.Contributions) || !strings.Contains(strings.Join(m.Said, "\n"), "Votre compétence « cybersécurité » figure dans le titre") {
		t.Errorf("best match %s says %q (evidence %+v)", m.Opportunity, m.Said, m.Explanation.Contributions)
	}
	var en struct {
		Items []struct {
			Said []string `json:"said"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/members/cyber/matches?lang=en", e.cyber, "", 200, &en)
	if s := strings.Join(en.Items[0].Said, "\n"); !strings.Contains(s, "Your skill “cybersécurité” appears in the title") {
		t.Errorf("?lang=en says %q", s)
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
	r.Author = "someone else" // who saved it is the server's to say
	b, _ = json.Marshal(r)
	var saved passerelle.Rules
	e.do("PUT", "/api/v1/rules", e.staff, string(b), 201, &saved)
	if saved.Version != r.Version+1 {
		t.Errorf("new version %d, want %d", saved.Version, r.Version+1)
	}
	var versions struct {
		Items []struct {
			Version         int
			Author, Comment string
		}
	}
	e.do("GET", "/api/v1/rules/versions", e.staff, "", 200, &versions)
	last := versions.Items[len(versions.Items)-1]
	if last.Version != saved.Version || !strings.HasPrefix(last.Author, "key ") || last.Comment != "more text" || saved.Author != last.Author {
		t.Errorf("versions say %+v of the version saved by the staff key (saved: author %q)", last, saved.Author)
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
	var state struct{ Exists bool }
	e.do("GET", "/api/v1/members/cyber/feeds", e.cyber, "", 200, &state)
	if state.Exists {
		t.Fatal("a GET made feed addresses")
	}
	old := links
	e.do("POST", "/api/v1/members/cyber/feeds", e.staff, "", 201, &old)
	e.do("POST", "/api/v1/members/cyber/feeds", e.cyber, "", 201, &links)
	e.do("GET", "/api/v1/members/cyber/feeds", e.cyber, "", 200, &state)
	if !state.Exists {
		t.Error("GET says no feeds after POST")
	}
	e.do("GET", "/api/v1/members/basic/feeds", e.basicKey, "", 403, nil)
	e.do("POST", "/api/v1/members/basic/feeds", e.basicKey, "", 403, nil)
	// No base_url configured: the addresses are paths, never built from the Host header.
	if !strings.HasPrefix(links.Atom, "/feeds/") || !strings.HasSuffix(links.ICS, ".ics") {
		t.Fatalf("feed links %+v", links)
	}
	e.do("GET", old.Atom, "", "", 404, nil) // rotated: the old address is dead
	for _, c := range []struct{ url, ctype, want string }{
		{e.srv.URL + links.Atom, "application/atom+xml", "<feed"},
		{e.srv.URL + links.ICS, "text/calendar", "BEGIN:VCALENDAR"},
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
		// The deadline (09:00 UTC) is written in the association's zone, as the e-mail
		// writes it: 10:00 in Brussels.
		if c.ctype == "application/atom+xml" && (!bytes.Contains(b, []byte("17 décembre 2026 à 10:00")) || bytes.Contains(b, []byte("à 09:00"))) {
			t.Errorf("feed %s does not write the deadline in Brussels time:\n%s", c.url, b)
		}
	}
	e.do("GET", "/feeds/nosuchtoken.atom", "", "", 404, nil)
}

// TestFeedLinksFromBaseURL: with base_url set, feed addresses use it whatever Host the
// request names.
func TestFeedLinksFromBaseURL(t *testing.T) {
	e := newEnv(t)
	srv := httptest.NewServer(api.New(api.Config{Store: e.db, Index: e.ix, Runner: e.pl, BaseURL: "https://veille.example.org/"}))
	defer srv.Close()
	req, _ := http.NewRequest("POST", srv.URL+"/api/v1/members/cyber/feeds", nil)
	req.Host = "evil.example"
	req.Header.Set("Authorization", "Bearer "+e.cyber)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var links struct{ Atom, ICS string }
	if err := json.NewDecoder(resp.Body).Decode(&links); err != nil || resp.StatusCode != 201 {
		t.Fatalf("%d %v", resp.StatusCode, err)
	}
	if !strings.HasPrefix(links.Atom, "https://veille.example.org/feeds/") || strings.Contains(links.ICS, "evil") {
		t.Errorf("links %+v", links)
	}
}

// TestBackupEndpoint: staff get a whole store file while the server runs; others do not.
func TestBackupEndpoint(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/backup", e.cyber, "", 403, nil)
	e.do("GET", "/api/v1/backup", "", "", 401, nil)
	req, _ := http.NewRequest("GET", e.srv.URL+"/api/v1/backup", nil)
	req.Header.Set("Authorization", "Bearer "+e.staff)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil || resp.StatusCode != 200 || resp.ContentLength != int64(len(body)) {
		t.Fatalf("backup: %d, %d bytes of %d, %v", resp.StatusCode, len(body), resp.ContentLength, err)
	}
	path := filepath.Join(t.TempDir(), "copy.db")
	if err := os.WriteFile(path, body, 0o600); err != nil {
		t.Fatal(err)
	}
	copyDB, err := store.Open(path)
	if err != nil {
		t.Fatalf("the backup does not open as a store: %v", err)
	}
	defer copyDB.Close()
	if m, err := copyDB.Member(context.Background(), "cyber"); err != nil || m.ID != "cyber" {
		t.Errorf("the backup lacks member cyber: %v", err)
	}
}

// TestWebhookURLValidatedOnSave: a member cannot save a webhook the server would refuse
// to call; the error names the field.
func TestWebhookURLValidatedOnSave(t *testing.T) {
	e := newEnv(t)
	for _, u := range []string{"http://127.0.0.1:8080/", "https://[::1]/x", "file:///etc/passwd", "https://169.254.169.254/", "http://hooks.example/"} {
		body := `{"notify": {"channels": ["webhook"], "webhook_url": "` + u + `"}}`
		req, _ := http.NewRequest("PATCH", e.srv.URL+"/api/v1/members/cyber", strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+e.cyber)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != 400 && resp.StatusCode != 422 || !strings.Contains(string(b), "notify.webhook_url") {
			t.Errorf("%s: %d %s", u, resp.StatusCode, b)
		}
	}
	e.do("PATCH", "/api/v1/members/cyber", e.cyber, `{"notify": {"channels": ["webhook"], "webhook_url": "https://hooks.example/in"}}`, 200, nil)
}
