package api

import (
	"net/http"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
)

// opportunityPage is what Passerelle's page of one opportunity shows: the whole notice with
// its revisions, and — when the viewer is a member with a match on it — that match, its
// reasons in plain words, and its verdict.
type opportunityPage struct {
	Opportunity passerelle.Opportunity `json:"opportunity"`
	Official    string                 `json:"official,omitempty"` // the notice at its source
	Member      string                 `json:"member,omitempty"`
	Match       *matchView             `json:"match,omitempty"`
	Now         time.Time              `json:"now"`
}

// opportunityView answers GET /app/api/opportunities/{id} for the page: with ?t= a digest's
// signed match token (no sign-in: the token names the member and this opportunity), else
// with a key as the rest of the API (a member sees its own match; staff may add ?member=).
func (s *Server) opportunityView(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	if tok := r.URL.Query().Get("t"); tok != "" {
		c, err := s.claim(r, tok, notify.PurposeMatch)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if c.Opportunity != id {
			s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "link token is for another opportunity"))
			return
		}
		s.writeOpportunityPage(w, r, id, c.Member)
		return
	}
	s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := keyFrom(r)
		member := k.Member
		if k.Role == passerelle.RoleStaff {
			member = r.URL.Query().Get("member")
		}
		s.writeOpportunityPage(w, r, id, member)
	})).ServeHTTP(w, r)
}

func (s *Server) writeOpportunityPage(w http.ResponseWriter, r *http.Request, id, member string) {
	o, err := s.store.OpportunityWithRevisions(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := opportunityPage{Opportunity: o, Official: notify.OfficialLink(o), Member: member, Now: s.now()}
	if member != "" {
		mt, err := s.store.Match(r.Context(), member, id)
		switch {
		case err == nil:
			lang := "fr"
			if m, err := s.store.Member(r.Context(), member); err == nil {
				lang = notify.Lang(m)
			}
			if l := r.URL.Query().Get("lang"); l == "fr" || l == "en" {
				lang = l
			}
			out.Match = &matchView{Match: mt, Title: o.Title, Deadline: o.Deadline, Status: o.Status, URL: o.URL, Buyer: o.Buyer, Said: s.said(mt, lang)}
		case passerelle.ErrorCode(err) != passerelle.ENOTFOUND:
			s.writeError(w, r, err)
			return
		}
	}
	writeJSON(w, http.StatusOK, out)
}
