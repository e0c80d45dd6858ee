package pipeline

import (
	"context"
	"sort"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/matcher"
)

// PreviewReport says what a rules change would do, per member, versus the current rules,
// over the open opportunities of the store; and, when members have given feedback, how the
// verdicts fare under each set of rules.
type PreviewReport struct {
	CurrentVersion int             `json:"current_version"`
	Opportunities  int             `json:"opportunities"` // open opportunities considered
	Added          int             `json:"added"`
	Removed        int             `json:"removed"`
	Moved          int             `json:"moved"`
	Members        []MemberPreview `json:"members"`
	Feedback       *FeedbackFit    `json:"feedback,omitempty"`
}

// MemberPreview is one member's side of a preview.
type MemberPreview struct {
	Member  string         `json:"member"`
	Before  int            `json:"before"`
	After   int            `json:"after"`
	Added   []PreviewMatch `json:"added,omitempty"`
	Removed []PreviewMatch `json:"removed,omitempty"`
	Moved   []PreviewMatch `json:"moved,omitempty"` // rank changed
}

// PreviewMatch is one match in a preview, with its score and rank under both rules (0 = absent).
type PreviewMatch struct {
	Opportunity string  `json:"opportunity"`
	Title       string  `json:"title"`
	ScoreBefore float64 `json:"score_before"`
	ScoreAfter  float64 `json:"score_after"`
	RankBefore  int     `json:"rank_before"`
	RankAfter   int     `json:"rank_after"`
}

// FeedbackFit counts members' verdicts (relevant / not relevant) kept as matches by each set
// of rules: good rules keep the relevant ones and drop the others.
type FeedbackFit struct {
	Judged                int     `json:"judged"`
	RelevantKeptBefore    int     `json:"relevant_kept_before"`
	RelevantKeptAfter     int     `json:"relevant_kept_after"`
	NotRelevantKeptBefore int     `json:"not_relevant_kept_before"`
	NotRelevantKeptAfter  int     `json:"not_relevant_kept_after"`
	PrecisionBefore       float64 `json:"precision_before"`
	PrecisionAfter        float64 `json:"precision_after"`
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
	members, err := p.Store.Members(ctx)
	if err != nil {
		return rep, err
	}
	var ops []passerelle.Opportunity
	now := p.now()
	titles := map[string]string{}
	err = p.Store.ForEachOpportunity(ctx, func(o *passerelle.Opportunity) error {
		if st := o.ComputeStatus(now); st == passerelle.StatusClosed || st == passerelle.StatusCancelled {
			return nil
		}
		ops = append(ops, *o)
		titles[o.ID] = o.Title
		return nil
	})
	if err != nil {
		return rep, err
	}
	rep.Opportunities = len(ops)
	mb, err := matcher.NewMonitor(before, members).Match(ctx, ops, now)
	if err != nil {
		return rep, err
	}
	ma, err := matcher.NewMonitor(after, members).Match(ctx, ops, now)
	if err != nil {
		return rep, err
	}
	rb, ra := ranked(mb), ranked(ma)
	for _, m := range members {
		mp := MemberPreview{Member: m.ID, Before: len(rb[m.ID]), After: len(ra[m.ID])}
		for id, b := range rb[m.ID] {
			a, ok := ra[m.ID][id]
			pm := PreviewMatch{Opportunity: id, Title: titles[id], ScoreBefore: b.score, RankBefore: b.rank}
			if !ok {
				mp.Removed = append(mp.Removed, pm)
				continue
			}
			pm.ScoreAfter, pm.RankAfter = a.score, a.rank
			if a.rank != b.rank {
				mp.Moved = append(mp.Moved, pm)
			}
		}
		for id, a := range ra[m.ID] {
			if _, ok := rb[m.ID][id]; !ok {
				mp.Added = append(mp.Added, PreviewMatch{Opportunity: id, Title: titles[id], ScoreAfter: a.score, RankAfter: a.rank})
			}
		}
		for _, l := range [][]PreviewMatch{mp.Added, mp.Removed, mp.Moved} {
			sort.Slice(l, func(i, j int) bool {
				return max(l[i].RankAfter, l[i].RankBefore) < max(l[j].RankAfter, l[j].RankBefore) ||
					(l[i].RankAfter == l[j].RankAfter && l[i].Opportunity < l[j].Opportunity)
			})
		}
		rep.Added += len(mp.Added)
		rep.Removed += len(mp.Removed)
		rep.Moved += len(mp.Moved)
		if mp.Before+mp.After > 0 {
			rep.Members = append(rep.Members, mp)
		}
	}
	rep.Feedback, err = p.feedbackFit(ctx, members, before, after, cur.Thresholds.MinScore, r.Thresholds.MinScore)
	return rep, err
}

type rankScore struct {
	rank  int
	score float64
}

func ranked(ms []passerelle.Match) map[string]map[string]rankScore {
	by := map[string][]passerelle.Match{}
	for _, m := range ms {
		by[m.Member] = append(by[m.Member], m)
	}
	out := map[string]map[string]rankScore{}
	for member, l := range by {
		sort.Slice(l, func(i, j int) bool {
			if l[i].Score != l[j].Score {
				return l[i].Score > l[j].Score
			}
			return l[i].Opportunity < l[j].Opportunity
		})
		out[member] = map[string]rankScore{}
		for i, m := range l {
			out[member][m.Opportunity] = rankScore{i + 1, m.Score}
		}
	}
	return out
}

// feedbackFit re-scores every match that carries a relevant / not relevant verdict under both
// rules. Status and deadline are ignored: the verdict was given when the call was open.
func (p *Pipeline) feedbackFit(ctx context.Context, members []passerelle.Member, before, after *matcher.Scorer, minBefore, minAfter float64) (*FeedbackFit, error) {
	var fit FeedbackFit
	for i := range members {
		m := &members[i]
		ms, err := p.Store.Matches(ctx, m.ID)
		if err != nil {
			return nil, err
		}
		for _, mt := range ms {
			if mt.Feedback == nil || (mt.Feedback.Verdict != passerelle.VerdictRelevant && mt.Feedback.Verdict != passerelle.VerdictNotRelevant) {
				continue
			}
			o, err := p.Store.Opportunity(ctx, mt.Opportunity)
			if err != nil {
				continue // the opportunity is gone; the verdict cannot be replayed
			}
			fit.Judged++
			rel := mt.Feedback.Verdict == passerelle.VerdictRelevant
			kb := keptTopical(before, minBefore, m, &o)
			ka := keptTopical(after, minAfter, m, &o)
			switch {
			case rel && kb:
				fit.RelevantKeptBefore++
			case !rel && kb:
				fit.NotRelevantKeptBefore++
			}
			switch {
			case rel && ka:
				fit.RelevantKeptAfter++
			case !rel && ka:
				fit.NotRelevantKeptAfter++
			}
		}
	}
	if fit.Judged == 0 {
		return nil, nil
	}
	fit.PrecisionBefore = ratio(fit.RelevantKeptBefore, fit.RelevantKeptBefore+fit.NotRelevantKeptBefore)
	fit.PrecisionAfter = ratio(fit.RelevantKeptAfter, fit.RelevantKeptAfter+fit.NotRelevantKeptAfter)
	return &fit, nil
}

func keptTopical(s *matcher.Scorer, minScore float64, m *passerelle.Member, o *passerelle.Opportunity) bool {
	score, ex := s.Topical(m, o)
	return ex.Veto == "" && score >= max(minScore, m.MinScore)
}

func ratio(a, b int) float64 {
	if b == 0 {
		return 0
	}
	return float64(a) / float64(b)
}
