package notify

import (
	"bytes"
	"context"
	"crypto/rand"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"net/smtp"
	"net/textproto"
	"net/url"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Mailer sends digests by SMTP.
type Mailer struct {
	// URL is smtp://[user:pass@]host:port (STARTTLS when the server offers it) or
	// smtps://[user:pass@]host:port (TLS from the first byte). Port defaults: 25 and 465.
	URL string
	// From is the sender, "Passerelle <veille@example.org>" or a bare address.
	From string
	// Timeout bounds one whole delivery (connect to QUIT); 0 means 30 seconds.
	Timeout time.Duration
	// TLSConfig, when set, is used for STARTTLS and smtps (tests trust their own CA).
	TLSConfig *tls.Config
}

// Send delivers d as one multipart (text + HTML) message to all of the member's contacts.
func (m *Mailer) Send(ctx context.Context, d Digest) error {
	to, err := recipients(d.Member)
	if err != nil {
		return err
	}
	if d.Empty() {
		return passerelle.Errorf(passerelle.EINVALID, "digest for member %q has no items and no reminders", d.Member.ID)
	}
	from, err := mail.ParseAddress(m.From)
	if err != nil {
		return passerelle.Errorf(passerelle.EINVALID, "mail from %q: %v", m.From, err)
	}
	msg, err := Message(d, from, to, time.Now())
	if err != nil {
		return err
	}
	rcpt := make([]string, len(to))
	for i, a := range to {
		rcpt[i] = a.Address
	}
	if err := m.deliver(ctx, from.Address, rcpt, msg); err != nil {
		return fmt.Errorf("mail digest to member %s: %w", d.Member.ID, err)
	}
	return nil
}

// Target is where the member's digests go by e-mail (its contacts' addresses), or why they
// cannot go.
func (m *Mailer) Target(mb passerelle.Member) (string, error) {
	to, err := recipients(mb)
	if err != nil {
		return "", err
	}
	s := make([]string, len(to))
	for i, a := range to {
		s[i] = a.Address
	}
	return strings.Join(s, ", "), nil
}

// recipients are the member's contacts with an e-mail address, each once.
func recipients(mb passerelle.Member) ([]*mail.Address, error) {
	var out []*mail.Address
	seen := make(map[string]bool)
	for i, c := range mb.Contacts {
		e := strings.TrimSpace(c.Email)
		if e == "" {
			continue
		}
		a, err := mail.ParseAddress(e)
		if err != nil {
			return nil, passerelle.Errorf(passerelle.EINVALID, "member %s: contacts[%d].email %q: %v", mb.ID, i, c.Email, err)
		}
		if seen[strings.ToLower(a.Address)] {
			continue
		}
		seen[strings.ToLower(a.Address)] = true
		out = append(out, &mail.Address{Name: oneLine(c.Name), Address: a.Address})
	}
	if len(out) == 0 {
		return nil, passerelle.Errorf(passerelle.EINVALID, "member %s has no contact e-mail", mb.ID)
	}
	return out, nil
}

// Message renders d as an RFC 5322 message with CRLF line endings: headers, then a
// multipart/alternative body (quoted-printable text, then HTML).
func Message(d Digest, from *mail.Address, to []*mail.Address, date time.Time) ([]byte, error) {
	body, boundary, err := alternative(d.TextBody(), d.HTMLBody())
	if err != nil {
		return nil, err
	}

	var b bytes.Buffer
	hdr := func(k, v string) { b.WriteString(k + ": " + v + "\r\n") }
	hdr("From", from.String())
	tos := make([]string, len(to))
	for i, a := range to {
		tos[i] = a.String()
	}
	hdr("To", strings.Join(tos, ", "))
	hdr("Subject", mime.QEncoding.Encode("utf-8", d.Subject()))
	hdr("Date", date.Format(time.RFC1123Z))
	hdr("Message-ID", MessageID(d.ID, from.Address))
	hdr("MIME-Version", "1.0")
	hdr("Content-Language", Lang(d.Member))
	// Tell vacation responders and the like not to answer a robot.
	hdr("Auto-Submitted", "auto-generated")
	if u := d.UnsubscribeURL(); u != "" {
		// RFC 2369 and RFC 8058: mail clients show an "unsubscribe" button that POSTs
		// List-Unsubscribe=One-Click to the https address, no sign-in, no confirmation.
		hdr("List-Unsubscribe", "<"+u+">")
		hdr("List-Unsubscribe-Post", "List-Unsubscribe=One-Click")
	}
	hdr("Content-Type", `multipart/alternative; boundary="`+boundary+`"`)
	b.WriteString("\r\n")
	b.Write(body)
	return b.Bytes(), nil
}

// MessageID is the Message-ID header of a digest: "<id@sender's domain>" for a digest with
// an id (the same on every resend, so mail clients and archives show one message), random
// otherwise. The id is reduced to the characters an RFC 5322 msg-id allows.
func MessageID(id, from string) string {
	domain := "passerelle.invalid"
	if i := strings.LastIndexByte(from, '@'); i >= 0 && i+1 < len(from) {
		domain = from[i+1:]
	}
	if id = strings.Map(func(r rune) rune {
		if r < 128 && (r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || strings.ContainsRune("!#$%&'*+-/=?^_`{|}~.", r)) {
			return r
		}
		return '_'
	}, id); strings.Trim(id, ".") != "" && !strings.Contains(id, "..") {
		return "<" + strings.Trim(id, ".") + "@" + domain + ">"
	}
	var r [12]byte
	_, _ = rand.Read(r[:])
	return "<" + hex.EncodeToString(r[:]) + "@" + domain + ">"
}

// deliver runs one SMTP transaction. net/smtp knows no context: the connection gets a
// deadline from ctx and the timeout, and is closed if ctx ends first.
func (m *Mailer) deliver(ctx context.Context, from string, to []string, msg []byte) error {
	u, err := url.Parse(m.URL)
	if err != nil {
		return passerelle.Errorf(passerelle.EINVALID, "smtp url: %v", err)
	}
	implicitTLS := false
	switch u.Scheme {
	case "smtp":
	case "smtps":
		implicitTLS = true
	default:
		return passerelle.Errorf(passerelle.EINVALID, "smtp url %q: scheme must be smtp or smtps", redact(u))
	}
	host, port := u.Hostname(), u.Port()
	if host == "" {
		return passerelle.Errorf(passerelle.EINVALID, "smtp url %q: no host", redact(u))
	}
	if port == "" {
		port = "25"
		if implicitTLS {
			port = "465"
		}
	}
	timeout := m.Timeout
	if timeout <= 0 {
		timeout = 30 * time.Second
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	addr := net.JoinHostPort(host, port)
	tlsConf := m.tlsConfig(host)
	var conn net.Conn
	if implicitTLS {
		d := tls.Dialer{Config: tlsConf}
		conn, err = d.DialContext(ctx, "tcp", addr)
	} else {
		var d net.Dialer
		conn, err = d.DialContext(ctx, "tcp", addr)
	}
	if err != nil {
		return fmt.Errorf("smtp %s: %w", addr, err)
	}
	if dl, ok := ctx.Deadline(); ok {
		_ = conn.SetDeadline(dl)
	}
	stop := context.AfterFunc(ctx, func() { conn.Close() })
	defer stop()

	c, err := smtp.NewClient(conn, host)
	if err != nil {
		conn.Close()
		return fmt.Errorf("smtp %s: %w", addr, ctxErr(ctx, err))
	}
	defer c.Close()
	if err := c.Hello("localhost"); err != nil {
		return fmt.Errorf("smtp %s: EHLO: %w", addr, ctxErr(ctx, err))
	}
	if !implicitTLS {
		if ok, _ := c.Extension("STARTTLS"); ok {
			if err := c.StartTLS(tlsConf); err != nil {
				return fmt.Errorf("smtp %s: STARTTLS: %w", addr, ctxErr(ctx, err))
			}
		}
	}
	if u.User != nil {
		pass, _ := u.User.Password()
		// PlainAuth refuses to send a password in clear except to localhost.
		if err := c.Auth(smtp.PlainAuth("", u.User.Username(), pass, host)); err != nil {
			return fmt.Errorf("smtp %s: AUTH: %w", addr, ctxErr(ctx, err))
		}
	}
	if err := c.Mail(from); err != nil {
		return fmt.Errorf("smtp %s: MAIL FROM: %w", addr, ctxErr(ctx, err))
	}
	for _, r := range to {
		if err := c.Rcpt(r); err != nil {
			return fmt.Errorf("smtp %s: RCPT TO %s: %w", addr, r, ctxErr(ctx, err))
		}
	}
	w, err := c.Data()
	if err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, ctxErr(ctx, err))
	}
	if _, err := w.Write(msg); err != nil {
		return fmt.Errorf("smtp %s: DATA: %w", addr, ctxErr(ctx, err))
	}
	if err := w.Close(); err != nil {
		return fmt.Errorf("smtp %s: end of DATA: %w", addr, ctxErr(ctx, err))
	}
	// The message was accepted at the end of DATA: a failed QUIT loses nothing.
	_ = c.Quit()
	return nil
}

func (m *Mailer) tlsConfig(host string) *tls.Config {
	if m.TLSConfig != nil {
		c := m.TLSConfig.Clone()
		if c.ServerName == "" {
			c.ServerName = host
		}
		return c
	}
	return &tls.Config{ServerName: host, MinVersion: tls.VersionTLS12}
}

// ctxErr prefers the context's error: "connection closed" says less than "deadline exceeded".
// A read that hits the connection deadline (set from ctx) may come before ctx itself says
// it is done: such a timeout is the deadline too.
func ctxErr(ctx context.Context, err error) error {
	if ce := ctx.Err(); ce != nil {
		return fmt.Errorf("%w (%v)", ce, err)
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("%w (%v)", context.DeadlineExceeded, err)
	}
	return err
}

// redact hides the password of an SMTP URL in messages.
func redact(u *url.URL) string {
	if u.User == nil {
		return u.String()
	}
	return u.Redacted()
}

// alternative is a multipart/alternative body of a text and an HTML part, each
// quoted-printable with CRLF line endings, and its boundary.
func alternative(text, html string) ([]byte, string, error) {
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	for _, part := range []struct{ ctype, text string }{
		{"text/plain; charset=utf-8", text},
		{"text/html; charset=utf-8", html},
	} {
		h := textproto.MIMEHeader{}
		h.Set("Content-Type", part.ctype)
		h.Set("Content-Transfer-Encoding", "quoted-printable")
		w, err := mw.CreatePart(h)
		if err != nil {
			return nil, "", err
		}
		qp := quotedprintable.NewWriter(w)
		if _, err := qp.Write([]byte(strings.ReplaceAll(part.text, "\n", "\r\n"))); err != nil {
			return nil, "", err
		}
		if err := qp.Close(); err != nil {
			return nil, "", err
		}
	}
	if err := mw.Close(); err != nil {
		return nil, "", err
	}
	return body.Bytes(), mw.Boundary(), nil
}
