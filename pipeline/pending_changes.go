package pipeline

import (
	"context"
	"fmt"
	"sort"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

// changeTargets are the ids a corrigendum's target may be stored under: the reference
// within the change's own source, then as written (an imported record's id).
func changeTargets(c *passerelle.Opportunity) []string {
	var out []string
	for _, id := range []string{c.Source + ":" + c.Changes, c.Changes} {
		if id != c.ID && id != "" {
			out = append(out, id)
		}
	}
	return out
}

// applyChange carries what a corrigendum changes over to its target: a new deadline,
// stages, value, or a cancellation. It reports whether that is a material change.
func applyChange(target *passerelle.Opportunity, c *passerelle.Opportunity, now time.Time) bool {
	before := *target
	if c.Deadline != nil && !c.DeadlineUntrusted {
		target.Deadline = c.Deadline
	}
	if len(c.Stages) > 0 {
		target.Stages = c.Stages
	}
	if c.Value != nil {
		target.Value = c.Value
	}
	if c.Status == passerelle.StatusCancelled {
		target.Status = passerelle.StatusCancelled
	}
	target.Status = target.ComputeStatus(now)
	if len(store.MaterialChanges(&before, target)) == 0 {
		return false
	}
	target.Source = c.Source // the revision records which source brought the change
	target.Revisions = nil
	return true
}

// applyPendingChanges applies the corrigenda that arrived before the notices of batch
// (kept pending by applyCorrigenda), oldest first, then forgets them. It returns the ids of
// the notices changed.
func (p *Pipeline) applyPendingChanges(ctx context.Context, batch []passerelle.Opportunity, now time.Time) ([]string, error) {
	var ids []string
	for i := range batch {
		if batch[i].Changes == "" {
			ids = append(ids, batch[i].ID)
			ids = append(ids, batch[i].Aliases...)
		}
	}
	waiting, err := p.Store.PendingChanges(ctx, ids)
	if err != nil || len(waiting) == 0 {
		return nil, err
	}
	var updated []passerelle.Opportunity
	var applied []string
	for i := range batch {
		o := &batch[i]
		if o.Changes != "" {
			continue
		}
		var changes []passerelle.Opportunity
		seen := map[string]bool{}
		for _, id := range append([]string{o.ID}, o.Aliases...) {
			for _, c := range waiting[id] {
				if !seen[c.ID] {
					seen[c.ID] = true
					changes = append(changes, c)
				}
			}
		}
		if len(changes) == 0 {
			continue
		}
		// Waiting under two ids (the notice's and its alias), they are applied in the
		// order they were published.
		sort.SliceStable(changes, func(i, j int) bool {
			a, b := changes[i].Published, changes[j].Published
			return a != nil && b != nil && a.Before(*b) || a == nil && b != nil
		})
		target, err := p.Store.Opportunity(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		changed := false
		for j := range changes {
			changed = applyChange(&target, &changes[j], now) || changed
			applied = append(applied, changes[j].ID)
		}
		if changed {
			updated = append(updated, target)
		}
	}
	if len(updated) > 0 {
		if _, err := p.Store.PutOpportunities(ctx, updated, now); err != nil {
			return nil, fmt.Errorf("applying pending corrigenda: %w", err)
		}
	}
	// Forgotten only once applied: a crash before this point applies them again next time,
	// which changes nothing more.
	if err := p.Store.ForgetPendingChanges(ctx, applied); err != nil {
		return nil, err
	}
	changed := make([]string, len(updated))
	for i, o := range updated {
		changed[i] = o.ID
	}
	return changed, nil
}
