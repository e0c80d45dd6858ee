package api

import (
	"net/http"
	"sort"
	"strconv"
	"time"

	"github.com/passerelle/passerelle"
)

// The feedback report is the material for tuning rules: what members said of their
// matches (verdicts with their reasons), counted per rules version and per member, and the
// notices most often judged not relevant. GET /api/v1/feedback keeps its older shape
// (counts per rules version) for the programs that read it.

// verdictCounts counts the four verdicts.
type verdictCounts struct {
	Relevant    int `json:"relevant"`
	NotRelevant int `json:"not_relevant"`
	Saved       int `json:"saved"`
	Dismissed   int `json:"dismissed"`
}

func (c *verdictCounts) add(v passerelle.Verdict) {
	switch v {
	case passerelle.VerdictRelevant:
		c.Relevant++
	case passerelle.VerdictNotRelevant:
		c.NotRelevant++
	case passerelle.VerdictSaved:
		c.Saved++
	case passerelle.VerdictDismissed:
		c.Dismissed++
	}
}

// verdictView is one verdict as staff read it.
type verdictView struct {
	Member       string             `json:"member"`
	MemberName   string             `json:"member_name"`
	Opportunity  string             `json:"opportunity"`
	Title        string             `json:"title"`
	Score        float64            `json:"score"`
	Verdict      passerelle.Verdict `json:"verdict"`
	Reason       string             `json:"reason,omitempty"`
	At           time.Time          `json:"at"`
	RulesVersion int                `json:"rules_version"`
}

type versionCounts struct {
	RulesVersion int `json:"rules_version"`
	verdictCounts
}

type memberCounts struct {
	Member string `json:"member"`
	Name   string `json:"name"`
	verdictCounts
}

// notRelevantNotice is a notice members judged not relevant, with how many and why.
type notRelevantNotice struct {
	Opportunity string   `json:"opportunity"`
	Title       string   `json:"title"`
	NotRelevant int      `json:"not_relevant"`
	Dismissed   int      `json:"dismissed"`
	Members     []string `json:"members"`
	Reasons     []string `json:"reasons"`
}

type feedbackReport struct {
	Member       string              `json:"member,omitempty"`
	RulesVersion int                 `json:"rules_version,omitempty"`
	Counts       verdictCounts       `json:"counts"`
	ByVersion    []versionCounts     `json:"by_version"`
	ByMember     []memberCounts      `json:"by_member"`
	NotRelevant  []notRelevantNotice `json:"not_relevant"`
	Verdicts     list[verdictView]   `json:"verdicts"`
}

// maxNotRelevant is how many of the notices most often judged not relevant are listed.
const maxNotRelevant = 20

// feedbackReport answers GET /api/v1/feedback/report?member=&rules_version=&limit=&cursor=.
// Verdicts come newest first, a page at a time; the counts and the not-relevant notices
// cover every verdict the filters select.
func (s *Server) feedbackReport(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	var rep feedbackReport
	rep.Member = q.Get("member")
	if v := q.Get("rules_version"); v != "" {
		n, err := strconv.Atoi(v)
		if err != nil || n < 1 {
			s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "rules_version must be a positive whole number, not %q", v))
			return
		}
		rep.RulesVersion = n
	}
	limit, offset, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx := r.Context()
	if rep.Member != "" {
		if _, err := s.store.Member(ctx, rep.Member); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	judged, err := s.store.Judged(ctx, rep.Member, rep.RulesVersion)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	members, err := s.store.Members(ctx)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	names := make(map[string]string, len(members))
	for _, m := range members {
		names[m.ID] = m.Name
	}
	titles, err := s.opportunitiesOf(ctx, judged)
	if err != nil {
		s.writeError(w, r, err)
		return
	}

	byVersion := map[int]*versionCounts{}
	byMember := map[string]*memberCounts{}
	notices := map[string]*notRelevantNotice{}
	all := make([]verdictView, 0, len(judged))
	for _, m := range judged {
		fb := m.Feedback
		rep.Counts.add(fb.Verdict)
		if byVersion[fb.RulesVersion] == nil {
			byVersion[fb.RulesVersion] = &versionCounts{RulesVersion: fb.RulesVersion}
		}
		byVersion[fb.RulesVersion].add(fb.Verdict)
		if byMember[m.Member] == nil {
			byMember[m.Member] = &memberCounts{Member: m.Member, Name: names[m.Member]}
		}
		byMember[m.Member].add(fb.Verdict)
		title := titles[m.Opportunity].Title
		if fb.Verdict == passerelle.VerdictNotRelevant || fb.Verdict == passerelle.VerdictDismissed {
			n := notices[m.Opportunity]
			if n == nil {
				n = &notRelevantNotice{Opportunity: m.Opportunity, Title: title, Members: []string{}, Reasons: []string{}}
				notices[m.Opportunity] = n
			}
			if fb.Verdict == passerelle.VerdictNotRelevant {
				n.NotRelevant++
			} else {
				n.Dismissed++
			}
			n.Members = append(n.Members, m.Member)
			if fb.Reason != "" {
				n.Reasons = append(n.Reasons, fb.Reason)
			}
		}
		all = append(all, verdictView{Member: m.Member, MemberName: names[m.Member], Opportunity: m.Opportunity, Title: title,
			Score: m.Score, Verdict: fb.Verdict, Reason: fb.Reason, At: fb.At, RulesVersion: fb.RulesVersion})
	}
	sort.SliceStable(all, func(i, j int) bool { return all[i].At.After(all[j].At) })
	rep.Verdicts = paginate(all, limit, offset)

	rep.ByVersion = make([]versionCounts, 0, len(byVersion))
	for _, c := range byVersion {
		rep.ByVersion = append(rep.ByVersion, *c)
	}
	sort.Slice(rep.ByVersion, func(i, j int) bool { return rep.ByVersion[i].RulesVersion > rep.ByVersion[j].RulesVersion })
	rep.ByMember = make([]memberCounts, 0, len(byMember))
	for _, c := range byMember {
		rep.ByMember = append(rep.ByMember, *c)
	}
	sort.Slice(rep.ByMember, func(i, j int) bool { return rep.ByMember[i].Member < rep.ByMember[j].Member })
	// Only notices someone said were not relevant: a dismissal alone may mean "not now".
	rep.NotRelevant = []notRelevantNotice{}
	for _, n := range notices {
		if n.NotRelevant > 0 {
			rep.NotRelevant = append(rep.NotRelevant, *n)
		}
	}
	sort.Slice(rep.NotRelevant, func(i, j int) bool {
		a, b := rep.NotRelevant[i], rep.NotRelevant[j]
		if a.NotRelevant != b.NotRelevant {
			return a.NotRelevant > b.NotRelevant
		}
		if a.Dismissed != b.Dismissed {
			return a.Dismissed > b.Dismissed
		}
		return a.Opportunity < b.Opportunity
	})
	if len(rep.NotRelevant) > maxNotRelevant {
		rep.NotRelevant = rep.NotRelevant[:maxNotRelevant]
	}
	writeJSON(w, http.StatusOK, rep)
}
