package api_test

import (
	"context"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/store"
)

// mailbox records the sign-in links the server mails. The SMTP path itself is tested through
// mailpit (notify's test and the browser test below); here the handlers are under test.
type mailbox struct {
	mu   sync.Mutex
	sent []sentLink
}

type sentLink struct {
	to, link string
	valid    time.Duration
}

func (m *mailbox) SendSignInLink(_ context.Context, to, link string, valid time.Duration) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, sentLink{to, link, valid})
	return nil
}

func (m *mailbox) all() []sentLink {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]sentLink(nil), m.sent...)
}

// clock is a settable clock shared by the server and the test.
type clock struct {
	mu sync.Mutex
	t  time.Time
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return c.t }
func (c *clock) add(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// signInEnv is env with a server that mails sign-in links and runs on a clock the test moves.
type signInEnv struct {
	*env
	api    *api.Server
	url    string
	mail   *mailbox
	clock  *clock
	claire store.StaffUser // the staff user signed in
}

func newSignInEnv(t *testing.T) *signInEnv {
	t.Helper()
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	m.Contacts = []passerelle.Contact{{Name: "Chloé Martin", Email: "chloe@cyber.example"}}
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	su, err := e.db.AddStaffUser(ctx, "Claire Dubois", "claire@cluster.example", now)
	if err != nil {
		t.Fatal(err)
	}
	se := &signInEnv{env: e, mail: &mailbox{}, clock: &clock{t: now}, claire: su}
	srv := httptest.NewUnstartedServer(nil)
	se.url = "http://" + srv.Listener.Addr().String()
	se.api = api.New(api.Config{Store: e.db, Index: e.ix, Runner: e.pl, Now: se.clock.now, MaxBody: 4096,
		BaseURL: se.url, SignInMailer: se.mail})
	srv.Config.Handler = se.api
	srv.Start()
	t.Cleanup(srv.Close)
	e.srv = srv // env.do now talks to this server
	return se
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

// call sends a request with the given headers (and the session cookie, when given), checks the
// answer against openapi.json, and returns it with its body.
func (se *signInEnv) call(method, path, body string, hdr map[string]string, cookie *http.Cookie) (*http.Response, string) {
	se.t.Helper()
	var rd io.Reader
	if body != "" {
		rd = strings.NewReader(body)
	}
	req, _ := http.NewRequest(method, se.url+path, rd)
	if strings.HasPrefix(body, "{") {
		req.Header.Set("Content-Type", "application/json")
	} else if body != "" {
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	}
	for k, v := range hdr {
		req.Header.Set(k, v)
	}
	if cookie != nil {
		req.AddCookie(cookie)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		se.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	checkAgainstSpec(se.t, req, resp.StatusCode, resp.Header, b)
	return resp, string(b)
}

// askLink asks for a link for addr and waits until the server has done what it does after
// answering; it returns the answer's status and body.
func (se *signInEnv) askLink(addr string, hdr map[string]string) (int, string) {
	se.t.Helper()
	resp, body := se.call("POST", "/auth/link", `{"email":"`+addr+`"}`, hdr, nil)
	se.api.WaitSignIns()
	return resp.StatusCode, body
}

var tokenInLink = regexp.MustCompile(`token=([A-Za-z0-9_]+)`)

func (se *signInEnv) lastToken() string {
	se.t.Helper()
	sent := se.mail.all()
	if len(sent) == 0 {
		se.t.Fatal("no sign-in link was mailed")
	}
	m := tokenInLink.FindStringSubmatch(sent[len(sent)-1].link)
	if m == nil {
		se.t.Fatalf("no token in %q", sent[len(sent)-1].link)
	}
	return m[1]
}

// signIn goes the whole way for addr: link, confirmation page, POST; it returns the cookie and
// the CSRF token whoami gives.
func (se *signInEnv) signIn(addr string) (*http.Cookie, string) {
	se.t.Helper()
	if st, body := se.askLink(addr, nil); st != 202 {
		se.t.Fatalf("POST /auth/link: %d %s", st, body)
	}
	resp, _ := se.call("POST", "/auth/login", "token="+se.lastToken(), nil, nil)
	if resp.StatusCode != http.StatusSeeOther {
		se.t.Fatalf("POST /auth/login: %d", resp.StatusCode)
	}
	var c *http.Cookie
	for _, k := range resp.Cookies() {
		if k.Name == "passerelle_session" {
			c = k
		}
	}
	if c == nil {
		se.t.Fatal("no session cookie set")
	}
	_, who := se.call("GET", "/app/api/whoami", "", nil, c)
	m := regexp.MustCompile(`"csrf":"([0-9a-f]+)"`).FindStringSubmatch(who)
	if m == nil {
		se.t.Fatalf("whoami of a session gives no CSRF token: %s", who)
	}
	return c, m[1]
}

func TestSignInLinkAnswersTheSameForUnknownAddresses(t *testing.T) {
	se := newSignInEnv(t)
	st1, known := se.askLink("Chloe@Cyber.example", nil)
	st2, unknown := se.askLink("nobody@cyber.example", nil)
	if st1 != 202 || st2 != 202 || known != unknown {
		t.Errorf("known address: %d %s; unknown: %d %s — the answers must be the same", st1, known, st2, unknown)
	}
	sent := se.mail.all()
	if len(sent) != 1 || sent[0].to != "chloe@cyber.example" || sent[0].valid != 15*time.Minute {
		t.Fatalf("mailed %+v, want one link to chloe@cyber.example valid 15 minutes", sent)
	}
	if !strings.HasPrefix(sent[0].link, se.url+"/auth/login?token=pl_") {
		t.Errorf("link %q is not built on the base URL", sent[0].link)
	}
	// A forged Host header never makes the link point elsewhere.
	se.askLink("claire@cluster.example", map[string]string{"Host": "evil.example", "X-Forwarded-Host": "evil.example"})
	if l := se.mail.all()[1].link; !strings.HasPrefix(l, se.url+"/") {
		t.Errorf("link built from the request's Host: %q", l)
	}
	// Not an address at all: a clear 400 naming the field.
	resp, body := se.call("POST", "/auth/link", `{"email":"pas une adresse"}`, nil, nil)
	if resp.StatusCode != 400 || !strings.Contains(body, `"path":"email"`) {
		t.Errorf("bad address: %d %s", resp.StatusCode, body)
	}
	resp, _ = se.call("POST", "/auth/link", `{"email":"a@b.example","extra":1}`, nil, nil)
	if resp.StatusCode != 400 {
		t.Errorf("unknown field: %d", resp.StatusCode)
	}
}

func TestSignInLinkIsSingleUseAndExpires(t *testing.T) {
	se := newSignInEnv(t)
	se.askLink("chloe@cyber.example", nil)
	token := se.lastToken()
	// The GET shows a confirmation page and spends nothing, however often a scanner opens it.
	for range 3 {
		resp, page := se.call("GET", "/auth/login?token="+token, "", nil, nil)
		if resp.StatusCode != 200 || !strings.Contains(page, `action="/auth/login"`) || !strings.Contains(page, token) || !strings.Contains(page, "chloe@cyber.example") {
			t.Fatalf("confirmation page: %d %s", resp.StatusCode, page)
		}
		if len(resp.Cookies()) != 0 && resp.Cookies()[0].Name == "passerelle_session" {
			t.Fatal("a GET opened a session")
		}
	}
	resp, _ := se.call("POST", "/auth/login", "token="+token, nil, nil)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/app/member" {
		t.Fatalf("POST /auth/login: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	c := resp.Cookies()[0]
	if c.Name != "passerelle_session" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Secure || c.Path != "/" {
		t.Errorf("session cookie %+v: want HttpOnly, SameSite=Lax, Path=/, not Secure over http", c)
	}
	// Used once: the second POST and a later GET are refused.
	resp, page := se.call("POST", "/auth/login", "token="+token, nil, nil)
	if resp.StatusCode != 401 || len(resp.Cookies()) != 0 || !strings.Contains(page, "déjà utilisé") {
		t.Errorf("second use: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp, _ := se.call("GET", "/auth/login?token="+token, "", nil, nil); resp.StatusCode != 401 {
		t.Errorf("GET of a used link: %d", resp.StatusCode)
	}

	// A link works for 15 minutes and not a second more.
	se.askLink("chloe@cyber.example", nil)
	fresh := se.lastToken()
	se.clock.add(15*time.Minute - time.Second)
	if resp, _ := se.call("GET", "/auth/login?token="+fresh, "", nil, nil); resp.StatusCode != 200 {
		t.Errorf("link at 14:59: %d", resp.StatusCode)
	}
	se.clock.add(time.Second)
	if resp, _ := se.call("GET", "/auth/login?token="+fresh, "", nil, nil); resp.StatusCode != 401 {
		t.Errorf("link at 15:00, GET: %d", resp.StatusCode)
	}
	if resp, _ := se.call("POST", "/auth/login", "token="+fresh, nil, nil); resp.StatusCode != 401 {
		t.Errorf("link at 15:00, POST: %d", resp.StatusCode)
	}
	// A cross-site form posting a link is refused (login CSRF).
	se.askLink("chloe@cyber.example", nil)
	if resp, _ := se.call("POST", "/auth/login", "token="+se.lastToken(), map[string]string{"Sec-Fetch-Site": "cross-site"}, nil); resp.StatusCode != 403 {
		t.Errorf("cross-site POST /auth/login: %d", resp.StatusCode)
	}
}

func TestSessionReachesWhatItsKeyReaches(t *testing.T) {
	se := newSignInEnv(t)
	member, _ := se.signIn("chloe@cyber.example")
	for _, c := range []struct {
		path string
		want int
	}{
		{"/api/v1/members/cyber", 200}, {"/api/v1/members/cyber/matches", 200}, {"/api/v1/opportunities", 200},
		{"/api/v1/members/basic", 404}, {"/api/v1/members", 403}, {"/api/v1/rules", 403}, {"/api/v1/audit", 403},
	} {
		if resp, body := se.call("GET", c.path, "", nil, member); resp.StatusCode != c.want {
			t.Errorf("member session GET %s: %d, want %d: %s", c.path, resp.StatusCode, c.want, body)
		}
	}
	staff, _ := se.signIn("claire@cluster.example")
	for _, path := range []string{"/api/v1/rules", "/api/v1/members", "/api/v1/members/basic", "/api/v1/staff-users"} {
		if resp, body := se.call("GET", path, "", nil, staff); resp.StatusCode != 200 {
			t.Errorf("staff session GET %s: %d: %s", path, resp.StatusCode, body)
		}
	}
	if resp, _ := se.call("GET", "/api/v1/rules", "", nil, &http.Cookie{Name: "passerelle_session", Value: "ps_forged"}); resp.StatusCode != 401 {
		t.Errorf("forged session: %d", resp.StatusCode)
	}
	// A session lasts its time (7 days by default), then answers 401.
	se.clock.add(7*24*time.Hour + time.Minute)
	if resp, _ := se.call("GET", "/api/v1/rules", "", nil, staff); resp.StatusCode != 401 {
		t.Errorf("expired session: %d", resp.StatusCode)
	}
}

func TestSessionChangesNeedCSRFProtection(t *testing.T) {
	se := newSignInEnv(t)
	c, csrf := se.signIn("chloe@cyber.example")
	patch := `{"notify":{"frequency":"weekly","channels":["email"]}}`
	for name, hdr := range map[string]map[string]string{
		"no token":                  nil,
		"wrong token":               {"X-CSRF-Token": strings.Repeat("0", len(csrf))},
		"token from another origin": {"X-CSRF-Token": csrf, "Origin": "http://evil.example"},
		"token, cross-site fetch":   {"X-CSRF-Token": csrf, "Sec-Fetch-Site": "cross-site"},
	} {
		resp, body := se.call("PATCH", "/api/v1/members/cyber", patch, hdr, c)
		if resp.StatusCode != 403 || resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: %d %s, want a 403 problem", name, resp.StatusCode, body)
		}
	}
	m, _ := se.db.Member(context.Background(), "cyber")
	if m.Notify.Frequency == "weekly" {
		t.Fatal("a refused request changed the member")
	}
	resp, body := se.call("PATCH", "/api/v1/members/cyber", patch, map[string]string{"X-CSRF-Token": csrf, "Sec-Fetch-Site": "same-origin", "Origin": se.url}, c)
	if resp.StatusCode != 200 || !strings.Contains(body, `"frequency":"weekly"`) {
		t.Fatalf("PATCH with the token: %d %s", resp.StatusCode, body)
	}
	// The same validation as any edit.
	resp, body = se.call("PATCH", "/api/v1/members/cyber", `{"notify":{"frequency":"hourly"}}`, map[string]string{"X-CSRF-Token": csrf}, c)
	if resp.StatusCode != 400 || !strings.Contains(body, "notify.frequency") {
		t.Errorf("bad frequency: %d %s", resp.StatusCode, body)
	}
	// A program's key needs no CSRF token: no browser sends it on its own.
	se.do("PATCH", "/api/v1/members/cyber", se.cyber, `{"min_score":30}`, 200, nil)
	// Sign-out ends the session: the cookie no longer opens anything.
	if resp, _ := se.call("POST", "/auth/logout", "", nil, c); resp.StatusCode != 204 {
		t.Fatalf("logout: %d", resp.StatusCode)
	}
	if resp, _ := se.call("GET", "/api/v1/members/cyber", "", nil, c); resp.StatusCode != 401 {
		t.Errorf("after logout: %d", resp.StatusCode)
	}
}

func TestSignInLinksAreRateLimited(t *testing.T) {
	se := newSignInEnv(t)
	// Per address: 5 an hour, known or not, whatever the IP.
	for i := range 5 {
		if st, body := se.askLink("nobody@cyber.example", map[string]string{"X-Real-IP": "192.0.2." + string(rune('1'+i))}); st != 202 {
			t.Fatalf("attempt %d: %d %s", i+1, st, body)
		}
	}
	resp, body := se.call("POST", "/auth/link", `{"email":"NOBODY@cyber.example"}`, map[string]string{"X-Real-IP": "192.0.2.99"}, nil)
	if resp.StatusCode != 429 || resp.Header.Get("Content-Type") != "application/problem+json" || resp.Header.Get("Retry-After") == "" ||
		!strings.Contains(body, "this e-mail address") {
		t.Fatalf("6th attempt for one address: %d %q %s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}
	// Per client IP: 20 an hour, whatever the addresses.
	for i := range 20 {
		if st, body := se.askLink("p"+string(rune('a'+i))+"@example.org", map[string]string{"X-Real-IP": "198.51.100.7"}); st != 202 {
			t.Fatalf("IP attempt %d: %d %s", i+1, st, body)
		}
	}
	resp, body = se.call("POST", "/auth/link", `{"email":"other@example.org"}`, map[string]string{"X-Real-IP": "198.51.100.7"}, nil)
	if resp.StatusCode != 429 || !strings.Contains(body, "IP") {
		t.Fatalf("21st attempt from one IP: %d %s", resp.StatusCode, body)
	}
	// An hour later the window is free again.
	se.clock.add(time.Hour)
	if st, _ := se.askLink("nobody@cyber.example", map[string]string{"X-Real-IP": "198.51.100.7"}); st != 202 {
		t.Errorf("an hour later: %d", st)
	}
}

func TestAuditNamesTheStaffUserSignedIn(t *testing.T) {
	se := newSignInEnv(t)
	c, csrf := se.signIn("claire@cluster.example")
	resp, body := se.call("POST", "/api/v1/keys", `{"role":"member","member":"cyber"}`, map[string]string{"X-CSRF-Token": csrf}, c)
	if resp.StatusCode != 201 {
		t.Fatalf("create key with a session: %d %s", resp.StatusCode, body)
	}
	se.do("POST", "/api/v1/staff-users", se.env.staff, `{"name":"Alain Petit","email":"alain@cluster.example"}`, 201, nil)
	var audit struct {
		Items []store.AuditEntry `json:"items"`
	}
	se.do("GET", "/api/v1/audit", se.env.staff, "", 200, &audit)
	if len(audit.Items) < 2 {
		t.Fatalf("audit: %+v", audit.Items)
	}
	byKey, bySession := audit.Items[0], audit.Items[1]
	if bySession.Action != "key.create" || bySession.Actor != se.claire.ID || bySession.ActorName != "Claire Dubois <claire@cluster.example>" {
		t.Errorf("change made signed in: %+v, want actor %s named Claire Dubois", bySession, se.claire.ID)
	}
	if byKey.Action != "staff.add" || byKey.ActorName != "" || byKey.Actor == "" || byKey.Actor == se.claire.ID {
		t.Errorf("change made with a key: %+v", byKey)
	}
}

func TestStaffUsersAPI(t *testing.T) {
	se := newSignInEnv(t)
	var u store.StaffUser
	se.do("POST", "/api/v1/staff-users", se.env.staff, `{"name":"Alain Petit","email":"Alain@Cluster.example"}`, 201, &u)
	if u.Email != "alain@cluster.example" {
		t.Errorf("stored address %q", u.Email)
	}
	se.do("POST", "/api/v1/staff-users", se.env.staff, `{"name":"Alain bis","email":"alain@cluster.example"}`, 409, nil)
	var p problem
	se.do("POST", "/api/v1/staff-users", se.env.staff, `{"name":"","email":"x"}`, 400, &p)
	if len(p.Errors) != 2 {
		t.Errorf("bad staff user: errors %+v, want name and email", p.Errors)
	}
	se.do("GET", "/api/v1/staff-users", se.cyber, "", 403, nil)
	var users struct {
		Items []store.StaffUser `json:"items"`
		Total int               `json:"total"`
	}
	se.do("GET", "/api/v1/staff-users", se.env.staff, "", 200, &users)
	if users.Total != 2 {
		t.Errorf("%d staff users, want 2", users.Total)
	}
	// Removing a person ends their session at once.
	c, csrf := se.signIn("alain@cluster.example")
	se.do("DELETE", "/api/v1/staff-users/"+url.PathEscape(u.ID), se.env.staff, "", 204, nil)
	if resp, _ := se.call("GET", "/api/v1/rules", "", nil, c); resp.StatusCode != 401 {
		t.Errorf("session of a removed staff user: %d", resp.StatusCode)
	}
	// The last staff user cannot remove themselves through a session.
	c, csrf = se.signIn("claire@cluster.example")
	if resp, body := se.call("DELETE", "/api/v1/staff-users/"+se.claire.ID, "", map[string]string{"X-CSRF-Token": csrf}, c); resp.StatusCode != 409 {
		t.Errorf("removing the last staff user: %d %s", resp.StatusCode, body)
	}
	se.do("DELETE", "/api/v1/staff-users/nope", se.env.staff, "", 404, nil)
}

// Under https the cookie is Secure and __Host- prefixed (no Domain, Path=/).
func TestSessionCookieIsSecureUnderHTTPS(t *testing.T) {
	e := newEnv(t)
	ctx := context.Background()
	if _, err := e.db.AddStaffUser(ctx, "Claire", "claire@cluster.example", now); err != nil {
		t.Fatal(err)
	}
	mail := &mailbox{}
	s := api.New(api.Config{Store: e.db, Index: e.ix, Now: func() time.Time { return now }, BaseURL: "https://veille.example.org", SignInMailer: mail})
	rec := httptest.NewRecorder()
	s.ServeHTTP(rec, httptest.NewRequest("POST", "/auth/link", strings.NewReader(`{"email":"claire@cluster.example"}`)))
	s.WaitSignIns()
	if rec.Code != 202 || len(mail.all()) != 1 {
		t.Fatalf("link: %d, %d mailed", rec.Code, len(mail.all()))
	}
	link, _ := url.Parse(mail.all()[0].link)
	if link.Scheme != "https" || link.Host != "veille.example.org" {
		t.Errorf("link %s", link)
	}
	form := url.Values{"token": {link.Query().Get("token")}}
	req := httptest.NewRequest("POST", "/auth/login", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	rec = httptest.NewRecorder()
	s.ServeHTTP(rec, req)
	cs := rec.Result().Cookies()
	if rec.Code != 303 || len(cs) != 1 || cs[0].Name != "__Host-passerelle_session" || !cs[0].Secure || !cs[0].HttpOnly || cs[0].Domain != "" {
		t.Errorf("https sign-in: %d, cookies %+v", rec.Code, cs)
	}
	if rec.Header().Get("Location") != "/app/staff" {
		t.Errorf("staff sent to %q", rec.Header().Get("Location"))
	}
}

// The confirmation page in English keeps its link: the language switch keeps the query.
func TestSignInConfirmationInEnglish(t *testing.T) {
	se := newSignInEnv(t)
	se.askLink("chloe@cyber.example", nil)
	token := se.lastToken()
	_, page := se.call("GET", "/auth/login?token="+token, "", nil, nil)
	if !strings.Contains(page, `href="?lang=en&amp;token=`+token+`"`) {
		t.Errorf("the switch to English loses the link:\n%s", page)
	}
	resp, page := se.call("GET", "/auth/login?lang=en&token="+token, "", nil, nil)
	if resp.StatusCode != 200 || !strings.Contains(page, `<html lang="en">`) || !strings.Contains(page, `"You are about to sign in as"`) {
		t.Errorf("English confirmation: %d\n%s", resp.StatusCode, page)
	}
}
