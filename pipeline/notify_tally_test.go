package pipeline

import (
	"errors"
	"fmt"
	"testing"

	"github.com/passerelle/passerelle"
)

// TestNotifyReportTallyPerChannel: deliveries are counted per channel, each failure's error
// kept with its member up to MaxChannelErrors (the count goes on past it).
func TestNotifyReportTallyPerChannel(t *testing.T) {
	var r NotifyReport
	n := passerelle.MaxChannelErrors + 5
	for i := range n {
		r.tally("email", fmt.Sprintf("m%d", i), errors.New("550 mailbox unavailable"))
	}
	r.tally("webhook", "m1", nil)
	r.tally("webhook", "m2", nil)
	if len(r.Channels) != 2 {
		t.Fatalf("channels %+v", r.Channels)
	}
	email, hook := r.Channels[0], r.Channels[1]
	if email.Channel != "email" || email.Failed != n || email.Sent != 0 || len(email.Errors) != passerelle.MaxChannelErrors ||
		email.Errors[0] != "m0: 550 mailbox unavailable" {
		t.Errorf("email: %+v", email)
	}
	if hook.Channel != "webhook" || hook.Sent != 2 || hook.Failed != 0 || hook.Errors == nil || len(hook.Errors) != 0 {
		t.Errorf("webhook: %+v", hook)
	}
}
