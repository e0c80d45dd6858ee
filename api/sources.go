package api

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/source"
)

func (s *Server) listSources(w http.ResponseWriter, r *http.Request) {
	srcs, err := s.store.Sources(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[passerelle.Source]{Items: srcs, Total: len(srcs)})
}

func (s *Server) createSource(w http.ResponseWriter, r *http.Request) {
	var src passerelle.Source
	if err := s.decode(w, r, &src); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.validSource(&src); err != nil { // before the existence check: an empty id is a bad field, not a conflict
		s.writeError(w, r, err)
		return
	}
	if _, err := s.store.Source(r.Context(), src.ID); err == nil {
		s.writeError(w, r, passerelle.Errorf(passerelle.ECONFLICT, "source %q already exists", src.ID))
		return
	}
	if err := s.store.PutSource(r.Context(), src); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "source.create", src.ID, nil, src)
	w.Header().Set("Location", "/api/v1/sources/"+src.ID)
	writeJSON(w, http.StatusCreated, src)
}

func (s *Server) getSource(w http.ResponseWriter, r *http.Request) {
	src, err := s.store.Source(r.Context(), param(r, "id"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, src)
}

func (s *Server) putSource(w http.ResponseWriter, r *http.Request) {
	var src passerelle.Source
	if err := s.decode(w, r, &src); err != nil {
		s.writeError(w, r, err)
		return
	}
	id := param(r, "id")
	if src.ID == "" {
		src.ID = id
	}
	if src.ID != id {
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "id %q in the body differs from %q in the path", src.ID, id))
		return
	}
	if err := s.validSource(&src); err != nil {
		s.writeError(w, r, err)
		return
	}
	before, err := s.store.Source(r.Context(), id)
	var prev any = before
	if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
		prev = nil
	} else if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.PutSource(r.Context(), src); err != nil {
		s.writeError(w, r, err)
		return
	}
	action := "source.update"
	if prev == nil {
		action = "source.create"
	}
	s.audit(r, action, id, prev, src)
	writeJSON(w, http.StatusOK, src)
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	before, err := s.store.Source(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteSource(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "source.delete", id, before, nil)
	w.WriteHeader(http.StatusNoContent)
}

// validSource checks a source's fields, then that this server may read its address (local
// paths may be switched off by allow_local_sources).
func (s *Server) validSource(src *passerelle.Source) error {
	if err := src.Validate(); err != nil {
		return err
	}
	return s.fetcher.CheckURL(src.URL)
}

// runSource starts a run of one source now (202; 409 if a run is in progress).
func (s *Server) runSource(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	if _, err := s.store.Source(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.start(w, r, id)
}

// sourceTest is what "test this source" shows before anything is saved: the first records as
// they would be stored, and what went wrong with the others.
type sourceTest struct {
	Fetched  int                      `json:"fetched"` // documents read
	Records  int                      `json:"records"` // opportunities read in all
	Sample   []passerelle.Opportunity `json:"sample"`  // the first ones, normalised as stored
	Warnings []string                 `json:"warnings"`
	Error    string                   `json:"error,omitempty"` // set when nothing could be read
}

const (
	sourceTestSample  = 5
	sourceTestTimeout = 60 * time.Second
	maxWarningsShown  = 20
)

// testSource fetches and parses a source given in the body, stores nothing, and answers 200
// with what it read, even when it read nothing: the failure is the answer the staff member
// asked for. An invalid source (a mistyped URL) is refused with 400 before any fetch.
func (s *Server) testSource(w http.ResponseWriter, r *http.Request) {
	var src passerelle.Source
	if err := s.decode(w, r, &src); err != nil {
		s.writeError(w, r, err)
		return
	}
	if src.ID == "" {
		src.ID = "test" // an id is needed for opportunity ids, not for a test
	}
	if err := s.validSource(&src); err != nil {
		s.writeError(w, r, err)
		return
	}
	ctx, cancel := context.WithTimeout(r.Context(), sourceTestTimeout)
	defer cancel()
	res, err := s.fetcher.Load(ctx, src, source.Validators{})
	out := sourceTest{Fetched: res.Fetched, Records: len(res.Opportunities), Sample: []passerelle.Opportunity{}, Warnings: []string{}}
	if err != nil {
		var pe *passerelle.Error
		if errors.As(err, &pe) && pe.Code == passerelle.EINVALID {
			s.writeError(w, r, err)
			return
		}
		out.Error = err.Error()
	}
	for i, o := range res.Opportunities {
		if i == sourceTestSample {
			break
		}
		o.Status = o.ComputeStatus(s.now()) // as the pipeline sets it when it stores the record
		out.Sample = append(out.Sample, o)
	}
	for i, e := range res.Errors {
		if i == maxWarningsShown {
			out.Warnings = append(out.Warnings, "…")
			break
		}
		out.Warnings = append(out.Warnings, e.Error())
	}
	writeJSON(w, http.StatusOK, out)
}

// sourceRunView is one past run of one source, with the run it belonged to.
type sourceRunView struct {
	passerelle.SourceRun
	Run       string               `json:"run"`
	Trigger   string               `json:"trigger"`
	RunStatus passerelle.RunStatus `json:"run_status"`
}

// historyRunsScanned bounds how far back a source's history looks: a year of nightly runs.
const historyRunsScanned = 400

// sourceHistory lists the last runs of one source, newest first: counts and errors.
func (s *Server) sourceHistory(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	if _, err := s.store.Source(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	runs, err := s.store.Runs(r.Context(), historyRunsScanned)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := []sourceRunView{}
	for _, run := range runs {
		for _, sr := range run.Sources {
			if sr.Source == id && len(out) < limit {
				if sr.Errors == nil {
					sr.Errors = []string{}
				}
				out = append(out, sourceRunView{SourceRun: sr, Run: run.ID, Trigger: run.Trigger, RunStatus: run.Status})
			}
		}
	}
	writeJSON(w, http.StatusOK, list[sourceRunView]{Items: out, Total: len(out)})
}
