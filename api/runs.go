package api

import (
	"net/http"

	"github.com/passerelle/passerelle"
)

func (s *Server) listRuns(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, err := s.store.Runs(r.Context(), offset+limit+1)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	for i := range runs {
		runs[i] = runLists(runs[i])
	}
	pg := paginate(runs, limit, offset)
	pg.Total = -1 // unknown without counting every run; next_cursor says whether there is more
	writeJSON(w, http.StatusOK, pg)
}

func (s *Server) getRun(w http.ResponseWriter, r *http.Request) {
	run, err := s.store.Run(r.Context(), param(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, runLists(run))
}

// runLists gives a run's lists as [] where a record written before them has none.
func runLists(r passerelle.Run) passerelle.Run {
	if r.Sources == nil {
		r.Sources = []passerelle.SourceRun{}
	}
	if r.Channels == nil {
		r.Channels = []passerelle.ChannelRun{}
	}
	for i := range r.Channels {
		if r.Channels[i].Errors == nil {
			r.Channels[i].Errors = []string{}
		}
	}
	return r
}

// startRun starts the pipeline in the background: 202 with the run record, 409 if one runs.
func (s *Server) startRun(w http.ResponseWriter, r *http.Request) {
	s.start(w, r)
}

func (s *Server) start(w http.ResponseWriter, r *http.Request, sources ...string) {
	run, err := s.runner.Start(r.Context(), "api", sources...)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Location", "/api/v1/runs/"+run.ID)
	writeJSON(w, http.StatusAccepted, run)
}
