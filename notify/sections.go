package notify

import (
	"sort"
	"time"

	"github.com/passerelle/passerelle"
)

// A digest tells three things, in this order: the member's new matches, the matches it
// follows that close soon, and what changed in the matches it was already told of.

// ClosingWindow is how far ahead "closing soon" looks.
const ClosingWindow = 7 * 24 * time.Hour

// Change is a match already sent, saved or seen whose opportunity changed since: the
// revisions to tell, oldest first.
type Change struct {
	Item      Item
	Revisions []passerelle.Revision
}

// followed are the states in which a member still cares about a match it did not answer:
// new, notified and seen, and saved which it answered by keeping it.
func followed(s passerelle.MatchState) bool {
	switch s {
	case passerelle.MatchNew, passerelle.MatchNotified, passerelle.MatchSeen, passerelle.MatchSaved:
		return true
	}
	return false
}

// ClosingSoon picks, among items, those to remind as closing: followed (new, notified, seen,
// saved), not vetoed, not closed nor cancelled, with a known deadline after now and within
// ClosingWindow; soonest first. Which were already reminded is the caller's business.
func ClosingSoon(items []Item, now time.Time) []Item {
	var out []Item
	for _, it := range items {
		o := &it.Opportunity
		d := deadlineOf(o)
		switch {
		case !followed(it.Match.State), it.Match.Explanation.Veto != "",
			o.Status == passerelle.StatusClosed || o.Status == passerelle.StatusCancelled,
			d == nil, !d.After(now), d.Sub(now) > ClosingWindow:
			continue
		}
		out = append(out, it)
	}
	sort.SliceStable(out, func(i, j int) bool {
		a, b := deadlineOf(&out[i].Opportunity), deadlineOf(&out[j].Opportunity)
		if !a.Equal(*b) {
			return a.Before(*b)
		}
		return out[i].Match.Opportunity < out[j].Match.Opportunity
	})
	return out
}

// toldStates are the states of a match the member has heard of: sent to it, saved or seen.
func toldStates(s passerelle.MatchState) bool {
	return s == passerelle.MatchNotified || s == passerelle.MatchSaved || s == passerelle.MatchSeen
}

// ChangesOf returns the revisions of it's opportunity (read with its revisions) worth telling
// a member who heard of it: the match sent, saved or seen, revisions numbered after after and
// made after since (when the member first heard of it). Nothing when there are none.
func ChangesOf(it Item, after int, since time.Time) (Change, bool) {
	if !toldStates(it.Match.State) {
		return Change{}, false
	}
	c := Change{Item: it}
	for _, r := range it.Opportunity.Revisions {
		if r.N <= after || !r.At.After(since) || len(r.Changes) == 0 {
			continue
		}
		c.Revisions = append(c.Revisions, r)
	}
	return c, len(c.Revisions) > 0
}
