package api_test

import (
	"context"
	"encoding/json"
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
)

// linkTo returns the sign-in link of the newest message mailpit received for addr.
func (mp *mailpit) linkTo(t *testing.T, addr string) string {
	t.Helper()
	var list struct {
		Messages []struct {
			ID string
			To []struct{ Address string }
		}
	}
	get := func(path string, v any) {
		resp, err := http.Get(mp.api + path)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if err := json.NewDecoder(resp.Body).Decode(v); err != nil {
			t.Fatal(err)
		}
	}
	get("/api/v1/messages", &list) // newest first
	for _, m := range list.Messages {
		if len(m.To) == 1 && strings.EqualFold(m.To[0].Address, addr) {
			var msg struct{ Text, Subject string }
			get("/api/v1/message/"+m.ID, &msg)
			link := regexp.MustCompile(`https?://\S+/auth/login\?token=\S+`).FindString(msg.Text)
			if link == "" {
				t.Fatalf("no link in the mail %q:\n%s", msg.Subject, msg.Text)
			}
			return link
		}
	}
	t.Fatalf("mailpit has no mail for %s", addr)
	return ""
}

// signInByMail signs in as addr the way a person does: asks for a link on the sign-in page,
// takes it from the mail mailpit received, opens it and confirms with its button.
func signInByMail(tb *tab, s *api.Server, mp *mailpit, base, addr string) {
	tb.t.Helper()
	tb.do(chromedp.Navigate(base+"/"),
		chromedp.WaitVisible(chromedp.CSS("#email")),
		chromedp.SendKeys(chromedp.CSS("#email"), addr),
		chromedp.Click(chromedp.CSS(`#link-form button[type="submit"]`)))
	tb.waitText("#link-status", "Si cette adresse est connue")
	shot(tb, "19-signin-link-sent")
	s.WaitSignIns() // the mail has been handed to mailpit
	link := mp.linkTo(tb.t, addr)
	if !strings.HasPrefix(link, base+"/auth/login?token=") {
		tb.t.Fatalf("link %q is not on the server's base URL", link)
	}
	// Opening the link shows a button; only the button signs in.
	tb.do(chromedp.Navigate(link), chromedp.WaitVisible(chromedp.CSS("#login-confirm")))
	tb.waitText("#login-email", addr)
	shot(tb, "20-signin-confirm")
	tb.do(chromedp.Click(chromedp.CSS("#login-confirm")))
}

// TestBrowserSignInByMail: a member's contact asks for a link on the sign-in page, receives it
// through a real SMTP server, confirms, lands on its page without any key, changes its digest
// frequency on the preferences page, and signs out; a staff user signs in the same way, adds a
// colleague, and the audit log names her.
func TestBrowserSignInByMail(t *testing.T) {
	browser := newBrowser(t)
	mp := startMailpitAPI(t)
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
	claire, err := e.db.AddStaffUser(ctx, "Claire Dubois", "claire@cluster.example", now)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewUnstartedServer(nil)
	base := "http://" + srv.Listener.Addr().String()
	s := api.New(api.Config{Store: e.db, Index: e.ix, Runner: e.pl, Now: func() time.Time { return now }, BaseURL: base,
		SignInMailer: &notify.Mailer{URL: "smtp://" + mp.smtp, From: "Passerelle <veille@passerelle.example>", Timeout: 20 * time.Second}})
	srv.Config.Handler = s
	srv.Start()
	t.Cleanup(srv.Close)

	t.Run("member", func(t *testing.T) {
		tb := openTab(t, browser)
		signInByMail(tb, s, mp, base, "chloe@cyber.example")
		tb.do(chromedp.WaitVisible(chromedp.CSS("#matches li.match")))
		tb.waitText("#whoami", "Chloé Martin")
		tb.waitText("#profile-list", "Cyber SA")
		// No key was pasted: the session cookie, which the page's script cannot read, did it.
		if tb.eval(`sessionStorage.getItem("passerelle.key") !== null || document.cookie.includes("passerelle_session")`) {
			t.Error("the session is visible to the page's script, or a key was stored")
		}

		tb.do(chromedp.Click(chromedp.CSS("#prefs-link")), chromedp.WaitVisible(chromedp.CSS(`#prefs-form input[name="frequency"][value="weekly"]`)))
		for !tb.eval(`document.querySelector('#prefs-form input[name="frequency"][value="daily"]').checked`) {
			if tb.ctx.Err() != nil {
				t.Fatal("the stored frequency (daily by default) is never shown")
			}
			time.Sleep(50 * time.Millisecond)
		}
		tb.do(chromedp.Click(chromedp.CSS(`#prefs-form input[name="frequency"][value="weekly"]`)),
			chromedp.SetValue(chromedp.CSS("#p-min"), "25"),
			chromedp.Click(chromedp.CSS(`#prefs-form input[name="languages"][value="nl"]`)))
		shot(tb, "21-preferences")
		tb.do(chromedp.Click(chromedp.CSS("#prefs-save")))
		tb.waitText("#prefs-status", "Préférences enregistrées")
		got, err := e.db.Member(ctx, "cyber")
		if err != nil {
			t.Fatal(err)
		}
		if got.Notify.Frequency != "weekly" || got.MinScore != 25 || strings.Join(got.Languages, ",") != "fr,nl" ||
			strings.Join(got.Notify.Channels, ",") != "email" {
			t.Errorf("saved preferences: notify %+v, min_score %v, languages %v", got.Notify, got.MinScore, got.Languages)
		}
		if len(got.Skills) != len(m.Skills) || got.Name != m.Name {
			t.Errorf("the preferences page changed the profile: %+v", got)
		}
		// A bad value is refused by the API's validation, beside its field.
		tb.do(chromedp.SetValue(chromedp.CSS("#p-min"), "250"), chromedp.Click(chromedp.CSS("#prefs-save")))
		tb.waitText(`.field-error[data-for="min_score"]`, "between 0 and 100")

		// Signing out ends the session: the member page sends back to sign-in.
		tb.do(chromedp.Click(chromedp.CSS("#signout")), chromedp.WaitVisible(chromedp.CSS("#link-form")),
			chromedp.Navigate(base+"/app/member"), chromedp.WaitVisible(chromedp.CSS("#link-form")))
	})

	t.Run("staff", func(t *testing.T) {
		tb := openTab(t, browser)
		signInByMail(tb, s, mp, base, "claire@cluster.example")
		tb.do(chromedp.WaitVisible(chromedp.CSS("#sources")))
		tb.waitText("#whoami", "Claire Dubois")
		tb.do(chromedp.Navigate(base+"/app/staff/users"), chromedp.WaitVisible(chromedp.CSS("#user-form")))
		tb.waitText("#staff-users tbody", "claire@cluster.example")
		tb.do(chromedp.SendKeys(chromedp.CSS("#uf-name"), "Alain Petit"),
			chromedp.SendKeys(chromedp.CSS("#uf-email"), "alain@cluster.example"),
			chromedp.Click(chromedp.CSS(`#user-form button[type="submit"]`)))
		tb.waitText("#staff-users tbody", "Alain Petit")
		shot(tb, "22-staff-users")
		// The audit log names the person who added him.
		tb.do(chromedp.Navigate(base+"/app/staff"), chromedp.WaitVisible(chromedp.CSS("#audit tbody tr")))
		tb.waitText("#audit tbody", "Claire Dubois <claire@cluster.example>")
		entries, err := e.db.Audit(ctx, 1, "")
		if err != nil || len(entries.Entries) != 1 || entries.Entries[0].Action != "staff.add" || entries.Entries[0].Actor != claire.ID {
			t.Errorf("audit: %+v %v", entries.Entries, err)
		}
	})
}
