package notify

import (
	"bytes"
	"context"
	"crypto/tls"
	"errors"
	"io"
	"mime"
	"mime/multipart"
	"net"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

// parsedMail is a digest e-mail read back the way a mail client reads it.
type parsedMail struct {
	header  mail.Header
	subject string
	text    string
	html    string
}

func parseMail(t *testing.T, raw string) parsedMail {
	t.Helper()
	if strings.Contains(strings.ReplaceAll(raw, "\r\n", ""), "\n") {
		t.Error("message holds a bare LF")
	}
	msg, err := mail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("message does not parse: %v", err)
	}
	var p parsedMail
	p.header = msg.Header
	p.subject, err = new(mime.WordDecoder).DecodeHeader(msg.Header.Get("Subject"))
	if err != nil {
		t.Fatal(err)
	}
	mt, params, err := mime.ParseMediaType(msg.Header.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("content type %q (%v)", msg.Header.Get("Content-Type"), err)
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	for {
		part, err := mr.NextPart() // decodes quoted-printable
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, err := io.ReadAll(part)
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(part.Header.Get("Content-Type"))
		switch ct {
		case "text/plain":
			p.text = string(b)
		case "text/html":
			p.html = string(b)
		default:
			t.Errorf("unexpected part %s", ct)
		}
	}
	return p
}

func TestMailToSMTPSink(t *testing.T) {
	sink := newSMTPSink(t)
	mailer := &Mailer{URL: "smtp://veille:p%40ss@" + sink.addr(), From: "Passerelle <veille@passerelle.example>", Timeout: 10 * time.Second}
	d, ok := Build(codeloop(), fixtureItems(t, "codeloop"), 3, clock(t), brussels(t))
	if !ok {
		t.Fatal("no digest")
	}
	if err := mailer.Send(context.Background(), d); err != nil {
		t.Fatalf("Send: %v", err)
	}
	got := sink.messages()
	if len(got) != 1 {
		t.Fatalf("%d messages, want one for all contacts", len(got))
	}
	m := got[0]
	if m.from != "veille@passerelle.example" || m.auth != "\x00veille\x00p@ss" {
		t.Errorf("envelope from %q, auth %q", m.from, m.auth)
	}
	if want := []string{"amelie@codeloop.example", "jon@codeloop.example"}; !slices.Equal(m.to, want) {
		t.Errorf("recipients %v, want %v (the duplicate address once)", m.to, want)
	}
	p := parseMail(t, m.data)
	if p.subject != "Passerelle — 3 nouvelles opportunités pour Codeloop" {
		t.Errorf("subject %q", p.subject)
	}
	to, err := p.header.AddressList("To")
	if err != nil || len(to) != 2 || to[0].Name != "Amélie Dubois" {
		t.Errorf("To header %v (%v)", to, err)
	}
	if p.text != strings.ReplaceAll(d.TextBody(), "\n", "\r\n") {
		t.Errorf("text part differs from TextBody:\n%s", p.text)
	}
	if !strings.Contains(p.html, "Audit de sécurité informatique des hôpitaux") || p.header.Get("Message-Id") == "" {
		t.Errorf("html part or Message-ID missing")
	}
}

func TestMailErrors(t *testing.T) {
	d, _ := Build(codeloop(), fixtureItems(t, "codeloop"), 3, clock(t), brussels(t))
	sink := newSMTPSink(t)
	sink.reject = "jon@codeloop.example"

	// A server that accepts the connection and never says a word.
	mute, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer mute.Close()
	go func() {
		for {
			c, err := mute.Accept()
			if err != nil {
				return
			}
			defer c.Close()
		}
	}()
	noContacts := d
	noContacts.Member.Contacts = nil
	empty := d
	empty.Items = nil

	for _, tc := range []struct {
		name string
		m    Mailer
		d    Digest
		want string
	}{
		{"rejected recipient", Mailer{URL: "smtp://" + sink.addr(), From: "veille@passerelle.example"}, d, "RCPT TO jon@codeloop.example: 550"},
		{"no contacts", Mailer{URL: "smtp://" + sink.addr(), From: "veille@passerelle.example"}, noContacts, "no contact e-mail"},
		{"no items", Mailer{URL: "smtp://" + sink.addr(), From: "veille@passerelle.example"}, empty, "no items"},
		{"bad from", Mailer{URL: "smtp://" + sink.addr(), From: "not an address"}, d, "mail from"},
		{"bad scheme", Mailer{URL: "http://" + sink.addr(), From: "veille@passerelle.example"}, d, "scheme"},
		{"silent server times out", Mailer{URL: "smtp://" + mute.Addr().String(), From: "veille@passerelle.example", Timeout: 200 * time.Millisecond}, d, "deadline exceeded"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.m.Send(context.Background(), tc.d)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err %v, want one containing %q", err, tc.want)
			}
			if tc.name == "silent server times out" && !errors.Is(err, context.DeadlineExceeded) {
				t.Errorf("err %v is not a context.DeadlineExceeded", err)
			}
		})
	}
	if n := len(sink.messages()); n != 0 {
		t.Errorf("%d messages delivered by failing sends", n)
	}
}

func TestMailSMTPS(t *testing.T) {
	certFile, keyFile, pool := selfSigned(t, t.TempDir())
	cert, err := tls.LoadX509KeyPair(certFile, keyFile)
	if err != nil {
		t.Fatal(err)
	}
	sink := newSMTPSinkTLS(t, &tls.Config{Certificates: []tls.Certificate{cert}})
	d, _ := Build(dataforge(), fixtureItems(t, "dataforge"), 1, clock(t), brussels(t))

	// Without trusting the sink's certificate the handshake fails and nothing is sent.
	untrusting := &Mailer{URL: "smtps://" + sink.addr(), From: "veille@passerelle.example", Timeout: 5 * time.Second}
	if err := untrusting.Send(context.Background(), d); err == nil || !strings.Contains(err.Error(), "certificate") {
		t.Errorf("untrusted certificate: err %v", err)
	}
	mailer := &Mailer{URL: "smtps://u:p@" + sink.addr(), From: "veille@passerelle.example", Timeout: 5 * time.Second,
		TLSConfig: &tls.Config{RootCAs: pool}}
	if err := mailer.Send(context.Background(), d); err != nil {
		t.Fatalf("Send over smtps: %v", err)
	}
	got := sink.messages()
	if len(got) != 1 || parseMail(t, got[0].data).subject != "Passerelle — 1 new opportunity for DataForge" {
		t.Fatalf("sink got %d messages", len(got))
	}
}

// TestDigestSaysHowManyMoreWait: a digest cut at max_per_digest says how many more wait on
// the member's page, in the text, the HTML and the webhook body; its id makes the
// Message-ID, the same on every rendering.
func TestDigestSaysHowManyMoreWait(t *testing.T) {
	d, ok := Build(codeloop(), fixtureItems(t, "codeloop"), 1, clock(t), brussels(t))
	if !ok {
		t.Fatal("no digest")
	}
	d.ID, d.More, d.BaseURL = "dg_0123abcd", 4, "https://passerelle.example"
	if !strings.Contains(d.TextBody(), "4 autres nouvelles opportunités vous attendent sur votre page. https://passerelle.example/app/member") {
		t.Errorf("text lacks the count of the others:\n%s", d.TextBody())
	}
	if !strings.Contains(d.HTMLBody(), `<a href="https://passerelle.example/app/member" style="color: #1d4e89;">Votre page</a>`) {
		t.Errorf("HTML lacks the link to the member page")
	}
	if p := NewPayload(d, d.ID, clock(t)); p.More != 4 || p.Delivery != "dg_0123abcd" {
		t.Errorf("payload more=%d delivery=%q", p.More, p.Delivery)
	}
	from := &mail.Address{Address: "veille@passerelle.example"}
	to := []*mail.Address{{Address: "a@codeloop.example"}}
	a, _ := Message(d, from, to, clock(t))
	b, _ := Message(d, from, to, clock(t).Add(time.Hour))
	for _, m := range [][]byte{a, b} {
		if !bytes.Contains(m, []byte("Message-ID: <dg_0123abcd@passerelle.example>\r\n")) {
			t.Errorf("message lacks the digest's Message-ID:\n%s", m[:300])
		}
	}
	d.More = 0
	if strings.Contains(d.TextBody(), "vous attendent") {
		t.Error("a digest with nothing more says some wait")
	}
}
