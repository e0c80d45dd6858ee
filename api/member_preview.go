package api

import (
	"context"
	"net/http"

	"github.com/passerelle/passerelle"
)

// memberPreviewer is what "preview the matches of these skills" needs of the pipeline. It is
// not part of Runner, so that a Runner without it still serves everything else (501 here).
type memberPreviewer interface {
	PreviewMember(ctx context.Context, m passerelle.Member) ([]passerelle.Match, error)
}

// previewShown bounds the preview: enough to judge a profile, small enough to read.
const previewShown = 20

// previewMember answers the matches a profile given in the body would have, saving nothing.
func (s *Server) previewMember(w http.ResponseWriter, r *http.Request) {
	m, _, err := s.decodeMember(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	m.Normalize()
	if m.ID == "" {
		m.ID = "preview" // ids are checked by Validate; a preview needs none
	}
	if m.Tier == "" {
		m.Tier = passerelle.TierPremium
	}
	if err := m.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	pv, ok := s.runner.(memberPreviewer)
	if !ok {
		s.writeError(w, r, passerelle.Errorf(passerelle.EINTERNAL, "this server's pipeline cannot preview a profile"))
		return
	}
	ms, err := pv.PreviewMember(r.Context(), m)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	total := len(ms)
	if len(ms) > previewShown {
		ms = ms[:previewShown]
	}
	byID, err := s.opportunitiesOf(r.Context(), ms)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := list[matchView]{Items: make([]matchView, 0, len(ms)), Total: total}
	for _, mt := range ms {
		o := byID[mt.Opportunity]
		out.Items = append(out.Items, matchView{Match: mt, Title: o.Title, Deadline: o.Deadline, Status: o.Status, URL: o.URL, Buyer: o.Buyer})
	}
	writeJSON(w, http.StatusOK, out)
}
