package notify

import (
	"net/url"
	"sort"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
)

// Digest is what one member is sent in one delivery.
type Digest struct {
	// ID is the digest's stable id: the e-mail's Message-ID and the webhook's webhook-id,
	// the same on every attempt, so that a receiver recognises a resend. Empty: a fresh
	// random Message-ID per message (and no webhook).
	ID        string
	Member    passerelle.Member
	Items     []Item
	Generated time.Time // when it was built, in the zone used for the dates it shows
	BaseURL   string    // where Passerelle is served; links fall back to it
	// More counts the member's other new matches, beyond the digest's limit: they are not
	// sent later, the digest says they wait on the member's page.
	More int
	// Association names who sends the digest, at its head; empty: DefaultAssociation.
	Association string
	// Closing are the followed matches whose deadline comes within ClosingWindow, not
	// reminded before; Changed the changes of matches the member heard of, not told before.
	Closing []Item
	Changed []Change
	// Secret signs the digest's links (opportunity page, feedback, unsubscribe) so that
	// they work without signing in; nil: links point at the notices, no buttons.
	Secret []byte
}

// Empty reports whether d has nothing to tell.
func (d Digest) Empty() bool { return len(d.Items)+len(d.Closing)+len(d.Changed) == 0 }

// Item is one match with the opportunity it points to.
type Item struct {
	Match       passerelle.Match
	Opportunity passerelle.Opportunity
}

// WeeklyDay is the day of the week on which weekly digests go out.
const WeeklyDay = time.Monday

// Build selects a member's matches to send: premium only, state new, frequency not off
// (weekly: only when now is the member's weekly day — Monday — in loc), not vetoed, ranked
// by score, at most max (max <= 0: no bound). It reports false when there is nothing to
// send. Items of another member, below the min_score of the profile they came from,
// closed, cancelled or past their deadline are left out too: a digest only carries what
// can still be answered.
// Channels are not looked at: which sender to call is the caller's choice.
func Build(m passerelle.Member, items []Item, max int, now time.Time, loc *time.Location) (Digest, bool) {
	if loc == nil {
		loc = time.UTC
	}
	now = now.In(loc)
	d := Digest{Member: m, Generated: now}
	if m.Tier != passerelle.TierPremium {
		return d, false
	}
	switch m.Notify.Frequency {
	case "", "daily": // empty is the default: daily
	case "weekly":
		if now.Weekday() != WeeklyDay {
			return d, false
		}
	default: // off, or anything we do not understand: send nothing rather than too much
		return d, false
	}
	// Rank pointers, not items: an Item is a few kilobytes and only max of them are kept.
	seen := make(map[string]bool)
	var keep []*Item
	for i := range items {
		mt, o := &items[i].Match, &items[i].Opportunity
		switch {
		case mt.Member != "" && mt.Member != m.ID,
			mt.State != passerelle.MatchNew,
			mt.Explanation.Veto != "",
			mt.Score < minScoreOf(&m, mt.Profile),
			o.Status == passerelle.StatusClosed || o.Status == passerelle.StatusCancelled,
			o.Deadline != nil && !o.DeadlineUntrusted && !o.Deadline.After(now),
			seen[mt.Opportunity]:
			continue
		}
		seen[mt.Opportunity] = true
		keep = append(keep, &items[i])
	}
	sort.SliceStable(keep, func(i, j int) bool { return ranksBefore(keep[i], keep[j]) })
	if max > 0 && len(keep) > max {
		keep = keep[:max]
	}
	d.Items = make([]Item, len(keep))
	for i, p := range keep {
		d.Items[i] = *p
	}
	return d, len(d.Items) > 0
}

// ranksBefore orders by score, then the sooner deadline (unknown last), then id, so that
// equal scores come out in the same order every time.
func ranksBefore(a, b *Item) bool {
	if a.Match.Score != b.Match.Score {
		return a.Match.Score > b.Match.Score
	}
	da, db := deadlineOf(&a.Opportunity), deadlineOf(&b.Opportunity)
	switch {
	case da != nil && db != nil && !da.Equal(*db):
		return da.Before(*db)
	case da != nil && db == nil:
		return true
	case da == nil && db != nil:
		return false
	}
	return a.Match.Opportunity < b.Match.Opportunity
}

// deadlineOf returns the deadline worth showing: nil when unknown or a placeholder.
func deadlineOf(o *passerelle.Opportunity) *time.Time {
	if o.Deadline == nil || o.DeadlineUntrusted {
		return nil
	}
	return o.Deadline
}

// Lang is the language of the texts sent to m: "en" when its first language is English,
// "fr" otherwise (the association works in French).
func Lang(m passerelle.Member) string {
	if len(m.Languages) > 0 && strings.EqualFold(strings.TrimSpace(m.Languages[0]), "en") {
		return "en"
	}
	return "fr"
}

// Title returns the opportunity's title in lang when a translation has one, else its own.
func Title(o passerelle.Opportunity, lang string) string {
	if !strings.EqualFold(o.Language, lang) {
		if t, ok := o.Translations[lang]; ok && strings.TrimSpace(t.Title) != "" {
			return t.Title
		}
	}
	if strings.TrimSpace(o.Title) == "" {
		return o.ID
	}
	return o.Title
}

// Reasons returns the n strongest positive contributions of a match, strongest first:
// what the digest shows as "why".
func Reasons(m passerelle.Match, n int) []passerelle.Contribution {
	var out []passerelle.Contribution
	for _, c := range m.Explanation.Contributions {
		if c.Points > 0 {
			out = append(out, c)
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Points > out[j].Points })
	if len(out) > n {
		out = out[:n]
	}
	return out
}

// Link is where a feed item points: the notice at its source, or Passerelle's own page of
// the opportunity when the source gave no http(s) URL (a "javascript:" link from a scraped page
// must not reach a mail client or a feed reader).
func Link(base string, it Item) string {
	if u := strings.TrimSpace(it.Opportunity.URL); u != "" {
		if p, err := url.Parse(u); err == nil && (p.Scheme == "http" || p.Scheme == "https") && p.Host != "" {
			return u
		}
	}
	if base == "" {
		return ""
	}
	return strings.TrimRight(base, "/") + "/app/opportunities/" + url.PathEscape(it.Opportunity.ID)
}

// DaysLeft counts calendar days from now to t in now's zone: 0 is today, 1 tomorrow,
// negative when past.
func DaysLeft(now, t time.Time) int {
	loc := now.Location()
	y1, m1, d1 := now.Date()
	y2, m2, d2 := t.In(loc).Date()
	a := time.Date(y1, m1, d1, 12, 0, 0, 0, time.UTC)
	b := time.Date(y2, m2, d2, 12, 0, 0, 0, time.UTC)
	return int(b.Sub(a).Round(24*time.Hour) / (24 * time.Hour))
}
