package api_test

import (
	"context"
	"html"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/api"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
)

// TestBrowserMemberJourney is issue #11's "done when": a premium member's contact signs in
// through the link a real SMTP server (mailpit) received, makes its digests weekly, adds a
// second profile on its own profiles page (which finds a serious-games call the first
// missed), gives feedback from the digest's button and finds it on its page, then
// unsubscribes with the one-click POST of the mail's List-Unsubscribe header — after which
// notify sends it nothing, though a new match and a new week would otherwise make a digest.
func TestBrowserMemberJourney(t *testing.T) {
	browser := newBrowser(t)
	mp := startMailpitAPI(t)
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	contact := "ines@cyber.example"
	m.Contacts = []passerelle.Contact{{Name: "Inès Lambert", Email: contact}}
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	later := now.AddDate(0, 0, 40)
	game := passerelle.Opportunity{ID: "o9", Source: "s", Kind: passerelle.KindCall, Title: "Jeux sérieux pour la formation des soignants",
		Description: "Conception d'un jeu sérieux et de simulations pour former le personnel hospitalier.", Buyer: "CHU de Liège",
		URL: "https://ted.example/notice/999-2026", Language: "fr", Country: "BE", Deadline: &later}
	if _, _, err := e.pl.Save(ctx, []passerelle.Opportunity{game}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := e.db.Match(ctx, "cyber", "o9"); err == nil {
		t.Fatal("the security profile alone already matches the serious-games call: the second profile would prove nothing")
	}

	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	mailer := &notify.Mailer{URL: "smtp://" + mp.smtp, From: "Passerelle <veille@passerelle.example>", Timeout: 20 * time.Second}
	s := api.New(api.Config{Store: e.db, Index: e.ix, Runner: e.pl, Now: func() time.Time { return now }, BaseURL: base, SignInMailer: mailer})
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(srv.Close)

	// 1. Sign-in through the mailed link.
	tb := openTab(t, browser)
	signInByMail(tb, s, mp, base, contact)
	tb.do(chromedp.WaitVisible(chromedp.CSS("#matches li.match")))
	tb.waitText("#whoami", "Inès Lambert")

	// 2. Weekly digests, on the preferences page.
	tb.do(chromedp.Click(chromedp.CSS("#prefs-link")), chromedp.WaitVisible(chromedp.CSS(`#prefs-form input[name="frequency"][value="weekly"]`)))
	for !tb.eval(`document.querySelector('#prefs-form input[name="frequency"][value="daily"]').checked`) {
		if tb.ctx.Err() != nil {
			t.Fatal("the stored frequency is never shown")
		}
		time.Sleep(50 * time.Millisecond)
	}
	tb.do(chromedp.Click(chromedp.CSS(`#prefs-form input[name="frequency"][value="weekly"]`)), chromedp.Click(chromedp.CSS("#prefs-save")))
	tb.waitText("#prefs-status", "Préférences enregistrées")
	if got, err := e.db.Member(ctx, "cyber"); err != nil || got.Notify.Frequency != "weekly" {
		t.Fatalf("frequency after saving: %q %v", got.Notify.Frequency, err)
	}

	// 3. A second profile, on the member's own profiles page; a bad value first, refused beside its field.
	tb.do(chromedp.Navigate(base+"/app/member"), chromedp.WaitVisible(chromedp.CSS("#profiles-link")),
		chromedp.Click(chromedp.CSS("#profiles-link")), chromedp.WaitVisible(chromedp.CSS("#pf-0-name")))
	tb.waitText("#profiles legend", "Cyber SA")
	tb.do(chromedp.Click(chromedp.CSS("#profile-add")), chromedp.WaitVisible(chromedp.CSS("#pf-1-name")),
		chromedp.SetValue(chromedp.CSS("#pf-1-name"), "Jeux sérieux"),
		chromedp.SetValue(chromedp.CSS("#pf-1-skills"), "jeux sérieux\nsimulation"),
		chromedp.Click(chromedp.CSS(`#profiles fieldset[data-index="1"] input[name="clusters"][value="seriousgames"]`)),
		chromedp.SetValue(chromedp.CSS("#pf-1-min_score"), "250"),
		chromedp.Click(chromedp.CSS("#profiles-save")))
	tb.waitText(`.field-error[data-for="profiles[1].min_score"]`, "between 0 and 100")
	shot(tb, "32-member-profiles-error")
	if got, _ := e.db.Member(ctx, "cyber"); len(got.Profiles) > 1 {
		t.Fatalf("a refused edit stored %+v", got.Profiles)
	}
	tb.do(chromedp.SetValue(chromedp.CSS("#pf-1-min_score"), ""), chromedp.Click(chromedp.CSS("#profiles-save")))
	tb.waitText("#profiles-status", "Profils enregistrés")
	shot(tb, "30-member-profiles")
	got, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	if len(got.Profiles) != 2 || got.Profiles[1].Name != "Jeux sérieux" || got.Profiles[1].ID != "jeux-serieux" ||
		strings.Join(got.Profiles[1].Skills, "|") != "jeux sérieux|simulation" || strings.Join(got.Profiles[1].Clusters, ",") != "seriousgames" ||
		got.Profiles[0].ID != m.EffectiveProfiles()[0].ID || strings.Join(got.Profiles[0].Skills, "|") != strings.Join(m.Skills, "|") {
		t.Fatalf("stored profiles: %+v", got.Profiles)
	}
	if mt := e.match("cyber", "o9"); mt.Profile != "jeux-serieux" {
		t.Fatalf("the serious-games call matched through profile %q, want the new one", mt.Profile)
	}

	// 4. The weekly digest (on Monday), its "relevant" button for the new profile's match.
	monday := now.AddDate(0, 0, 3)
	if monday.Weekday() != notify.WeeklyDay {
		t.Fatalf("%v is no weekly digest day", monday)
	}
	e.pl.Now = func() time.Time { return monday }
	delivery := pipeline.Delivery{Location: time.UTC, BaseURL: base, Association: "Cluster TIC de Wallonie",
		Channels: map[string]pipeline.Channel{"email": mailer}}
	if rep, err := e.pl.Notify(ctx, "", delivery); err != nil || rep.Sent != 1 {
		t.Fatalf("digest: %+v %v", rep, err)
	}
	digestID, msg := newestTo(t, mp, contact)
	if !strings.Contains(msg.HTML, "Jeux sérieux") {
		t.Error("the digest does not name the second profile")
	}
	at := strings.Index(msg.HTML, "/app/opportunities/o9?")
	if at < 0 {
		t.Fatalf("no link to o9 in the digest:\n%s", msg.HTML)
	}
	button := regexp.MustCompile(`href="(` + regexp.QuoteMeta(base) + `/app/feedback/[^"]+\?verdict=relevant)"`).FindStringSubmatch(msg.HTML[at:])
	if button == nil {
		t.Fatalf("no relevant button after o9's link in the digest:\n%s", msg.HTML)
	}
	tb.do(chromedp.Navigate(html.UnescapeString(button[1])), chromedp.WaitVisible(chromedp.CSS("#fb-confirm")))
	tb.waitText("main", "Jeux sérieux pour la formation des soignants")
	if mt := e.match("cyber", "o9"); mt.Feedback != nil {
		t.Fatalf("opening the button's link stored %+v", mt.Feedback)
	}
	tb.do(chromedp.Click(chromedp.CSS("#fb-confirm")), chromedp.WaitVisible(chromedp.CSS("#fb-done")))
	if mt := e.match("cyber", "o9"); mt.Feedback == nil || mt.Feedback.Verdict != passerelle.VerdictRelevant {
		t.Fatalf("after confirming: %+v", mt.Feedback)
	}
	item := `#matches li.match[data-opportunity="o9"]`
	tb.do(chromedp.Navigate(base+"/app/member"), chromedp.WaitVisible(chromedp.CSS(item+`[data-feedback="relevant"]`)))
	tb.waitText(item+" .verdict", "Votre avis : pertinent")

	// 5. One-click unsubscribe, as a mail client does it: a POST to the List-Unsubscribe URL, no cookie.
	var headers map[string][]string
	mp.get(t, "/api/v1/message/"+digestID+"/headers", &headers)
	if p := headers["List-Unsubscribe-Post"]; len(p) != 1 || p[0] != "List-Unsubscribe=One-Click" {
		t.Errorf("List-Unsubscribe-Post: %q", p)
	}
	var unsub string
	for _, h := range headers["List-Unsubscribe"] {
		if u := regexp.MustCompile(`<(https?://[^>]+)>`).FindStringSubmatch(h); u != nil {
			unsub = u[1]
		}
	}
	if !strings.HasPrefix(unsub, base+"/") {
		t.Fatalf("List-Unsubscribe %q has no URL on the server", headers["List-Unsubscribe"])
	}
	resp, err := http.Post(unsub, "application/x-www-form-urlencoded", strings.NewReader("List-Unsubscribe=One-Click"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		t.Fatalf("one-click unsubscribe: %s", resp.Status)
	}

	// 6. A week later a new call matches: a digest would be due, but none goes out.
	fresh := passerelle.Opportunity{ID: "o10", Source: "s", Kind: passerelle.KindTender, Title: "Simulation et jeux sérieux pour la sécurité routière",
		Description: "Un jeu sérieux de sensibilisation.", Language: "fr", Country: "BE", Deadline: &later}
	if _, _, err := e.pl.Save(ctx, []passerelle.Opportunity{fresh}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	if mt := e.match("cyber", "o10"); mt.State != passerelle.MatchNew {
		t.Fatalf("the new call is not a new match (%q): the last notify would prove nothing", mt.State)
	}
	e.pl.Now = func() time.Time { return monday.AddDate(0, 0, 7) }
	before := countTo(t, mp, contact)
	if rep, err := e.pl.Notify(ctx, "", delivery); err != nil || rep.Sent != 0 || rep.Digests != 0 {
		t.Fatalf("notify after unsubscribing: %+v %v", rep, err)
	}
	if n := countTo(t, mp, contact); n != before {
		t.Fatalf("mailpit received %d more message(s) for the unsubscribed member", n-before)
	}
}

type mailBody struct{ HTML, Text string }

// newestTo returns the id and body of the newest message mailpit holds for addr.
func newestTo(t *testing.T, mp *mailpit, addr string) (string, mailBody) {
	t.Helper()
	for _, m := range messagesTo(t, mp, addr) {
		var b mailBody
		mp.get(t, "/api/v1/message/"+m, &b)
		return m, b
	}
	t.Fatalf("mailpit has no mail for %s", addr)
	return "", mailBody{}
}

func countTo(t *testing.T, mp *mailpit, addr string) int { return len(messagesTo(t, mp, addr)) }

// messagesTo lists the ids of mailpit's messages to addr, newest first.
func messagesTo(t *testing.T, mp *mailpit, addr string) []string {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string
			To []struct{ Address string }
		}
	}
	mp.get(t, "/api/v1/messages?limit=500", &list)
	var ids []string
	for _, m := range list.Messages {
		for _, to := range m.To {
			if strings.EqualFold(to.Address, addr) {
				ids = append(ids, m.ID)
				break
			}
		}
	}
	return ids
}
