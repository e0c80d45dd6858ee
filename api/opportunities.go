package api

import (
	"net/http"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
)

// opportunityList is a search answer: the page of opportunities, their search scores and facets.
type opportunityList struct {
	Items      []opportunityHit          `json:"items"`
	Total      uint64                    `json:"total"`
	NextCursor string                    `json:"next_cursor,omitempty"`
	Facets     map[string]map[string]int `json:"facets,omitempty"`
}

type opportunityHit struct {
	passerelle.Opportunity
	SearchScore float64 `json:"search_score,omitempty"`
}

func (s *Server) listOpportunities(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	iq := index.Query{
		Text: q.Get("q"), Cluster: q.Get("cluster"), CPV: q.Get("cpv"), Country: strings.ToUpper(q.Get("country")),
		Language: q.Get("lang"), Kind: q.Get("kind"), Sort: q.Get("sort"), Limit: limit, Offset: offset,
		Facets: q.Get("facets") != "false",
	}
	if st := q.Get("status"); st != "" {
		iq.Status = strings.Split(st, ",")
	}
	if d := q.Get("deadline_before"); d != "" {
		t, err := parseDateParam(d)
		if err != nil {
			s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "deadline_before: %v", err))
			return
		}
		iq.DeadlineBefore = t
	}
	switch iq.Sort {
	case "", "relevance", "deadline", "-published":
	default:
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "sort must be relevance, deadline or -published"))
		return
	}
	res, err := s.index.Search(r.Context(), iq)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ids := make([]string, len(res.Hits))
	for i, h := range res.Hits {
		ids[i] = h.ID
	}
	ops, err := s.store.Opportunities(r.Context(), ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	scores := make(map[string]float64, len(res.Hits))
	for _, h := range res.Hits {
		scores[h.ID] = h.Score // finite: the index promises it (0 for filter-only queries)
	}
	out := opportunityList{Items: make([]opportunityHit, 0, len(ops)), Total: res.Total, Facets: res.Facets}
	for _, o := range ops {
		out.Items = append(out.Items, opportunityHit{Opportunity: o, SearchScore: scores[o.ID]})
	}
	if uint64(offset+len(res.Hits)) < res.Total {
		out.NextCursor = cursorAt(offset + len(res.Hits))
	}
	writeJSON(w, http.StatusOK, out)
}

func parseDateParam(v string) (time.Time, error) {
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return t, nil
	}
	return time.Parse("2006-01-02", v)
}

func (s *Server) getOpportunity(w http.ResponseWriter, r *http.Request) {
	o, err := s.store.OpportunityWithRevisions(r.Context(), param(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, o)
}
