package api_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/pipeline"
	"github.com/passerelle/passerelle/source"
)

// newEmptyEnv is a new install: an empty store and index, one staff key, nothing else.
func newEmptyEnv(t *testing.T) *env {
	t.Helper()
	db, ix := openStoreAndIndex(t)
	pl := &pipeline.Pipeline{Store: db, Index: ix, Fetcher: &source.Fetcher{}, Now: func() time.Time { return now }}
	e := &env{t: t, db: db, pl: pl}
	_, e.staff, _ = db.CreateKey(context.Background(), passerelle.RoleStaff, "", now)
	e.srv = httptest.NewServer(api.New(api.Config{Store: db, Index: ix, Runner: pl, Now: func() time.Time { return now }, MaxBody: 1 << 16}))
	t.Cleanup(e.srv.Close)
	return e
}

// feedServer serves the test feed, as a pole's site would.
func feedServer(t *testing.T) *httptest.Server {
	t.Helper()
	srv := httptest.NewServer(http.FileServer(http.Dir("testdata")))
	t.Cleanup(srv.Close)
	return srv
}

func waitRuns(e *env) {
	for e.pl.Running() {
		time.Sleep(20 * time.Millisecond)
	}
}

// TestEmptyInstallListsAreEmptyArrays: on a new install every list answers [], never null,
// which is what broke the console's first screen.
func TestEmptyInstallListsAreEmptyArrays(t *testing.T) {
	e := newEmptyEnv(t)
	for _, path := range []string{"/api/v1/sources", "/api/v1/runs", "/api/v1/members", "/api/v1/keys", "/api/v1/audit",
		"/api/v1/rules/versions", "/api/v1/opportunities", "/app/api/members"} {
		var raw map[string]json.RawMessage
		e.do("GET", path, e.staff, "", 200, &raw)
		if got := string(raw["items"]); !strings.HasPrefix(got, "[") {
			t.Errorf("GET %s: items = %s, want a JSON array", path, got)
		}
	}
	var fb map[string]any
	e.do("GET", "/api/v1/feedback", e.staff, "", 200, &fb)
	if fb == nil {
		t.Error("GET /api/v1/feedback on a new install answers null, want {}")
	}
}

func TestSourceURLRefusedWhenSaved(t *testing.T) {
	e := newEmptyEnv(t)
	for _, bad := range []string{"htp://exa mple.com/feed", "https://exa mple.com/feed", "ftp://example.com/feed", "https:///feed"} {
		var p problem
		e.do("POST", "/api/v1/sources", e.staff, `{"id":"s","name":"S","url":"`+bad+`","format":"rss"}`, 400, &p)
		if len(p.Errors) != 1 || p.Errors[0].Path != "url" {
			t.Errorf("url %q: errors %+v, want one naming url", bad, p.Errors)
		}
		// "Test" refuses it the same way, before any fetch.
		e.do("POST", "/api/v1/source-tests", e.staff, `{"url":"`+bad+`","format":"rss"}`, 400, nil)
	}
	var p problem
	e.do("POST", "/api/v1/sources", e.staff, `{"id":"s","url":"htp://exa mple.com/feed"}`, 400, &p)
	if !strings.Contains(p.Errors[0].Message, `"htp"`) {
		t.Errorf("the message does not name the scheme: %q", p.Errors[0].Message)
	}
	var srcs struct{ Items []passerelle.Source }
	e.do("GET", "/api/v1/sources", e.staff, "", 200, &srcs)
	if len(srcs.Items) != 0 {
		t.Errorf("a refused source was stored: %+v", srcs.Items)
	}
}

// TestSourceTestReadsWithoutStoring: "test" shows the records as they would be stored, and
// stores nothing; a feed that cannot be read answers what went wrong.
func TestSourceTestReadsWithoutStoring(t *testing.T) {
	e := newEmptyEnv(t)
	feeds := feedServer(t)
	var res struct {
		Fetched, Records int
		Sample           []passerelle.Opportunity
		Warnings         []string
		Error            string
	}
	e.do("POST", "/api/v1/source-tests", e.staff, `{"id":"pole","url":"`+feeds.URL+`/feed.rss","format":"auto","language":"fr"}`, 200, &res)
	if res.Fetched != 1 || res.Records == 0 || len(res.Sample) == 0 || res.Error != "" {
		t.Fatalf("test of a good feed: %+v", res)
	}
	first := res.Sample[0]
	if first.Title != "Appel à projets « Cybersécurité des PME » 2026" || first.Language != "fr" || first.Kind == "" || len(first.CPV) == 0 || first.CPV[0] != "72212730" {
		t.Errorf("first record not as it would be stored: %+v", first)
	}
	if !strings.HasPrefix(first.ID, "pole:") {
		t.Errorf("record id %q is not made from the source id", first.ID)
	}
	var ops struct{ Total int }
	e.do("GET", "/api/v1/opportunities", e.staff, "", 200, &ops)
	if ops.Total != 0 {
		t.Errorf("a test stored %d opportunities", ops.Total)
	}
	e.do("POST", "/api/v1/source-tests", e.staff, `{"url":"`+feeds.URL+`/missing.rss","format":"rss"}`, 200, &res)
	if res.Error == "" || !strings.Contains(res.Error, "404") {
		t.Errorf("test of a missing feed: error %q, want the 404 named", res.Error)
	}
}

// TestSourceLifecycleAndAudit: create, disable, run, read the history, delete; every change
// is in the audit log with who made it and what changed, newest first.
func TestSourceLifecycleAndAudit(t *testing.T) {
	e := newEmptyEnv(t)
	feeds := feedServer(t)
	var who struct{ Key string }
	e.do("GET", "/app/api/whoami", e.staff, "", 200, &who)
	src := `{"id":"pole","name":"Pôle","url":"` + feeds.URL + `/feed.rss","format":"rss","enabled":true}`
	e.do("POST", "/api/v1/sources", e.staff, src, 201, nil)
	e.do("POST", "/api/v1/sources", e.staff, src, 409, nil)
	e.do("PUT", "/api/v1/sources/pole", e.staff, strings.Replace(src, `"enabled":true`, `"enabled":false`, 1), 200, nil)
	var stored passerelle.Source
	e.do("GET", "/api/v1/sources/pole", e.staff, "", 200, &stored)
	if stored.Enabled || stored.Name != "Pôle" {
		t.Errorf("source after the update: %+v", stored)
	}
	e.do("POST", "/api/v1/sources/pole/run", e.staff, "", 202, nil)
	waitRuns(e)
	var hist struct {
		Items []struct {
			passerelle.SourceRun
			Run string `json:"run"`
		}
	}
	e.do("GET", "/api/v1/sources/pole/runs", e.staff, "", 200, &hist)
	if len(hist.Items) != 1 || hist.Items[0].New == 0 || hist.Items[0].Run == "" {
		t.Errorf("history after one run: %+v", hist.Items)
	}
	e.do("GET", "/api/v1/sources/nosuch/runs", e.staff, "", 404, nil)
	var k struct{ ID, Key string }
	e.do("POST", "/api/v1/keys", e.staff, `{"role":"staff"}`, 201, &k)
	e.do("DELETE", "/api/v1/keys/"+k.ID, e.staff, "", 204, nil)
	e.do("DELETE", "/api/v1/sources/pole", e.staff, "", 204, nil)

	var log struct {
		Items []struct {
			Actor, Action, Target string
			At                    time.Time
			Changes               []struct {
				Field         string
				Before, After any
			}
		}
		NextCursor string `json:"next_cursor"`
	}
	e.do("GET", "/api/v1/audit", e.staff, "", 200, &log)
	var actions []string
	for _, it := range log.Items {
		actions = append(actions, it.Action+" "+it.Target)
		if it.Actor != who.Key || !it.At.Equal(now) {
			t.Errorf("%s: actor %q at %v, want %q at %v", it.Action, it.Actor, it.At, who.Key, now)
		}
		if strings.Contains(strings.ToLower(it.Action), "key") {
			for _, c := range it.Changes {
				if s, ok := c.After.(string); ok && s == k.Key {
					t.Errorf("the audit log holds a key's secret")
				}
			}
		}
	}
	want := "source.delete pole|key.revoke " + k.ID + "|key.create " + k.ID + "|source.update pole|source.create pole"
	if strings.Join(actions, "|") != want {
		t.Errorf("audit log:\n got %s\nwant %s", strings.Join(actions, "|"), want)
	}
	upd := log.Items[3]
	if len(upd.Changes) != 1 || upd.Changes[0].Field != "enabled" || upd.Changes[0].Before != true || upd.Changes[0].After != false {
		t.Errorf("the update's diff: %+v, want enabled true → false only", upd.Changes)
	}
	// Pages: two at a time, the same entries in the same order.
	var got []string
	cursor := ""
	for {
		var pg struct {
			Items []struct{ Action, Target string }
			Next  string `json:"next_cursor"`
		}
		e.do("GET", "/api/v1/audit?limit=2&cursor="+cursor, e.staff, "", 200, &pg)
		for _, it := range pg.Items {
			got = append(got, it.Action+" "+it.Target)
		}
		if cursor = pg.Next; cursor == "" {
			break
		}
	}
	if strings.Join(got, "|") != want {
		t.Errorf("paged audit log: %v", got)
	}
}

func TestRulesAndMembersAreAudited(t *testing.T) {
	e := newEnv(t)
	var r passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &r)
	r.Weights.Cluster += 5
	r.Comment = "more weight on clusters"
	b, _ := json.Marshal(r)
	e.do("PUT", "/api/v1/rules", e.staff, string(b), 201, nil)
	e.do("PATCH", "/api/v1/members/cyber", e.staff, `{"skills":["cybersécurité","pentest"]}`, 200, nil)
	var log struct {
		Items []struct {
			Action, Target string
			Changes        []struct {
				Field         string
				Before, After any
			}
		}
	}
	e.do("GET", "/api/v1/audit", e.staff, "", 200, &log)
	if len(log.Items) != 2 || log.Items[0].Action != "member.update" || log.Items[1].Action != "rules.update" {
		t.Fatalf("audit log: %+v", log.Items)
	}
	fields := func(i int) (out []string) {
		for _, c := range log.Items[i].Changes {
			out = append(out, c.Field)
		}
		return out
	}
	// The top-level skills are the first profile's: both change, and the log says so.
	if f := fields(0); strings.Join(f, ",") != "profiles,skills" {
		t.Errorf("member diff fields %v, want [profiles skills]", f)
	}
	if f := fields(1); strings.Join(f, ",") != "comment,weights.cluster" {
		t.Errorf("rules diff fields %v, want comment and weights.cluster", f)
	}
	if c := log.Items[1].Changes[1]; c.After.(float64)-c.Before.(float64) != 5 {
		t.Errorf("weights.cluster change %+v, want +5", c)
	}
}

func TestKeysListLastUsed(t *testing.T) {
	e := newEnv(t)
	e.do("GET", "/api/v1/members/cyber", e.cyber, "", 200, nil)
	var ks struct {
		Items []struct {
			ID, Role, Member string
			LastUsed         *time.Time `json:"last_used"`
		}
	}
	e.do("GET", "/api/v1/keys", e.staff, "", 200, &ks)
	seen := map[string]bool{}
	for _, k := range ks.Items {
		switch k.Member {
		case "cyber":
			seen["cyber"] = k.LastUsed != nil && k.LastUsed.Equal(now)
		case "basic":
			seen["basic"] = k.LastUsed == nil
		}
	}
	if !seen["cyber"] || !seen["basic"] {
		t.Errorf("last used: %+v (cyber used now, basic never)", ks.Items)
	}
}

// TestMethodNotAllowedAndForbidden: 405 says which methods are allowed, as problem+json;
// a 403's title and detail say different things.
func TestMethodNotAllowedAndForbidden(t *testing.T) {
	e := newEnv(t)
	h := e.do("PATCH", "/api/v1/sources", e.staff, "", 405, nil)
	if got := h.Get("Allow"); got != "GET, POST" {
		t.Errorf("Allow: %q, want GET, POST", got)
	}
	var p problem
	e.do("GET", "/api/v1/sources", e.cyber, "", 403, &p)
	if p.Title == "" || p.Detail == "" || p.Title == p.Detail || !strings.Contains(p.Detail, "cyber") {
		t.Errorf("403: title %q, detail %q", p.Title, p.Detail)
	}
	e.do("GET", "/api/v1/members/basic/matches", e.basicKey, "", 403, &p)
	if p.Title != "Matches are a premium feature" || p.Detail == p.Title || !strings.Contains(p.Detail, "basic") {
		t.Errorf("premium 403: title %q, detail %q", p.Title, p.Detail)
	}
}

// TestMemberPreviewStoresNothing: the matches of skills being edited, before they are saved.
func TestMemberPreviewStoresNothing(t *testing.T) {
	e := newEnv(t)
	var pg struct {
		Items []struct {
			Opportunity string `json:"opportunity"`
			Title       string `json:"title"`
		}
		Total int
	}
	e.do("POST", "/api/v1/member-previews", e.staff, `{"id":"roads","name":"Routes SA","tier":"basic","clusters":["security"],"skills":["tests d'intrusion","sécurité réseau"]}`, 200, &pg)
	if len(pg.Items) == 0 || pg.Items[0].Title == "" {
		t.Fatalf("preview of security skills: %+v", pg)
	}
	e.do("GET", "/api/v1/members/roads", e.staff, "", 404, nil)
	// Saved as premium, the same profile gets the matches the preview announced.
	e.do("POST", "/api/v1/members", e.staff, `{"id":"roads","name":"Routes SA","tier":"premium","clusters":["security"],"skills":["tests d'intrusion","sécurité réseau"]}`, 201, nil)
	var saved struct {
		Items []struct {
			Opportunity string  `json:"opportunity"`
			Score       float64 `json:"score"`
		}
	}
	e.do("GET", "/api/v1/members/roads/matches", e.staff, "", 200, &saved)
	if len(saved.Items) != len(pg.Items) {
		t.Fatalf("saved profile has %d matches, the preview said %d", len(saved.Items), len(pg.Items))
	}
	for i := range saved.Items {
		if saved.Items[i].Opportunity != pg.Items[i].Opportunity {
			t.Errorf("match %d: saved %s, previewed %s", i, saved.Items[i].Opportunity, pg.Items[i].Opportunity)
		}
	}
	e.do("POST", "/api/v1/member-previews", e.staff, `{"name":"x","clusters":["nosuch"]}`, 400, nil)
	e.do("POST", "/api/v1/member-previews", e.cyber, `{"name":"x","skills":["a"]}`, 403, nil)
	e.do("POST", "/api/v1/member-previews", e.staff, `{"name":"Vide"}`, 200, &pg)
	if pg.Total != 0 {
		t.Errorf("an empty profile previews %d matches", pg.Total)
	}
}
