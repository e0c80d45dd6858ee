package notify

import "net/mail"

// MessageIDOf is the Message-ID the digest with id digestID carries when m sends it: the
// pipeline records it with the delivery, so that staff can find the message in a mail log.
func (m *Mailer) MessageIDOf(digestID string) string {
	from := m.From
	if a, err := mail.ParseAddress(m.From); err == nil {
		from = a.Address
	}
	return MessageID(digestID, from)
}

// MessageIDOf is the webhook-id a digest's webhook carries: the digest's id itself.
func (w *Webhook) MessageIDOf(digestID string) string { return digestID }
