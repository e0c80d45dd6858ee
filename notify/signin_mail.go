package notify

import (
	"bytes"
	"context"
	"fmt"
	"html/template"
	"mime"
	"net/mail"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// The sign-in mail carries a single-use link. The server does not know the language of whoever
// typed the address (it must not look the address up before answering), so the mail says
// everything in French first, then in English, from the catalogue below.

// signInTexts are the sign-in mail's words, per language; {minutes} is the link's lifetime.
var signInTexts = map[string]map[string]string{
	"fr": {
		"subject": "Votre lien de connexion à Passerelle",
		"hello":   "Bonjour,",
		"body":    "Pour vous connecter à Passerelle, ouvrez ce lien puis confirmez. Il ne sert qu'une fois et reste valable {minutes} minutes.",
		"button":  "Se connecter à Passerelle",
		"ignore":  "Vous n'avez rien demandé ? Ignorez ce message : sans ce lien, personne ne se connecte à votre place.",
	},
	"en": {
		"subject": "Your Passerelle sign-in link",
		"hello":   "Hello,",
		"body":    "To sign in to Passerelle, open this link and confirm. It works once and for {minutes} minutes.",
		"button":  "Sign in to Passerelle",
		"ignore":  "Did not ask for it? Ignore this message: without this link, nobody signs in as you.",
	},
}

// signInLangs are the languages of the mail, in the order it says them.
var signInLangs = []string{"fr", "en"}

func signInText(lang, key string, valid time.Duration) string {
	return strings.ReplaceAll(signInTexts[lang][key], "{minutes}", strconv.Itoa(int(valid.Minutes())))
}

var signInHTML = template.Must(template.New("signin").Parse(`<!doctype html>
<html lang="fr"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>{{.Subject}}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;font-family:Arial,Helvetica,sans-serif;color:#1f2933">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7"><tr><td align="center" style="padding:24px 12px">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:6px">
{{range .Parts}}<tr><td lang="{{.Lang}}" style="padding:24px 28px 8px 28px;font-size:16px;line-height:1.5">
<p style="margin:0 0 12px 0">{{.Hello}}</p>
<p style="margin:0 0 20px 0">{{.Body}}</p>
<p style="margin:0 0 20px 0"><a href="{{$.Link}}" style="display:inline-block;background:#1d4ed8;color:#ffffff;text-decoration:none;padding:12px 20px;border-radius:4px;font-weight:bold">{{.Button}}</a></p>
<p style="margin:0 0 16px 0;font-size:13px;color:#52606d">{{.Ignore}}</p>
</td></tr>{{end}}
<tr><td style="padding:8px 28px 24px 28px;font-size:12px;color:#52606d;word-break:break-all">{{.Link}}</td></tr>
</table></td></tr></table>
</body></html>
`))

// SignInMessage renders the sign-in mail to one address as an RFC 5322 message.
func SignInMessage(from, to *mail.Address, link string, valid time.Duration, date time.Time) ([]byte, error) {
	type part struct{ Lang, Hello, Body, Button, Ignore string }
	var parts []part
	var text strings.Builder
	var subject []string
	for _, l := range signInLangs {
		p := part{Lang: l, Hello: signInText(l, "hello", valid), Body: signInText(l, "body", valid),
			Button: signInText(l, "button", valid), Ignore: signInText(l, "ignore", valid)}
		parts = append(parts, p)
		subject = append(subject, signInText(l, "subject", valid))
		fmt.Fprintf(&text, "%s\n\n%s\n\n%s\n\n%s\n\n", p.Hello, p.Body, link, p.Ignore)
	}
	var html bytes.Buffer
	if err := signInHTML.Execute(&html, map[string]any{"Subject": subject[0], "Parts": parts, "Link": link}); err != nil {
		return nil, err
	}
	body, boundary, err := alternative(strings.TrimSpace(text.String())+"\n", html.String())
	if err != nil {
		return nil, err
	}
	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from.String())
	hdr("To", to.String())
	hdr("Subject", mime.QEncoding.Encode("utf-8", strings.Join(subject, " / ")))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", MessageID("", from.Address))
	hdr("MIME-Version", "1.0")
	hdr("Content-Language", strings.Join(signInLangs, ", "))
	hdr("Auto-Submitted", "auto-generated")
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes(), nil
}

// SendSignInLink mails a sign-in link, valid for valid, to one address.
func (m *Mailer) SendSignInLink(ctx context.Context, to, link string, valid time.Duration) error {
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return passerelle.Errorf(passerelle.EINVALID, "mail from %q: %v", m.From, err)
	}
	rcpt, err := mail.ParseAddress(to)
	if err != nil {
		return passerelle.Errorf(passerelle.EINVALID, "sign-in address %q: %v", to, err)
	}
	msg, err := SignInMessage(from, rcpt, link, valid, time.Now())
	if err != nil {
		return err
	}
	if err := m.deliver(ctx, from.Address, []string{rcpt.Address}, msg); err != nil {
		return fmt.Errorf("mail sign-in link: %w", err)
	}
	return nil
}
