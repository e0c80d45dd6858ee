package notify

import (
	"bytes"
	"net/mail"
	"testing"
)

// TestMessageIDOf: the id a channel says its message carries is the one the message
// carries — the Message-ID header of the e-mail, the webhook-id of the webhook — so that
// the id staff read in a member's delivery log finds the message.
func TestMessageIDOf(t *testing.T) {
	d := Digest{ID: "dg_0123abcd", Member: codeloop(), Items: fixtureItems(t, "codeloop"), Generated: clock(t)}
	m := &Mailer{From: "Passerelle <veille@passerelle.example>"}
	id := m.MessageIDOf(d.ID)
	if id != "<dg_0123abcd@passerelle.example>" {
		t.Errorf("Mailer.MessageIDOf = %q", id)
	}
	msg, err := Message(d, &mail.Address{Name: "Passerelle", Address: "veille@passerelle.example"}, []*mail.Address{{Address: "a@codeloop.example"}}, clock(t))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Contains(msg, []byte("Message-ID: "+id+"\r\n")) {
		t.Errorf("the message does not carry %s", id)
	}
	if got := (&Webhook{}).MessageIDOf(d.ID); got != d.ID || NewPayload(d, d.ID, clock(t)).Delivery != got {
		t.Errorf("Webhook.MessageIDOf = %q, want the digest id %q", got, d.ID)
	}
}
