package matcher

import (
	"context"
	"sort"
	"time"

	passerelle "github.com/passerelle/passerelle"
)

// PreviewMove is one opportunity whose match a rules change adds, removes or rescores.
// Before or After is 0 when the match is absent on that side.
type PreviewMove struct {
	Opportunity string  `json:"opportunity"`
	Before      float64 `json:"before"`
	After       float64 `json:"after"`
}

// MemberPreview is what a rules change does to one member's kept matches.
type MemberPreview struct {
	Member  string        `json:"member"`
	Before  int           `json:"before"` // matches kept under the old rules
	After   int           `json:"after"`  // and under the new ones
	Added   []PreviewMove `json:"added,omitempty"`
	Removed []PreviewMove `json:"removed,omitempty"`
	Moved   []PreviewMove `json:"moved,omitempty"` // kept by both, with another score
}

// PreviewReport is what `rules preview` shows before a change goes live.
type PreviewReport struct {
	Members []MemberPreview `json:"members"` // only members something happens to, by id
	Before  int             `json:"before"`
	After   int             `json:"after"`
	Added   int             `json:"added"`
	Removed int             `json:"removed"`
	Moved   int             `json:"moved"`
}

// Preview matches ops against members under the old and the new scorer (the nightly path
// of each) and reports, per member, the matches added, removed and rescored. Lists are
// ordered by the larger score, then opportunity id.
func Preview(old, new *Scorer, members []passerelle.Member, ops []passerelle.Opportunity, now time.Time) PreviewReport {
	ctx := context.Background()
	before, _ := NewMonitor(old, members).Match(ctx, ops, now) // cannot fail without a deadline
	after, _ := NewMonitor(new, members).Match(ctx, ops, now)
	type side struct{ before, after map[string]float64 }
	per := map[string]*side{}
	get := func(m string) *side {
		if per[m] == nil {
			per[m] = &side{map[string]float64{}, map[string]float64{}}
		}
		return per[m]
	}
	for _, m := range before {
		get(m.Member).before[m.Opportunity] = m.Score
	}
	for _, m := range after {
		get(m.Member).after[m.Opportunity] = m.Score
	}
	rep := PreviewReport{Before: len(before), After: len(after), Members: []MemberPreview{}}
	for _, id := range sortedKeys(per) {
		sd := per[id]
		mp := MemberPreview{Member: id, Before: len(sd.before), After: len(sd.after)}
		for o, b := range sd.before {
			a, ok := sd.after[o]
			switch {
			case !ok:
				mp.Removed = append(mp.Removed, PreviewMove{o, b, 0})
			case a != b:
				mp.Moved = append(mp.Moved, PreviewMove{o, b, a})
			}
		}
		for o, a := range sd.after {
			if _, ok := sd.before[o]; !ok {
				mp.Added = append(mp.Added, PreviewMove{o, 0, a})
			}
		}
		for _, l := range [][]PreviewMove{mp.Added, mp.Removed, mp.Moved} {
			sort.Slice(l, func(i, j int) bool {
				x, y := max(l[i].Before, l[i].After), max(l[j].Before, l[j].After)
				if x != y {
					return x > y
				}
				return l[i].Opportunity < l[j].Opportunity
			})
		}
		rep.Added += len(mp.Added)
		rep.Removed += len(mp.Removed)
		rep.Moved += len(mp.Moved)
		if len(mp.Added)+len(mp.Removed)+len(mp.Moved) > 0 {
			rep.Members = append(rep.Members, mp)
		}
	}
	return rep
}

// FeedbackMetrics measure rules against what members said of their matches.
type FeedbackMetrics struct {
	Relevant    int `json:"relevant"`     // matches judged relevant (or saved)
	NotRelevant int `json:"not_relevant"` // judged not relevant (or dismissed)
	// Precision is relevant / (relevant + not_relevant) over the judged matches: how good
	// the matches members saw were. 0 when nothing was judged.
	Precision float64 `json:"precision"`
	// Under the scorer being measured: the judged pairs it would still keep by topical fit
	// (the opportunities may have closed since), and the precision of those.
	KeptRelevant    int     `json:"kept_relevant"`
	KeptNotRelevant int     `json:"kept_not_relevant"`
	KeptPrecision   float64 `json:"kept_precision"`
}

// Feedback measures scorer s against the judged matches: a judged pair is kept when its
// topical fit reaches the threshold of one of the member's profiles. Saved counts as relevant and dismissed as
// not relevant; matches without feedback, or whose member or opportunity is not given,
// are skipped.
func Feedback(s *Scorer, members []passerelle.Member, ops []passerelle.Opportunity, judged []passerelle.Match) FeedbackMetrics {
	ms := map[string]*passerelle.Member{}
	for i := range members {
		ms[members[i].ID] = &members[i]
	}
	os := map[string]*passerelle.Opportunity{}
	for i := range ops {
		os[ops[i].ID] = &ops[i]
	}
	var fm FeedbackMetrics
	for _, j := range judged {
		if j.Feedback == nil {
			continue
		}
		var rel bool
		switch j.Feedback.Verdict {
		case passerelle.VerdictRelevant, passerelle.VerdictSaved:
			rel = true
		case passerelle.VerdictNotRelevant, passerelle.VerdictDismissed:
		default:
			continue
		}
		m, o := ms[j.Member], os[j.Opportunity]
		if m == nil || o == nil {
			continue
		}
		if rel {
			fm.Relevant++
		} else {
			fm.NotRelevant++
		}
		if s.topicalKept(m, o) {
			if rel {
				fm.KeptRelevant++
			} else {
				fm.KeptNotRelevant++
			}
		}
	}
	if n := fm.Relevant + fm.NotRelevant; n > 0 {
		fm.Precision = float64(fm.Relevant) / float64(n)
	}
	if n := fm.KeptRelevant + fm.KeptNotRelevant; n > 0 {
		fm.KeptPrecision = float64(fm.KeptRelevant) / float64(n)
	}
	return fm
}
