package api_test

import (
	"context"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/passerelle/passerelle"
)

// TestBrowserMemberProfiles: on its own profiles page a member renames a profile (its id,
// which matches name, stays), edits another's exclusions and minimum score, removes a
// profile, and reads the page in English; the staff console's "?member=" opens the same page.
func TestBrowserMemberProfiles(t *testing.T) {
	browser := newBrowser(t)
	e := newEnv(t)
	ctx := context.Background()
	m, err := e.db.Member(ctx, "cyber")
	if err != nil {
		t.Fatal(err)
	}
	m.Profiles = []passerelle.Profile{
		{ID: "main", Name: "Cyber SA", Skills: m.Skills, Clusters: m.Clusters},
		{ID: "jeux", Name: "Jeux", Skills: []string{"jeux sérieux"}, Clusters: []string{"seriousgames"}, Budget: &passerelle.Budget{Min: 10000}},
	}
	m.Skills, m.Clusters = nil, nil
	if _, err := e.db.PutMember(ctx, m, now); err != nil {
		t.Fatal(err)
	}
	stored := func() []passerelle.Profile {
		got, err := e.db.Member(ctx, "cyber")
		if err != nil {
			t.Fatal(err)
		}
		return got.Profiles
	}

	tb := openTab(t, browser)
	tb.signIn(e.srv.URL, e.cyber)
	tb.do(chromedp.WaitVisible(chromedp.CSS("#profiles-link")), chromedp.Click(chromedp.CSS("#profiles-link")),
		chromedp.WaitVisible(chromedp.CSS("#pf-1-name")))
	tb.waitText(`#profiles fieldset[data-index="1"] legend`, "Jeux")
	tb.do(chromedp.SetValue(chromedp.CSS("#pf-1-name"), "Jeux sérieux et simulation"),
		chromedp.SetValue(chromedp.CSS("#pf-0-exclude"), "voirie, asphalte"),
		chromedp.SetValue(chromedp.CSS("#pf-0-min_score"), "30"),
		chromedp.Click(chromedp.CSS("#profiles-save")))
	tb.waitText("#profiles-status", "Profils enregistrés")
	ps := stored()
	if len(ps) != 2 || ps[1].ID != "jeux" || ps[1].Name != "Jeux sérieux et simulation" || ps[1].Budget == nil || ps[1].Budget.Min != 10000 ||
		strings.Join(ps[0].Exclude, ",") != "voirie,asphalte" || ps[0].MinScore != 30 || strings.Join(ps[0].Skills, "|") != strings.Join(m.EffectiveProfiles()[0].Skills, "|") {
		t.Fatalf("after the edit (rename keeps the id, the budget the page does not show is kept): %+v", ps)
	}
	tb.waitText(`#profiles fieldset[data-index="1"] legend`, "Jeux sérieux et simulation")

	// Removing a profile; the last one cannot be removed.
	tb.do(chromedp.Click(chromedp.CSS(`button[data-remove="1"]`)))
	if tb.eval(`document.querySelector('#pf-1-name') !== null`) || !tb.eval(`document.querySelector('button[data-remove="0"]').disabled`) {
		t.Error("after removing: a second card is left, or the last profile can be removed")
	}
	tb.do(chromedp.Click(chromedp.CSS("#profiles-save")))
	tb.waitText("#profiles-status", "Profils enregistrés")
	if ps := stored(); len(ps) != 1 || ps[0].ID != "main" {
		t.Fatalf("after removing: %+v", ps)
	}

	// In English, from the one catalogue.
	tb.do(chromedp.Navigate(e.srv.URL+"/app/profiles?lang=en"), chromedp.WaitVisible(chromedp.CSS("#pf-0-name")))
	tb.waitText("h1", "My profiles")
	tb.waitText("#profiles-form", "Skills (one per line)")
	tb.waitText("#profiles-save", "Save the profiles")
	shot(tb, "31-member-profiles-en")

	// Staff open the member's page through the console's ?member=.
	st := openTab(t, browser)
	st.signIn(e.srv.URL, e.staff)
	st.do(chromedp.WaitVisible(chromedp.CSS("#sources")), chromedp.Navigate(e.srv.URL+"/app/profiles?member=cyber"),
		chromedp.WaitVisible(chromedp.CSS("#pf-0-name")))
	if !st.eval(`document.querySelector('#back-link').getAttribute('href') === '/app/member?member=cyber'`) {
		t.Error("the staff view's back link loses the member")
	}
}
