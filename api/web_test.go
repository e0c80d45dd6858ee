package api_test

import (
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"
)

// get fetches path without a key and returns the answer and its body.
func (e *env) get(path string) (*http.Response, string) {
	e.t.Helper()
	resp, err := http.Get(e.srv.URL + path)
	if err != nil {
		e.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return resp, string(b)
}

func TestWebPages(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		path, script string
		has          []string
	}{
		{"/", "signin.js", []string{`id="signin-form"`, `type="password"`, `<label for="key">`}},
		{"/app/member", "member.js", []string{`id="matches"`, `id="premium-notice"`, `id="search-form"`, `<label for="f-state">`}},
		{"/app/staff", "staff.js", []string{`id="sources"`, `id="runs"`, `id="members"`, `id="rules-json"`, `id="feedback"`, `id="search-form"`}},
		{"/app/staff/run", "staff-pages.js", []string{`data-page="run"`, `id="run-sources"`, `id="run-channels"`, `href="/app/staff#runs-h"`}},
		{"/app/staff/member", "staff-pages.js", []string{`data-page="member"`, `id="mm-list"`, `id="digests"`, `id="mm-premium"`}},
		{"/app/staff/feedback", "staff-pages.js", []string{`data-page="feedback"`, `id="fb-filter"`, `id="fb-not-relevant"`, `id="fb-verdicts"`, `<label for="fb-member">`}},
		{"/app/opportunities/o1", "opportunity.js", []string{`id="opp-title"`, `id="opp-revisions"`, `id="opp-reasons"`}},
	} {
		t.Run(tc.path, func(t *testing.T) {
			resp, body := e.get(tc.path)
			if resp.StatusCode != 200 {
				t.Fatalf("status %d", resp.StatusCode)
			}
			if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
				t.Errorf("content type %q", ct)
			}
			checkSecurityHeaders(t, resp.Header)
			for _, s := range append(tc.has, `<html lang="fr">`, "/static/app.js?v=", "/static/"+tc.script+"?v=", "<h1>") {
				if !strings.Contains(body, s) {
					t.Errorf("page lacks %s", s)
				}
			}
			// The CSP forbids inline code: a page holding any would break in browsers. The
			// catalogue's JSON data block is data, which the CSP lets through and no one runs.
			code := regexp.MustCompile(`<script type="application/json" id="messages">[^<]*</script>`).ReplaceAllString(body, "")
			if regexp.MustCompile(`<script>|<script [^>]*>[^<]|<style|\sstyle=|\son[a-z]+=`).MatchString(code) {
				t.Error("page holds inline script, style or event handler, which its CSP blocks")
			}
			// Every form control has a label.
			for _, m := range regexp.MustCompile(`<(?:input|select|textarea) id="([^"]+)"`).FindAllStringSubmatch(body, -1) {
				if !strings.Contains(body, `<label for="`+m[1]+`"`) {
					t.Errorf("control %s has no label", m[1])
				}
			}
		})
	}
}

func checkSecurityHeaders(t *testing.T, h http.Header) {
	t.Helper()
	if csp := h.Get("Content-Security-Policy"); !strings.Contains(csp, "default-src 'self'") || strings.Contains(csp, "unsafe") {
		t.Errorf("Content-Security-Policy %q", csp)
	}
	if v := h.Get("X-Content-Type-Options"); v != "nosniff" {
		t.Errorf("X-Content-Type-Options %q", v)
	}
	if v := h.Get("Referrer-Policy"); v != "no-referrer" {
		t.Errorf("Referrer-Policy %q", v)
	}
}

func TestWebStatic(t *testing.T) {
	e := newEnv(t)
	_, page := e.get("/")
	version := regexp.MustCompile(`/static/app\.js\?v=([0-9a-f]+)`).FindStringSubmatch(page)
	if version == nil {
		t.Fatal("page does not link a versioned app.js")
	}
	for _, tc := range []struct{ path, ctype, has string }{
		{"/static/app.js", "text/javascript", "sessionStorage"},
		{"/static/member.js", "text/javascript", "/feedback"},
		{"/static/staff.js", "text/javascript", "/api/v1/rules/preview"},
		{"/static/signin.js", "text/javascript", "/app/api/whoami"},
		{"/static/app.css", "text/css", "@media"},
	} {
		resp, body := e.get(tc.path)
		if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), tc.ctype) {
			t.Errorf("%s: status %d, type %q", tc.path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		if !strings.Contains(body, tc.has) {
			t.Errorf("%s lacks %q", tc.path, tc.has)
		}
		checkSecurityHeaders(t, resp.Header)
		if resp.Header.Get("Cache-Control") != "no-cache" {
			t.Errorf("%s unversioned: Cache-Control %q", tc.path, resp.Header.Get("Cache-Control"))
		}
		// Data reaches the DOM through textContent only.
		if strings.Contains(body, "innerHTML") || strings.Contains(body, "insertAdjacentHTML") || strings.Contains(body, "document.write") {
			t.Errorf("%s writes HTML from strings", tc.path)
		}
	}
	resp, _ := e.get("/static/app.js?v=" + version[1])
	if cc := resp.Header.Get("Cache-Control"); !strings.Contains(cc, "immutable") {
		t.Errorf("versioned static file: Cache-Control %q", cc)
	}
	if resp, _ := e.get("/static/nosuch.js"); resp.StatusCode != 404 {
		t.Errorf("missing static file: status %d", resp.StatusCode)
	}
	// The embedded directory is not listed, and the templates are not served.
	if resp, body := e.get("/static/"); resp.StatusCode == 200 && strings.Contains(body, "app.js") {
		t.Error("static directory is listed")
	}
	if resp, _ := e.get("/static/../templates/layout.html"); resp.StatusCode == 200 {
		t.Error("templates reachable under /static")
	}
}

func TestWhoami(t *testing.T) {
	e := newEnv(t)
	type who struct {
		Role   string    `json:"role"`
		Member string    `json:"member"`
		Now    time.Time `json:"now"`
	}
	for _, tc := range []struct {
		key, role, member string
	}{
		{e.staff, "staff", ""},
		{e.cyber, "member", "cyber"},
		{e.basicKey, "member", "basic"},
	} {
		var w who
		h := e.do("GET", "/app/api/whoami", tc.key, "", 200, &w)
		if w.Role != tc.role || w.Member != tc.member || !w.Now.Equal(now) {
			t.Errorf("whoami = %+v, want role %s member %q now %s", w, tc.role, tc.member, now)
		}
		if h.Get("Cache-Control") != "no-store" {
			t.Errorf("whoami Cache-Control %q", h.Get("Cache-Control"))
		}
	}
	e.do("GET", "/app/api/whoami", "", "", 401, nil)
	e.do("GET", "/app/api/whoami", "pk_wrong", "", 401, nil)
}

func TestWebMemberSummaries(t *testing.T) {
	e := newEnv(t)
	var res struct {
		Items []struct {
			ID      string `json:"id"`
			Tier    string `json:"tier"`
			Matches int    `json:"matches"`
		} `json:"items"`
	}
	e.do("GET", "/app/api/members", e.staff, "", 200, &res)
	var matches struct {
		Total int `json:"total"`
	}
	e.do("GET", "/api/v1/members/cyber/matches", e.staff, "", 200, &matches)
	got := map[string]int{}
	for _, m := range res.Items {
		got[m.ID] = m.Matches
	}
	if len(got) != 2 || got["cyber"] != matches.Total || matches.Total == 0 || got["basic"] != 0 {
		t.Errorf("member summaries %+v, want cyber with %d matches and basic with 0", res.Items, matches.Total)
	}
	e.do("GET", "/app/api/members", e.cyber, "", 403, nil)
	e.do("GET", "/app/api/members", "", "", 401, nil)
}
