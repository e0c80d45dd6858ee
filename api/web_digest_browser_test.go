package api_test

import (
	"context"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/pipeline"
)

// TestBrowserDigestFeedback: two nightly digests reach a real SMTP server (mailpit); the
// second tells a new match, the followed ones closing soon and a moved deadline. A person
// opens its "relevant" button, confirms on the page it opens, and finds the verdict on the
// member page, where it can be undone; the title link opens the opportunity page with the
// member's reasons and the revision's diff, without a key.
func TestBrowserDigestFeedback(t *testing.T) {
	browser := newBrowser(t)
	mp := startMailpitAPI(t)
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	m.Contacts = []passerelle.Contact{{Name: "Amélie Dubois", Email: "amelie@cyber.example"}}
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	delivery := pipeline.Delivery{Location: time.UTC, BaseURL: e.srv.URL, Association: "Cluster TIC de Wallonie",
		Channels: map[string]pipeline.Channel{"email": &notify.Mailer{URL: "smtp://" + mp.smtp, From: "Passerelle <veille@passerelle.example>"}}}
	if rep, err := e.pl.Notify(ctx, "", delivery); err != nil || rep.Sent != 1 {
		t.Fatalf("first digest: %+v %v", rep, err)
	}
	// Within the next fortnight: o2's deadline moves, a new call matches.
	at := func(d time.Duration) { e.pl.Now = func() time.Time { return now.Add(d) } }
	at(time.Hour)
	o2, err := e.db.Opportunity(ctx, "o2")
	if err != nil {
		t.Fatal(err)
	}
	moved := now.AddDate(0, 0, 25)
	o2.Deadline, o2.Revisions = &moved, nil
	later := now.AddDate(0, 0, 45)
	fresh := passerelle.Opportunity{ID: "o9", Source: "s", Kind: passerelle.KindTender, Title: "Tests d'intrusion et sécurité réseau des hôpitaux",
		Description: "Audit de cybersécurité, tests d'intrusion et durcissement du réseau de trois hôpitaux.", Buyer: "CHU de Liège",
		URL: "https://ted.example/notice/999-2026", Language: "fr", Country: "BE", Deadline: &later}
	if _, _, err := e.pl.Save(ctx, []passerelle.Opportunity{o2, fresh}); err != nil {
		t.Fatal(err)
	}
	if _, _, err := e.pl.MatchAll(ctx); err != nil {
		t.Fatal(err)
	}
	at(15 * 24 * time.Hour)
	if rep, err := e.pl.Notify(ctx, "", delivery); err != nil || rep.Sent != 1 {
		t.Fatalf("second digest: %+v %v", rep, err)
	}

	var list struct {
		Messages []struct{ ID, Subject string }
	}
	mp.get(t, "/api/v1/messages", &list)
	if len(list.Messages) != 2 {
		t.Fatalf("mailpit holds %d messages, want 2", len(list.Messages))
	}
	id := list.Messages[0].ID // newest first: the second digest
	var msg struct{ HTML, Text string }
	mp.get(t, "/api/v1/message/"+id, &msg)
	for _, s := range []string{"Nouvelles opportunités", "Clôture proche", "Modifications", "Date limite déplacée", "Tests d&#39;intrusion et sécurité réseau des hôpitaux"} {
		if !strings.Contains(msg.HTML, s) {
			t.Errorf("second digest lacks %q", s)
		}
	}
	button := regexp.MustCompile(`href="(` + regexp.QuoteMeta(e.srv.URL) + `/app/feedback/[^"]+\?verdict=relevant)"`).FindStringSubmatch(msg.HTML)
	if button == nil {
		t.Fatalf("no relevant button in the digest:\n%s", msg.HTML)
	}
	changedLink := regexp.MustCompile(`href="(` + regexp.QuoteMeta(e.srv.URL) + `/app/opportunities/o2\?t=[^"]+)"`).FindStringSubmatch(msg.HTML)
	if changedLink == nil {
		t.Fatal("no link to o2's page in the changed section")
	}

	// The digest as a reader sees it, wide and on a phone (mailpit renders the HTML part).
	view := &tab{t: t}
	var cancel context.CancelFunc
	view.ctx, cancel = chromedp.NewContext(browser)
	defer cancel()
	view.do(chromedp.Navigate(mp.api+"/view/"+id+".html"), chromedp.WaitVisible(chromedp.CSS("table")))
	shot(view, "20-digest-desktop")
	view.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Navigate(mp.api+"/view/"+id+".html"), chromedp.WaitVisible(chromedp.CSS("table")))
	if w, err := chromedp.Run(view.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the digest is %d px wide on a 390 px phone: it scrolls sideways (err %v)", w, err)
	}
	shot(view, "21-digest-phone")

	// The button opens a confirmation; nothing is stored until it is confirmed.
	tb := openTab(t, browser)
	tb.do(chromedp.Navigate(html.UnescapeString(button[1])), chromedp.WaitVisible(chromedp.CSS("#fb-confirm")))
	if mt := e.match("cyber", "o9"); mt.Feedback != nil {
		t.Fatalf("opening the button's link stored %+v", mt.Feedback)
	}
	if !tb.eval(`document.querySelector('#fb-rel').checked`) {
		t.Error("the verdict of the button is not the one proposed")
	}
	shot(tb, "24-feedback-confirm")
	tb.do(chromedp.Click(chromedp.CSS("#fb-confirm")), chromedp.WaitVisible(chromedp.CSS("#fb-done")))
	if mt := e.match("cyber", "o9"); mt.Feedback == nil || mt.Feedback.Verdict != passerelle.VerdictRelevant {
		t.Fatalf("after confirming: %+v", mt.Feedback)
	}

	// The member page shows the verdict, and takes it back.
	tb.signIn(e.srv.URL, e.cyber)
	item := `#matches li.match[data-opportunity="o9"]`
	tb.do(chromedp.WaitVisible(chromedp.CSS(item + `[data-feedback="relevant"]`)))
	tb.waitText(item+" .verdict", "Votre avis : pertinent")
	if !tb.eval(`document.querySelector('` + item + ` button[data-verdict="relevant"]').getAttribute("aria-pressed") === "true"`) {
		t.Error("the chosen verdict's button is not marked pressed")
	}
	shot(tb, "22-member-page")
	tb.do(chromedp.Click(chromedp.CSS(item + ` [data-undo]`)))
	tb.waitText("#matches-status", "Avis retiré")
	if mt := e.match("cyber", "o9"); mt.Feedback != nil {
		t.Errorf("undo left %+v", mt.Feedback)
	}
	// The saved list starts empty; saving puts the match in it.
	tb.do(chromedp.Click(chromedp.CSS(item+` button[data-verdict="saved"]`)),
		chromedp.WaitVisible(chromedp.CSS(item+`[data-feedback="saved"]`)),
		chromedp.Click(chromedp.CSS("#tab-saved")))
	tb.waitText("#matches-status", "1 opportunité(s), 1 affichée(s)")
	tb.waitText("#matches", "Tests d'intrusion et sécurité réseau des hôpitaux")
	// On a phone the page fits the screen: nothing scrolls sideways.
	tb.do(chromedp.EmulateViewport(390, 844, chromedp.EmulateMobile, chromedp.EmulateScale(2)),
		chromedp.Click(chromedp.CSS("#tab-all")), chromedp.WaitVisible(chromedp.CSS(item)))
	if w, err := chromedp.Run(tb.ctx, chromedp.Evaluate[int](`document.documentElement.scrollWidth`)); err != nil || w > 390 {
		t.Errorf("the member page is %d px wide on a 390 px phone (err %v)", w, err)
	}
	shot(tb, "25-member-page-phone")

	// The changed opportunity's page, opened from the digest in a fresh tab: no key needed.
	op := openTab(t, browser)
	op.do(chromedp.Navigate(html.UnescapeString(changedLink[1])), chromedp.WaitVisible(chromedp.CSS("#opp-match")))
	op.waitText("#opp-title", "Cybersecurity awareness training")
	op.waitText("#opp-revisions", "Date limite")
	op.waitText("#opp-reasons", "Votre compétence")
	shot(op, "23-opportunity-page")
}
