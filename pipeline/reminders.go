package pipeline

import (
	"context"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// Besides its new matches, a digest reminds a member of the matches it follows: those that
// close within a week (saved or not answered yet) and the changes — a moved deadline, a
// corrigendum, a cancellation — of those it was already sent, saved or seen. Each reminder
// goes once: the digest record lists what it reminded (store.Digest.Closing, .Changed) and
// the store keeps, per match, what was reminded already (store.Reminders), written in the
// transaction that creates the digest.

// followedStates are the states a reminder may concern; dismissed matches never come back.
var followedStates = []passerelle.MatchState{passerelle.MatchNew, passerelle.MatchNotified, passerelle.MatchSeen, passerelle.MatchSaved}

// reminders finds what m's digest made at now should remind besides its new items (skip).
func (p *Pipeline) reminders(ctx context.Context, m passerelle.Member, skip map[string]bool, now time.Time) ([]notify.Item, []notify.Change, error) {
	told, err := p.Store.Reminders(ctx, m.ID)
	if err != nil {
		return nil, nil, err
	}
	heard, err := p.heardSince(ctx, m.ID)
	if err != nil {
		return nil, nil, err
	}
	var ms []passerelle.Match
	for _, st := range followedStates {
		page, err := p.Store.MatchesPage(ctx, m.ID, store.MatchQuery{State: st, Limit: maxNewPerMember})
		if err != nil {
			return nil, nil, err
		}
		for _, mt := range page.Matches {
			if !skip[mt.Opportunity] {
				ms = append(ms, mt)
			}
		}
	}
	items, err := p.items(ctx, ms)
	if err != nil {
		return nil, nil, err
	}
	var closing []notify.Item
	for _, it := range notify.ClosingSoon(items, now) {
		if told[it.Opportunity.ID].Closing == "" {
			closing = append(closing, it)
		}
	}
	var changed []notify.Change
	for _, it := range items {
		since, ok := heard[it.Opportunity.ID]
		if !ok {
			since = it.Match.Created
		}
		after := told[it.Opportunity.ID].Changed
		if it.Opportunity.Revision <= after || !it.Opportunity.Updated.After(since) {
			continue // cheap test first: no revision since, no need to read them
		}
		o, err := p.Store.OpportunityWithRevisions(ctx, it.Opportunity.ID)
		if err != nil {
			return nil, nil, err
		}
		it.Opportunity = o
		if c, ok := notify.ChangesOf(it, after, since); ok {
			changed = append(changed, c)
		}
	}
	return closing, changed, nil
}

// heardSince tells, per opportunity, when the member was first sent it: the creation of the
// digest that carried it. A change made before that was in the digest already.
func (p *Pipeline) heardSince(ctx context.Context, member string) (map[string]time.Time, error) {
	ds, err := p.Store.Digests(ctx, member)
	if err != nil {
		return nil, err
	}
	out := map[string]time.Time{}
	for _, d := range ds {
		for _, o := range d.Items {
			if t, ok := out[o]; !ok || d.Created.Before(t) {
				out[o] = d.Created
			}
		}
	}
	return out, nil
}

// changedRefs records which revisions each change tells.
func changedRefs(cs []notify.Change) []store.ChangedRef {
	out := make([]store.ChangedRef, 0, len(cs))
	for _, c := range cs {
		r := store.ChangedRef{Opportunity: c.Item.Opportunity.ID, From: c.Revisions[0].N - 1, To: c.Revisions[len(c.Revisions)-1].N}
		out = append(out, r)
	}
	return out
}

// remindersOf rebuilds the reminders of a digest record, so that every attempt to deliver it
// says the same thing.
func (p *Pipeline) remindersOf(ctx context.Context, rec store.Digest) ([]notify.Item, []notify.Change, error) {
	matches := func(ids []string) ([]passerelle.Match, error) {
		var ms []passerelle.Match
		for _, o := range ids {
			mt, err := p.Store.Match(ctx, rec.Member, o)
			if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
				continue
			}
			if err != nil {
				return nil, err
			}
			ms = append(ms, mt)
		}
		return ms, nil
	}
	ms, err := matches(rec.Closing)
	if err != nil {
		return nil, nil, err
	}
	closing, err := p.items(ctx, ms)
	if err != nil {
		return nil, nil, err
	}
	var changed []notify.Change
	for _, ref := range rec.Changed {
		ms, err := matches([]string{ref.Opportunity})
		if err != nil || len(ms) == 0 {
			if err != nil {
				return nil, nil, err
			}
			continue
		}
		o, err := p.Store.OpportunityWithRevisions(ctx, ref.Opportunity)
		if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
			continue
		}
		if err != nil {
			return nil, nil, err
		}
		c := notify.Change{Item: notify.Item{Match: ms[0], Opportunity: o}}
		for _, r := range o.Revisions {
			if r.N > ref.From && r.N <= ref.To {
				c.Revisions = append(c.Revisions, r)
			}
		}
		if len(c.Revisions) > 0 {
			changed = append(changed, c)
		}
	}
	return closing, changed, nil
}
