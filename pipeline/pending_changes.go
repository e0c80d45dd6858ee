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
// (kept by applyCorrigenda), oldest first. It returns the ids of the notices changed. The
// changes stay known: applying one again changes nothing, and a notice sent again in its
// first version must not undo them (keepKnownChanges).
func (p *Pipeline) applyPendingChanges(ctx context.Context, batch []passerelle.Opportunity, now time.Time) ([]string, error) {
	waiting, err := p.knownChanges(ctx, batch)
	if err != nil || len(waiting) == 0 {
		return nil, err
	}
	var updated []passerelle.Opportunity
	for i := range batch {
		o := &batch[i]
		if o.Changes != "" || o.Partial { // a partial release is merged by the store, maybe not stored yet
			continue
		}
		changes := changesOf(o, waiting)
		if len(changes) == 0 {
			continue
		}
		target, err := p.Store.Opportunity(ctx, o.ID)
		if err != nil {
			return nil, err
		}
		changed := false
		for j := range changes {
			changed = applyChange(&target, &changes[j], now) || changed
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
	changed := make([]string, len(updated))
	for i, o := range updated {
		changed[i] = o.ID
	}
	return changed, nil
}

// keepKnownChanges applies to each notice of batch that is stored already the changes known
// for it, before it is stored again: a source that sends the original notice once more (its
// first version, with the old deadline) must not undo the corrigendum members were told of.
// A notice seen for the first time is stored as it comes, then changed (applyPendingChanges),
// so that its revision shows the change.
func (p *Pipeline) keepKnownChanges(ctx context.Context, batch []passerelle.Opportunity, now time.Time) error {
	known, err := p.knownChanges(ctx, batch)
	if err != nil || len(known) == 0 {
		return err
	}
	for i := range batch {
		o := &batch[i]
		if o.Changes != "" || o.Partial { // a partial release is merged by the store, maybe not stored yet
			continue
		}
		changes := changesOf(o, known)
		if len(changes) == 0 {
			continue
		}
		if _, err := p.Store.Opportunity(ctx, o.ID); passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
			continue
		} else if err != nil {
			return err
		}
		for j := range changes {
			applyChange(o, &changes[j], now)
		}
	}
	return nil
}

// knownChanges reads the changes kept for the notices of batch (not the changes in it),
// keyed by the ids they were kept under.
func (p *Pipeline) knownChanges(ctx context.Context, batch []passerelle.Opportunity) (map[string][]passerelle.Opportunity, error) {
	var ids []string
	for i := range batch {
		if batch[i].Changes == "" {
			ids = append(ids, batch[i].ID)
			ids = append(ids, batch[i].Aliases...)
		}
	}
	return p.Store.PendingChanges(ctx, ids)
}

// changesOf are the known changes of notice o, under its id or an alias, each once, in the
// order they were published.
func changesOf(o *passerelle.Opportunity, known map[string][]passerelle.Opportunity) []passerelle.Opportunity {
	var changes []passerelle.Opportunity
	seen := map[string]bool{}
	for _, id := range append([]string{o.ID}, o.Aliases...) {
		for _, c := range known[id] {
			if !seen[c.ID] {
				seen[c.ID] = true
				changes = append(changes, c)
			}
		}
	}
	sort.SliceStable(changes, func(i, j int) bool {
		a, b := changes[i].Published, changes[j].Published
		return a != nil && b != nil && a.Before(*b) || a == nil && b != nil
	})
	return changes
}
