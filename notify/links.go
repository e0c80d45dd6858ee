package notify

import (
	"net/url"
	"strings"

	"github.com/passerelle/passerelle"
)

// The links of a digest. A title opens Passerelle's own page of the opportunity (which links
// on to the official notice), signed for the member so that it shows the member's reasons
// without signing in; the feedback buttons open a confirmation page (a GET never changes
// anything: mail scanners follow links); the unsubscribe link and the List-Unsubscribe
// header carry a token that turns the member's digests off.

// OfficialLink is the notice at its source, when the source gave an http(s) address.
func OfficialLink(o passerelle.Opportunity) string {
	if u := strings.TrimSpace(o.URL); u != "" {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			return u
		}
	}
	return ""
}

func (d Digest) base() string { return strings.TrimRight(d.BaseURL, "/") }

func (d Digest) matchToken(it Item) string {
	return SignToken(d.Secret, Claim{Purpose: PurposeMatch, Member: d.Member.ID, Opportunity: it.Opportunity.ID})
}

// PageLink is Passerelle's page of it's opportunity, signed for the member when the digest
// has a secret; without a base URL, the official notice.
func (d Digest) PageLink(it Item) string {
	if d.base() == "" {
		return OfficialLink(it.Opportunity)
	}
	u := d.base() + "/app/opportunities/" + url.PathEscape(it.Opportunity.ID)
	if len(d.Secret) > 0 {
		u += "?t=" + d.matchToken(it)
	}
	return u
}

// FeedbackLinks are the one-click "relevant" and "not relevant" links of an item: each opens
// a page that asks to confirm. Empty without a base URL or a secret.
func (d Digest) FeedbackLinks(it Item) (relevant, notRelevant string) {
	if d.base() == "" || len(d.Secret) == 0 {
		return "", ""
	}
	u := d.base() + "/app/feedback/" + d.matchToken(it) + "?verdict="
	return u + string(passerelle.VerdictRelevant), u + string(passerelle.VerdictNotRelevant)
}

// UnsubscribeURL is the member's signed unsubscribe address (RFC 8058 one-click by POST, a
// page with a button by GET); empty without a base URL or a secret.
func (d Digest) UnsubscribeURL() string {
	if d.base() == "" || len(d.Secret) == 0 {
		return ""
	}
	return d.base() + "/u/" + SignToken(d.Secret, Claim{Purpose: PurposeUnsubscribe, Member: d.Member.ID})
}
