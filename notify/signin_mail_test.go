package notify

import (
	"context"
	"crypto/tls"
	"strings"
	"testing"
	"time"
)

// The sign-in mail reaches a real SMTP server with its link intact in both parts, French first.
func TestSignInMailThroughMailpit(t *testing.T) {
	mp := startMailpit(t)
	mailer := &Mailer{URL: "smtp://" + mp.smtp, From: "Passerelle <veille@passerelle.example>", Timeout: 20 * time.Second,
		TLSConfig: &tls.Config{RootCAs: mp.pool}}
	link := "https://passerelle.example/auth/login?token=pl_0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef"
	if err := mailer.SendSignInLink(context.Background(), "Ann@Acme.example", link, 15*time.Minute); err != nil {
		t.Fatal(err)
	}
	var list struct{ Messages []mpSummary }
	mp.get(t, "/api/v1/messages", &list)
	if len(list.Messages) != 1 {
		t.Fatalf("%d messages, want 1", len(list.Messages))
	}
	var m mpMessage
	mp.get(t, "/api/v1/message/"+list.Messages[0].ID, &m)
	if m.Subject != "Votre lien de connexion à Passerelle / Your Passerelle sign-in link" {
		t.Errorf("subject %q", m.Subject)
	}
	if len(m.To) != 1 || m.To[0].Address != "Ann@Acme.example" {
		t.Errorf("to %+v", m.To)
	}
	fr, en := strings.Index(m.Text, "valable 15 minutes"), strings.Index(m.Text, "for 15 minutes")
	if fr < 0 || en < 0 || fr > en {
		t.Errorf("text is not French then English:\n%s", m.Text)
	}
	if strings.Count(m.Text, link) != 2 || !strings.Contains(m.HTML, `href="`+link+`"`) {
		t.Errorf("the link does not survive the trip intact:\ntext %s\nhtml %s", m.Text, m.HTML)
	}
}
