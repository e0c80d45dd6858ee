package api_test

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"os/exec"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/pipeline"
)

// These tests drive a headless Chromium through the DevTools protocol against a real server
// (bbolt, bleve, pipeline), as a member and as staff would. They skip when no Chromium is
// installed (Debian: apt-get install -y chromium), so `go test ./...` passes without one.

// chromiumPath finds a browser: $PASSERELLE_CHROMIUM first, then the usual names.
func chromiumPath() string {
	if p := os.Getenv("PASSERELLE_CHROMIUM"); p != "" {
		return p
	}
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable", "headless-shell"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	return ""
}

// newBrowser starts one headless Chromium for a test, with a fresh profile, quiet flags and no
// network besides the test server. Every scenario opens its own tab, hence its own sessionStorage.
func newBrowser(t *testing.T) context.Context {
	t.Helper()
	if testing.Short() {
		t.Skip("browser tests skipped in -short mode")
	}
	path := chromiumPath()
	if path == "" {
		t.Skip("no Chromium binary found (install it: apt-get install -y chromium, or set PASSERELLE_CHROMIUM)")
	}
	// A guard against a browser that hangs, not a speed assertion.
	ctx, cancelTimeout := context.WithTimeout(context.Background(), 3*time.Minute)
	t.Cleanup(cancelTimeout)
	alloc, cancelAlloc := chromedp.NewExecAllocator(ctx,
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox,
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.Flag("disable-extensions", true),
		chromedp.Flag("disable-dev-shm-usage", true),
		chromedp.UserDataDir(t.TempDir()),
		chromedp.WindowSize(1024, 900),
	)
	t.Cleanup(cancelAlloc)
	browser, cancelBrowser := chromedp.NewContext(alloc)
	t.Cleanup(cancelBrowser)
	if err := chromedp.Do(browser); err != nil { // starts the browser
		t.Fatalf("starting %s: %v", path, err)
	}
	return browser
}

// tab is one browser tab and what its console said.
type tab struct {
	t   *testing.T
	ctx context.Context
	mu  sync.Mutex
	log []chromedp.ConsoleMessage
}

func openTab(t *testing.T, browser context.Context) *tab {
	t.Helper()
	ctx, cancel := chromedp.NewContext(browser)
	tb := &tab{t: t, ctx: ctx}
	if err := chromedp.Do(ctx); err != nil {
		t.Fatal(err)
	}
	msgs := chromedp.Console(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		for m, err := range msgs {
			if err != nil {
				return
			}
			tb.mu.Lock()
			tb.log = append(tb.log, m)
			tb.mu.Unlock()
		}
	}()
	t.Cleanup(func() {
		cancel()
		<-done
		// A script error or a blocked resource means a page that looks fine in a test but is
		// broken for people; failed API answers (401, 403, 409) are expected and not counted.
		tb.mu.Lock()
		defer tb.mu.Unlock()
		for _, m := range tb.log {
			if m.IsException() || strings.Contains(m.Text, "Content Security Policy") || strings.Contains(m.Text, "Refused to") {
				t.Errorf("browser console: %s (%s:%d)", m, m.URL, m.Line+1)
			}
		}
	})
	return tb
}

func (tb *tab) do(steps ...chromedp.Action[chromedp.Void]) {
	tb.t.Helper()
	if err := chromedp.Do(tb.ctx, steps...); err != nil {
		tb.t.Fatal(err)
	}
}

// waitText waits until the text of the element sel contains want, and returns that text.
func (tb *tab) waitText(sel, want string) string {
	tb.t.Helper()
	last := ""
	for {
		txt, err := chromedp.Run(tb.ctx, chromedp.Text(chromedp.CSS(sel)))
		if err == nil {
			last = txt
			if strings.Contains(txt, want) {
				return txt
			}
		}
		if tb.ctx.Err() != nil {
			tb.t.Fatalf("%s never showed %q; last text: %q", sel, want, last)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func (tb *tab) signIn(base, key string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#key")),
		chromedp.SendKeys(chromedp.CSS("#key"), key),
		chromedp.Click(chromedp.CSS(`#signin-form button[type="submit"]`)))
}

type matchPage struct {
	Items []struct {
		passerelle.Match
		Title    string     `json:"title"`
		Deadline *time.Time `json:"deadline"`
		Said     []string   `json:"said"`
	} `json:"items"`
	Total int `json:"total"`
}

func TestBrowserMember(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	// A name with markup must show as text: the pages never turn data into HTML.
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	m.Name = `Cyber <img src=x id=pwn> SA`
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	// More matches than a page holds, to walk the pages.
	deadline := now.AddDate(0, 0, 30)
	var more []passerelle.Opportunity
	for i := range 12 {
		more = append(more, passerelle.Opportunity{ID: fmt.Sprintf("audit-%d", i), Source: "s", Kind: passerelle.KindTender,
			Title: fmt.Sprintf("Tests d'intrusion et audit de cybersécurité, lot %d", i+1), Language: "fr", Country: "BE", Deadline: &deadline})
	}
	if _, _, err := e.pl.Save(ctx, more); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	var before matchPage
	e.do("GET", "/api/v1/members/cyber/matches?limit=10", e.staff, "", 200, &before)
	if len(before.Items) < 2 {
		t.Fatalf("the test needs two matches for cyber, has %d", len(before.Items))
	}

	t.Run("wrong key", func(t *testing.T) {
		tb := openTab(t, browser)
		tb.signIn(e.srv.URL, "pk_wrong")
		tb.waitText("#signin-error", "Clé inconnue")
	})

	t.Run("premium member", func(t *testing.T) {
		tb := openTab(t, browser)
		tb.signIn(e.srv.URL, e.cyber)
		tb.do(chromedp.WaitVisible(chromedp.CSS("#matches li.match")))
		tb.waitText("#profile-list", m.Name)
		shot(tb, "09-member-page")
		pwned, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.getElementById("pwn") !== null`))
		if err != nil || pwned {
			t.Errorf("markup in a member's name became an element (err %v)", err)
		}
		if before.Total <= 10 {
			t.Fatalf("the test needs more than a page of matches, has %d", before.Total)
		}
		tb.waitText("#matches-status", fmt.Sprintf("%d opportunité(s), 10 affichée(s)", before.Total))
		list := tb.waitText("#matches", before.Items[0].Title)
		for _, it := range before.Items {
			if !strings.Contains(list, it.Title) {
				t.Errorf("match %s (%q) not listed", it.Opportunity, it.Title)
			}
			// Each reason is shown in plain French, not in the engine's words.
			for i, c := range it.Explanation.Contributions {
				if i >= len(it.Said) || it.Said[i] == "" {
					t.Errorf("contribution %q of %s has no plain reason", c.Evidence, it.Opportunity)
					continue
				}
				if !strings.Contains(list, it.Said[i]) {
					t.Errorf("reason %q of %s not shown", it.Said[i], it.Opportunity)
				}
				if strings.Contains(list, c.Evidence) {
					t.Errorf("the engine's evidence %q of %s is shown to the member", c.Evidence, it.Opportunity)
				}
			}
		}
		// Deadlines are told in days from the server's today, not the browser's.
		days := int(before.Items[0].Deadline.Sub(now).Hours() / 24)
		tb.waitText("#matches li.match:nth-child(1) .meta", fmt.Sprintf("clôture dans %d jours", days))

		// Relevant on the first match, not relevant with a reason on the second.
		first := `#matches li.match:nth-child(1)`
		second := `#matches li.match:nth-child(2)`
		if shown, err := chromedp.Run(tb.ctx, chromedp.Evaluate[bool](`document.querySelector("`+second+` .reason-form").offsetParent !== null`)); err != nil || shown {
			t.Errorf("the reason form shows before 'not relevant' is clicked (err %v)", err)
		}
		tb.do(chromedp.Click(chromedp.CSS(first+` button[data-verdict="relevant"]`)),
			chromedp.WaitVisible(chromedp.CSS(first+`[data-feedback="relevant"]`)))
		tb.waitText("#matches-status", "Merci")
		tb.do(chromedp.Click(chromedp.CSS(second+` button[data-verdict="not_relevant"]`)),
			chromedp.WaitVisible(chromedp.CSS(second+` .reason-form input`)),
			chromedp.SendKeys(chromedp.CSS(second+` .reason-form input`), "hors de notre zone"),
			chromedp.Click(chromedp.CSS(second+` .reason-form button[type="submit"]`)),
			chromedp.WaitVisible(chromedp.CSS(second+`[data-feedback="not_relevant"]`)))

		var after matchPage
		e.do("GET", "/api/v1/members/cyber/matches?limit=10", e.staff, "", 200, &after)
		verdicts := map[string]*passerelle.Feedback{}
		for _, it := range after.Items {
			verdicts[it.Opportunity] = it.Feedback
		}
		if fb := verdicts[before.Items[0].Opportunity]; fb == nil || fb.Verdict != passerelle.VerdictRelevant {
			t.Errorf("relevant click: stored feedback %+v", fb)
		}
		if fb := verdicts[before.Items[1].Opportunity]; fb == nil || fb.Verdict != passerelle.VerdictNotRelevant || fb.Reason != "hors de notre zone" {
			t.Errorf("not relevant with a reason: stored feedback %+v", fb)
		}

		// The next page adds the rest, and the button goes away.
		tb.do(chromedp.Click(chromedp.CSS("#more")))
		tb.waitText("#matches-status", fmt.Sprintf("%d opportunité(s), %d affichée(s)", before.Total, before.Total))
		if n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#matches li.match").length`)); err != nil || n != before.Total {
			t.Errorf("after 'more': %d matches listed, want %d (err %v)", n, before.Total, err)
		}
		tb.do(chromedp.WaitNotVisible(chromedp.CSS("#more")))

		// Filters: a minimum above every score leaves nothing.
		tb.do(chromedp.SetValue(chromedp.CSS("#f-min"), "100"),
			chromedp.Click(chromedp.CSS(`#filters button[type="submit"]`)))
		tb.waitText("#matches-status", "Aucune opportunité")

		// The search box.
		tb.do(chromedp.SendKeys(chromedp.CSS("#search-q"), "voirie"),
			chromedp.Click(chromedp.CSS(`#search-form button[type="submit"]`)))
		tb.waitText("#search-results", "Travaux de voirie")

		// Signing out forgets the key: the member page sends back to sign-in.
		tb.do(chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#signin-form")),
			chromedp.Navigate(e.srv.URL+"/app/member"), chromedp.WaitVisible(chromedp.CSS("#signin-form")))
	})

	t.Run("basic member", func(t *testing.T) {
		tb := openTab(t, browser)
		tb.signIn(e.srv.URL, e.basicKey)
		tb.do(chromedp.WaitVisible(chromedp.CSS("#premium-notice")))
		tb.waitText("#premium-title", "Matches are a premium feature")
		if n, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.querySelectorAll("#matches li").length`)); err != nil || n != 0 {
			t.Errorf("basic member sees %d matches (err %v)", n, err)
		}
		// The staff console sends a member key back to its own page.
		tb.do(chromedp.Navigate(e.srv.URL+"/app/staff"), chromedp.WaitVisible(chromedp.CSS("#premium-notice")))
	})
}

func TestBrowserStaff(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	// A source that fails, and a run that records it.
	e.do("POST", "/api/v1/sources", e.staff, `{"id":"local","name":"Flux local","url":"/nonexistent/feed.rss","format":"rss","enabled":true}`, 201, nil)
	var run passerelle.Run
	e.do("POST", "/api/v1/runs", e.staff, "", 202, &run)
	for e.pl.Running() {
		time.Sleep(20 * time.Millisecond)
	}
	var rules passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &rules)
	var matches matchPage
	e.do("GET", "/api/v1/members/cyber/matches", e.staff, "", 200, &matches)
	for i, verdict := range []string{"relevant", "relevant", "dismissed"} {
		if i < len(matches.Items) {
			e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(matches.Items[i].Opportunity)+"/feedback", e.cyber, `{"verdict":"`+verdict+`"}`, 200, nil)
		}
	}
	counts := map[int]map[string]int{}
	e.do("GET", "/api/v1/feedback", e.staff, "", 200, &counts)
	c := counts[rules.Version]

	tb := openTab(t, browser)
	tb.signIn(e.srv.URL, e.staff)
	tb.waitText("#sources tbody", "Flux local")
	shot(tb, "10-console-with-data")
	tb.waitText("#sources tbody", "échec")
	tb.waitText("#runs tbody", "nonexistent")
	members := tb.waitText("#members tbody", "Cyber SA")
	if !strings.Contains(members, "Basic") || !strings.Contains(members, "premium") {
		t.Errorf("members table: %q", members)
	}
	// Feedback counts of the current rules version: version, relevant, not relevant, saved, dismissed.
	tb.waitText("#feedback tbody", fmt.Sprintf("v%d\t%d\t%d\t%d\t%d", rules.Version, c["relevant"], c["not_relevant"], c["saved"], c["dismissed"]))
	if c["relevant"] == 0 {
		t.Errorf("feedback counts %v lack the verdicts just given", counts)
	}
	tb.waitText("#rules-version", fmt.Sprintf("Version en vigueur : %d", rules.Version))

	// Preview a stricter threshold: the page shows what the API computes.
	strict := rules
	strict.Thresholds.MinScore = 99
	body, _ := json.Marshal(strict)
	var rep pipeline.PreviewReport
	e.do("POST", "/api/v1/rules/preview", e.staff, string(body), 200, &rep)
	if rep.Removed == 0 {
		t.Fatalf("preview removes nothing: %+v", rep)
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#rules-json"), string(body)),
		chromedp.Click(chromedp.CSS("#rules-preview")),
		chromedp.WaitVisible(chromedp.CSS("#preview-result")))
	summary := tb.waitText("#preview-summary", "retirés")
	want := fmt.Sprintf("%d ajoutés, %d retirés, %d déplacés", rep.Added, rep.Removed, rep.Moved)
	if !strings.Contains(summary, want) {
		t.Errorf("preview summary %q lacks %q", summary, want)
	}
	tb.waitText(`#preview-members tr[data-member="cyber"]`, "cyber")
	// Per member, the titles of what the change removes, with their scores.
	for _, mp := range rep.Members {
		if mp.Member != "cyber" {
			continue
		}
		tb.do(chromedp.Click(chromedp.CSS(`#preview-members tr[data-member="cyber"] summary`)))
		for _, mv := range mp.Removed {
			tb.waitText(`#preview-members tr[data-member="cyber"] details`, fmt.Sprintf("− %s (%d)", rep.Titles[mv.Opportunity], int(math.Round(mv.Before))))
		}
	}

	// Invalid rules: the field paths are shown and nothing is saved.
	bad := rules
	bad.Weights.Text = -3
	body, _ = json.Marshal(bad)
	tb.do(chromedp.SetValue(chromedp.CSS("#rules-json"), string(body)),
		chromedp.Click(chromedp.CSS("#rules-save")))
	tb.waitText("#rules-errors", "weights.text")
	// Broken JSON never leaves the page.
	tb.do(chromedp.SetValue(chromedp.CSS("#rules-json"), `{"weights":`), chromedp.Click(chromedp.CSS("#rules-save")))
	tb.waitText("#rules-status", "JSON invalide")
	var still passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &still)
	if still.Version != rules.Version {
		t.Errorf("invalid rules saved: version %d, was %d", still.Version, rules.Version)
	}

	// While a run is in progress (its feed does not answer yet), "Run now" says so plainly.
	release := make(chan struct{})
	var once sync.Once
	free := func() { once.Do(func() { close(release) }) }
	t.Cleanup(free)
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
			return
		}
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprint(w, `<?xml version="1.0"?><rss version="2.0"><channel><title>t</title></channel></rss>`)
	}))
	t.Cleanup(slow.Close)
	e.do("POST", "/api/v1/sources", e.staff, `{"id":"slow","name":"Flux lent","url":"`+slow.URL+`/feed.rss","format":"rss","enabled":true}`, 201, nil)
	e.do("POST", "/api/v1/runs", e.staff, "", 202, nil)
	tb.do(chromedp.Click(chromedp.CSS("#run-now")))
	tb.waitText("#run-status", "Un run est déjà en cours")
	free()
	for e.pl.Running() {
		time.Sleep(20 * time.Millisecond)
	}

	// "Run now" starts a run and follows it to its end; the tables then show it.
	tb.do(chromedp.Click(chromedp.CSS("#run-now")))
	tb.waitText("#run-status", "Run terminé")
	tb.waitText("#sources tbody", "Flux lent")
	tb.waitText("#runs tbody", "slow : 1 lus")

	// Staff may open a member's page from the console.
	tb.do(chromedp.Click(chromedp.CSS(`#members a[href="/app/member?member=cyber"]`)),
		chromedp.WaitVisible(chromedp.CSS("#matches li.match")))
}
