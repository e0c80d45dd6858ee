package api_test

import (
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/pipeline"
)

// TestBrowserConsoleDetailPages goes through the console's detail pages as staff would after
// a night's run: the run's page (per source, deliveries per channel with the error of the one
// that failed), a member's record (its matches as it sees them, with the reasons in its words
// and its verdicts; its delivery log with states, attempts, errors and message ids), the
// feedback page (verdicts with reasons, filters, the notices judged not relevant), the rules
// form for cluster bundles, synonyms and exclusions (bad input shown beside its field, a
// preview with titles and scores, a save), "run now" and the run page following a run in
// progress, and the pages in English — with no error in the browser console.
func TestBrowserConsoleDetailPages(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	received := withDelivery(t, e)
	var run passerelle.Run
	e.do("POST", "/api/v1/runs", e.staff, "", 202, &run)
	waitRuns(e)
	if len(received()) != 1 {
		t.Fatalf("the webhook got %d digests, want 1", len(received()))
	}
	var matches matchPage
	e.do("GET", "/api/v1/members/cyber/matches", e.staff, "", 200, &matches)
	if len(matches.Items) < 2 {
		t.Fatalf("the test needs two matches, has %d", len(matches.Items))
	}
	good, bad := matches.Items[0], matches.Items[1]
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(good.Opportunity)+"/feedback", e.cyber, `{"verdict":"relevant"}`, 200, nil)
	e.do("PUT", "/api/v1/members/cyber/matches/"+url.PathEscape(bad.Opportunity)+"/feedback", e.cyber, `{"verdict":"not_relevant","reason":"hors de notre zone"}`, 200, nil)

	tb := openTab(t, browser)
	tb.signIn(e.srv.URL, e.staff)

	// The run's page, from the runs table.
	tb.do(chromedp.WaitVisible(chromedp.CSS(`#runs tr[data-run="`+run.ID+`"] a`)),
		chromedp.Click(chromedp.CSS(`#runs tr[data-run="`+run.ID+`"] a`)))
	tb.waitText("#run-h", "Run "+run.ID)
	// A run whose e-mail failed is partial, never ok, and says how many deliveries failed.
	tb.waitText("#run-progress .badge", "partiel")
	tb.waitText("#run-progress .badge.failed", "1 envoi en échec")
	tb.waitText("#run-sources tbody", "n'a lu aucune source")
	tb.waitText(`#run-channels tr[data-channel="webhook"]`, "webhook\t1\t0")
	tb.waitText(`#run-channels tr[data-channel="email"]`, "cyber: no SMTP server configured")
	tb.waitText("#run-digests", "1 résumé fait, 1 envoi réussi, 1 envoi en échec")
	shot(tb, "11-run-page")

	// A member's record, from the members table.
	tb.do(chromedp.Navigate(e.srv.URL+"/app/staff"),
		chromedp.WaitVisible(chromedp.CSS(`#members tr[data-member="cyber"] a.button`)),
		chromedp.Click(chromedp.CSS(`#members tr[data-member="cyber"] a.button`)))
	tb.waitText("#member-h", "Cyber SA (cyber)")
	list := tb.waitText("#mm-list", good.Title)
	for _, it := range matches.Items {
		if !strings.Contains(list, it.Title) {
			t.Errorf("match %s (%q) not listed", it.Opportunity, it.Title)
		}
		for i := range it.Explanation.Contributions {
			if i < len(it.Said) && it.Said[i] != "" && !strings.Contains(list, it.Said[i]) {
				t.Errorf("reason %q of %s not shown in the member's words", it.Said[i], it.Opportunity)
			}
		}
	}
	row := tb.waitText(`#mm-list li[data-opportunity="`+bad.Opportunity+`"]`, "pas pertinent")
	if !strings.Contains(row, "hors de notre zone") || !strings.Contains(row, fmt.Sprint(int(math.Round(bad.Score)))) {
		t.Errorf("the judged match lacks its reason or score: %q", row)
	}
	tb.waitText(`#mm-list li[data-opportunity="`+good.Opportunity+`"]`, "pertinent")
	var log struct {
		Items []struct {
			ID string `json:"id"`
		} `json:"items"`
	}
	e.do("GET", "/api/v1/members/cyber/digests", e.staff, "", 200, &log)
	if len(log.Items) != 1 {
		t.Fatalf("digests: %+v", log)
	}
	digest := `#digests tr[data-digest="` + log.Items[0].ID + `"]`
	tb.waitText(digest, "2026-11-27")
	tb.waitText(digest+` .channel[data-channel="webhook"]`, "envoyé")
	tb.waitText(digest+` .channel[data-channel="webhook"]`, log.Items[0].ID) // the webhook-id
	tb.waitText(digest+` .channel[data-channel="email"]`, "no SMTP server configured")
	tb.waitText(digest+` .channel[data-channel="email"]`, "1 tentative")
	shot(tb, "12-member-record")

	// Its feedback, then everyone's filtered by rules version.
	tb.do(chromedp.Click(chromedp.CSS("#member-feedback")), chromedp.WaitVisible(chromedp.CSS("#fb-verdicts")))
	tb.waitText(`#fb-not-relevant tr[data-opportunity="`+bad.Opportunity+`"]`, "« hors de notre zone »")
	tb.waitText(`#fb-not-relevant tr[data-opportunity="`+bad.Opportunity+`"]`, bad.Title)
	tb.waitText(`#fb-verdicts tr[data-opportunity="`+bad.Opportunity+`"]`, "pas pertinent\thors de notre zone")
	tb.waitText(`#fb-counts li[data-verdict="relevant"]`, "1 pertinent")
	tb.waitText("#fb-members tbody", "Cyber SA\t1\t1\t0\t0")
	if !tb.eval(`document.getElementById("fb-member").value === "cyber"`) {
		t.Error("the member filter does not show the member of the address")
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#fb-member"), ""),
		chromedp.SetValue(chromedp.CSS("#fb-version"), fmt.Sprint(bad.RulesVersion)),
		chromedp.Click(chromedp.CSS(`#fb-filter button[type="submit"]`)))
	tb.waitText("#fb-versions tbody", fmt.Sprintf("v%d\t1\t1\t0\t0", bad.RulesVersion))
	shot(tb, "13-feedback-page")

	// The rules form: bundles, synonyms, exclusions, written into the JSON that is sent.
	var before passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &before)
	tb.do(chromedp.Navigate(e.srv.URL+"/app/staff#rules-h"),
		chromedp.WaitVisible(chromedp.CSS(`#bundles-fields details[data-cluster="security"] summary`)),
		chromedp.Click(chromedp.CSS(`#bundles-fields details[data-cluster="security"] summary`)),
		chromedp.WaitVisible(chromedp.CSS("#rb-security-fr")),
		chromedp.SendKeys(chromedp.CSS("#rb-security-fr"), "\npare-feu applicatif"),
		chromedp.SetValue(chromedp.CSS("#rb-security-cpv"), "72212730, 12x"),
		chromedp.SendKeys(chromedp.CSS("#rb-security-cpv"), " "),
		chromedp.SendKeys(chromedp.CSS("#rules-synonyms"), "\npentest"),
		chromedp.SendKeys(chromedp.CSS("#rules-exclusions"), "\nvoirie"),
		chromedp.Click(chromedp.CSS("#rules-save")))
	// Each bad field's path is shown beside it, as the API gives it; nothing is saved.
	tb.waitText(`[data-error-for="clusters.security.cpv"]`, "clusters.security.cpv[1]")
	tb.waitText(`[data-error-for="synonyms"]`, fmt.Sprintf("synonyms[%d]", len(before.Synonyms)))
	tb.waitText("#rules-errors", "clusters.security.cpv[1]")
	if !tb.eval(`document.getElementById("rb-security-cpv").getAttribute("aria-invalid") === "true"`) {
		t.Error("the bad CPV field is not marked invalid")
	}
	shot(tb, "14-rules-form-errors")
	var rules passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &rules)
	if rules.Version != bad.RulesVersion {
		t.Fatalf("invalid rules were saved: version %d", rules.Version)
	}
	// Fixed, previewed and saved: the exclusion removes the road works match, by title and score.
	tb.do(chromedp.SetValue(chromedp.CSS("#rb-security-cpv"), "72212730"),
		chromedp.SendKeys(chromedp.CSS("#rb-security-cpv"), " "),
		chromedp.SetValue(chromedp.CSS("#rules-synonyms"), "pentest, test d'intrusion"), // the groups are now this one
		chromedp.SendKeys(chromedp.CSS("#rules-synonyms"), " "),
		chromedp.SetValue(chromedp.CSS("#rules-exclusions"), "intrusion"),
		chromedp.SendKeys(chromedp.CSS("#rules-exclusions"), " "),
		chromedp.SendKeys(chromedp.CSS("#rules-comment"), "bundles au formulaire"))
	raw, err := chromedp.Run(tb.ctx, chromedp.Value(chromedp.CSS("#rules-json")))
	if err != nil {
		t.Fatal(err)
	}
	var sent passerelle.Rules
	if err := json.Unmarshal([]byte(raw), &sent); err != nil {
		t.Fatalf("the form wrote JSON that does not parse: %v", err)
	}
	if kw := sent.Clusters["security"].Keywords["fr"]; len(kw) == 0 || kw[len(kw)-1] != "pare-feu applicatif" {
		t.Errorf("security's French keywords in the JSON: %v", kw)
	}
	if c := sent.Clusters["security"].CPV; len(c) != 1 || c[0] != "72212730" {
		t.Errorf("security's CPV prefixes in the JSON: %v", c)
	}
	if len(sent.Synonyms) != 1 || len(sent.Synonyms[0]) != 2 || len(sent.Exclusions) != 1 || sent.Exclusions[0] != "intrusion" {
		t.Errorf("synonyms %v, exclusions %v in the JSON", sent.Synonyms, sent.Exclusions)
	}
	body, _ := json.Marshal(sent)
	var rep pipeline.PreviewReport
	e.do("POST", "/api/v1/rules/preview", e.staff, string(body), 200, &rep)
	tb.do(chromedp.Click(chromedp.CSS("#rules-preview")), chromedp.WaitVisible(chromedp.CSS("#preview-result")))
	tb.waitText("#preview-summary", fmt.Sprintf("%d ajoutés, %d retirés", rep.Added, rep.Removed))
	if rep.Removed == 0 {
		t.Fatalf("the exclusion removes nothing: %+v", rep)
	}
	for _, mp := range rep.Members {
		if mp.Member != "cyber" {
			continue
		}
		tb.waitText(`#preview-members tr[data-member="cyber"] th`, "Cyber SA")
		tb.do(chromedp.Click(chromedp.CSS(`#preview-members tr[data-member="cyber"] summary`)))
		for _, mv := range mp.Removed {
			tb.waitText(`#preview-members tr[data-member="cyber"] details`, fmt.Sprintf("− %s (%d)", rep.Titles[mv.Opportunity], int(math.Round(mv.Before))))
		}
	}
	shot(tb, "15-rules-form-preview")
	tb.do(chromedp.Click(chromedp.CSS("#rules-save")))
	tb.waitText("#rules-status", fmt.Sprintf("Version %d enregistrée", rules.Version+1))
	var saved passerelle.Rules
	e.do("GET", "/api/v1/rules", e.staff, "", 200, &saved)
	if saved.Comment != "bundles au formulaire" || len(saved.Exclusions) != 1 || saved.Clusters["security"].CPV[0] != "72212730" {
		t.Errorf("saved rules: comment %q, exclusions %v, security %+v", saved.Comment, saved.Exclusions, saved.Clusters["security"])
	}
	// The form shows what was saved.
	tb.waitText(`#bundles-fields details[data-cluster="security"] summary`, "1 préfixe CPV")

	// "Run now" shows the stage and the sources read while the run goes on, then its counts;
	// the run's page follows it too.
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
	tb.do(chromedp.Click(chromedp.CSS("#run-now")))
	tb.waitText("#run-status", "étape : lecture des sources, sources lues : 0 / 1")
	shot(tb, "16-run-now-progress")
	var runs struct {
		Items []passerelle.Run `json:"items"`
	}
	e.do("GET", "/api/v1/runs?limit=1", e.staff, "", 200, &runs)
	live := openTab(t, browser)
	live.signIn(e.srv.URL, e.staff)
	live.do(chromedp.WaitVisible(chromedp.CSS("#runs tbody")), chromedp.Navigate(e.srv.URL+"/app/staff/run?id="+runs.Items[0].ID))
	live.waitText("#run-progress", "étape : lecture des sources")
	live.waitText("#run-sources tbody", "la page se met à jour seule")
	free()
	// The source read fine, but cyber's e-mail, tried again, failed again: partial, not ok.
	tb.waitText("#run-status", "Run terminé : partiel — sources lues : 1 / 1")
	tb.waitText("#run-status", "(0 envois réussis, 1 en échec)")
	live.waitText(`#run-sources tr[data-source="slow"]`, "slow\tok\t1\t0\t0\t0\t0")
	live.waitText("#run-progress", "partiel")

	// In English, from the one catalogue.
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff/feedback?lang=en"))
	tb.waitText("#fb-verdicts-h", "Every verdict")
	tb.waitText(`#fb-not-relevant tr[data-opportunity="`+bad.Opportunity+`"]`, "hors de notre zone")
	tb.do(chromedp.Navigate(e.srv.URL + "/app/staff/member?id=cyber"))
	tb.waitText("#md-h", "Digests sent")
	tb.waitText(digest+` .channel[data-channel="webhook"]`, "sent")
	tb.waitText("#mm-h", "Its opportunities, as it sees them")
	shot(tb, "17-member-record-en")
}
