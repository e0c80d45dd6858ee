package api

import (
	"context"
	"net/http"
	"strconv"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// matchView is a match with the opportunity it points at, so that a member page or a script
// needs one call.
type matchView struct {
	passerelle.Match
	Title    string            `json:"title"`
	Deadline *time.Time        `json:"deadline"`
	Status   passerelle.Status `json:"status"`
	URL      string            `json:"url,omitempty"`
	Buyer    string            `json:"buyer,omitempty"`
	Kind     passerelle.Kind   `json:"kind,omitempty"`
	Clusters []string          `json:"clusters,omitempty"`
	// Said is each contribution's reason in plain words of the member's language (or of
	// ?lang=fr|en), in the order of explanation.contributions; "" where a match stored
	// before reasons existed has only the engine's evidence.
	Said []string `json:"said"`
}

// said tells the reasons of m in lang.
func (s *Server) said(m passerelle.Match, lang string) []string {
	out := make([]string, len(m.Explanation.Contributions))
	now := s.now().In(s.loc)
	for i, c := range m.Explanation.Contributions {
		if c.Reason != nil {
			out[i] = notify.Say(*c.Reason, lang, now)
		}
	}
	return out
}

func (s *Server) listMatches(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	member, err := s.premiumMember(r, id, "Matches")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	lang := notify.Lang(member)
	if l := q.Get("lang"); l == "fr" || l == "en" {
		lang = l
	}
	minScore := 0.0
	if v := q.Get("min_score"); v != "" {
		if minScore, err = strconv.ParseFloat(v, 64); err != nil || minScore < 0 || minScore > 100 {
			s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "min_score must be a number between 0 and 100"))
			return
		}
	}
	state := passerelle.MatchState(q.Get("state"))
	switch state {
	case "", passerelle.MatchNew, passerelle.MatchNotified, passerelle.MatchSeen, passerelle.MatchSaved, passerelle.MatchDismissed:
	default:
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "state must be new, notified, seen, saved or dismissed"))
		return
	}
	f, err := matchFilterOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if f.needsAll() {
		_, offset, err := page(r)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		all, err := s.selectMatches(r.Context(), id, store.MatchQuery{State: state, MinScore: minScore}, f, lang)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		writeJSON(w, http.StatusOK, paginate(all, limit, offset))
		return
	}
	// The store reads only the page asked for, through its by-score index.
	res, err := s.store.MatchesPage(r.Context(), id, store.MatchQuery{State: state, MinScore: minScore, Limit: limit, Cursor: q.Get("cursor")})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID, err := s.opportunitiesOf(r.Context(), res.Matches)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := list[matchView]{Items: make([]matchView, 0, len(res.Matches)), Total: res.Total, NextCursor: res.Next}
	for _, mt := range res.Matches {
		o := byID[mt.Opportunity]
		out.Items = append(out.Items, matchView{Match: mt, Title: o.Title, Deadline: o.Deadline, Status: o.Status, URL: o.URL, Buyer: o.Buyer,
			Kind: o.Kind, Clusters: o.Clusters, Said: s.said(mt, lang)})
	}
	writeJSON(w, http.StatusOK, out)
}

type feedbackRequest struct {
	Verdict passerelle.Verdict `json:"verdict"`
	Reason  string             `json:"reason,omitempty"`
}

func (s *Server) putFeedback(w http.ResponseWriter, r *http.Request) {
	var req feedbackRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	if !req.Verdict.Valid() {
		var v passerelle.ValidationError
		v.Add("verdict", "must be relevant, not_relevant, saved or dismissed")
		s.writeError(w, r, &v)
		return
	}
	if len(req.Reason) > 2000 {
		var v passerelle.ValidationError
		v.Add("reason", "must be at most 2000 characters")
		s.writeError(w, r, &v)
		return
	}
	mt, err := s.store.SetFeedback(r.Context(), param(r, "member"), param(r, "opportunity"),
		passerelle.Feedback{Verdict: req.Verdict, Reason: req.Reason, At: s.now()})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mt)
}

// deleteFeedback takes a verdict back (the member page's "undo"): the match becomes seen.
func (s *Server) deleteFeedback(w http.ResponseWriter, r *http.Request) {
	mt, err := s.store.ClearFeedback(r.Context(), param(r, "member"), param(r, "opportunity"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, mt)
}

func (s *Server) feedbackCounts(w http.ResponseWriter, r *http.Request) {
	c, err := s.store.FeedbackCounts(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if c == nil { // no feedback yet: {} rather than null
		writeJSON(w, http.StatusOK, struct{}{})
		return
	}
	writeJSON(w, http.StatusOK, c)
}

// premiumMember loads a member that must be premium for what it asks (matches, feeds).
func (s *Server) premiumMember(r *http.Request, id, what string) (passerelle.Member, error) {
	m, err := s.store.Member(r.Context(), id)
	if err != nil {
		return m, err
	}
	if m.Tier != passerelle.TierPremium {
		return m, passerelle.Errorf(passerelle.EFORBIDDEN, "%s are a premium feature: member %q is on the basic tier", what, id)
	}
	return m, nil
}

// opportunitiesOf loads the opportunities of matches, by id. A match whose opportunity is
// gone is simply absent from the map.
func (s *Server) opportunitiesOf(ctx context.Context, ms []passerelle.Match) (map[string]passerelle.Opportunity, error) {
	ids := make([]string, len(ms))
	for i, mt := range ms {
		ids[i] = mt.Opportunity
	}
	ops, err := s.store.Opportunities(ctx, ids)
	if err != nil {
		return nil, err
	}
	byID := make(map[string]passerelle.Opportunity, len(ops))
	for _, o := range ops {
		byID[o.ID] = o
	}
	return byID, nil
}
