package api

import (
	"net/http"
	"slices"
	"time"

	"github.com/passerelle/passerelle/store"
)

// A member's delivery log: its digests, newest period first, each with the opportunities it
// carried and, per channel, where it went, its state, attempts, last error and message id.
// Staff read it to answer "was acme told, and if not, why?".

type digestItem struct {
	Opportunity string `json:"opportunity"`
	Title       string `json:"title"`
}

type digestView struct {
	ID       string                  `json:"id"`
	Period   string                  `json:"period"`
	Run      string                  `json:"run,omitempty"`
	Created  time.Time               `json:"created"`
	Items    []digestItem            `json:"items"`
	Held     int                     `json:"held"` // new matches beyond max_per_digest, left on the member's page
	Channels []store.ChannelDelivery `json:"channels"`
}

func (s *Server) listDigests(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	id := param(r, "member")
	if _, err := s.store.Member(ctx, id); err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, offset, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ds, err := s.store.Digests(ctx, id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	slices.Reverse(ds)
	pg := paginate(ds, limit, offset)
	var ids []string
	for _, d := range pg.Items {
		ids = append(ids, d.Items...)
	}
	ops, err := s.store.Opportunities(ctx, ids)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	titles := make(map[string]string, len(ops))
	for _, o := range ops {
		titles[o.ID] = o.Title
	}
	out := list[digestView]{Items: make([]digestView, 0, len(pg.Items)), Total: pg.Total, NextCursor: pg.NextCursor}
	for _, d := range pg.Items {
		v := digestView{ID: d.ID, Period: d.Period, Run: d.Run, Created: d.Created, Items: make([]digestItem, 0, len(d.Items)),
			Held: len(d.Held), Channels: d.Channels}
		if v.Channels == nil {
			v.Channels = []store.ChannelDelivery{}
		}
		for _, o := range d.Items {
			v.Items = append(v.Items, digestItem{Opportunity: o, Title: titles[o]})
		}
		out.Items = append(out.Items, v)
	}
	writeJSON(w, http.StatusOK, out)
}
