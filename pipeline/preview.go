package pipeline

import (
	"context"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
)

// PreviewReport says what a rules change would do, per member, versus the current rules,
// over the open opportunities of the store; and, when members have given feedback, how the
// judged matches fare under each set of rules.
type PreviewReport struct {
	CurrentVersion int `json:"current_version"`
	Opportunities  int `json:"opportunities"` // open opportunities considered
	matcher.PreviewReport
	// Titles of the opportunities the report names, so that staff can read it.
	Titles         map[string]string        `json:"titles,omitempty"`
	FeedbackBefore *matcher.FeedbackMetrics `json:"feedback_before,omitempty"`
	FeedbackAfter  *matcher.FeedbackMetrics `json:"feedback_after,omitempty"`
}

// Preview compares the rules r with the current ones. Nothing is written.
func (p *Pipeline) Preview(ctx context.Context, r passerelle.Rules) (any, error) {
	return p.PreviewRules(ctx, r)
}

// PreviewRules is Preview with its concrete report type.
func (p *Pipeline) PreviewRules(ctx context.Context, r passerelle.Rules) (PreviewReport, error) {
	var rep PreviewReport
	cur, err := p.Rules(ctx)
	if err != nil {
		return rep, err
	}
	rep.CurrentVersion = cur.Version
	before, err := matcher.NewScorer(cur, p.vocab())
	if err != nil {
		return rep, err
	}
	r.Version = cur.Version + 1
	after, err := matcher.NewScorer(r, p.vocab())
	if err != nil {
		return rep, err
	}
	c, err := p.Corpus(ctx)
	if err != nil {
		return rep, err
	}
	before.SetCorpus(c) // the same word frequencies on both sides: only the rules differ
	after.SetCorpus(c)
	members, err := p.Store.Members(ctx)
	if err != nil {
		return rep, err
	}
	now := p.now()
	var open []passerelle.Opportunity
	titles := map[string]string{}
	err = p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		if st := o.ComputeStatus(now); st != passerelle.StatusClosed && st != passerelle.StatusCancelled {
			open = append(open, *o)
			titles[o.ID] = o.Title
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Opportunities = len(open)
	rep.PreviewReport = matcher.Preview(before, after, members, open, now)
	rep.Titles = map[string]string{}
	for _, mp := range rep.Members {
		for _, l := range [][]matcher.PreviewMove{mp.Added, mp.Removed, mp.Moved} {
			for _, mv := range l {
				rep.Titles[mv.Opportunity] = titles[mv.Opportunity]
			}
		}
	}

	// Replay members' verdicts: the judged opportunities may have closed since.
	var judged []passerelle.Match
	var ids []string
	for _, m := range members {
		ms, err := p.Store.Matches(ctx, m.ID)
		if err != nil {
			return rep, err
		}
		for _, mt := range ms {
			if mt.Feedback != nil {
				judged = append(judged, mt)
				ids = append(ids, mt.Opportunity)
			}
		}
	}
	if len(judged) > 0 {
		ops, err := p.Store.Opportunities(ctx, ids)
		if err != nil {
			return rep, err
		}
		fb, fa := matcher.Feedback(before, members, ops, judged), matcher.Feedback(after, members, ops, judged)
		rep.FeedbackBefore, rep.FeedbackAfter = &fb, &fa
	}
	return rep, nil
}
