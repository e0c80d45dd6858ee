package pipeline

import (
	"context"
	"sort"

	"github.com/passerelle/passerelle"
)

// PreviewMember scores a profile that is not saved yet (staff editing a member's skills)
// against the open opportunities, the way MatchMember would, and stores nothing: the console
// shows what the change would bring before it is made. The member is judged as premium, since
// the question is what its profile finds, not what its tier lets it see.
func (p *Pipeline) PreviewMember(ctx context.Context, m passerelle.Member) ([]passerelle.Match, error) {
	kept := []passerelle.Match{}
	if m.EmptyProfile() {
		return kept, nil
	}
	m.Tier = passerelle.TierPremium
	sc, err := p.Scorer(ctx)
	if err != nil {
		return nil, err
	}
	ids, err := p.candidatesFor(ctx, sc, &m)
	if err != nil {
		return nil, err
	}
	ops, err := p.Store.Opportunities(ctx, ids)
	if err != nil {
		return nil, err
	}
	now := p.now()
	for i := range ops {
		if mt, ok := sc.Score(&m, &ops[i], now); ok {
			kept = append(kept, mt)
		}
	}
	sort.SliceStable(kept, func(i, j int) bool { return kept[i].Score > kept[j].Score })
	return kept, nil
}
