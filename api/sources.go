package api

import (
	"net/http"

	"github.com/passerelle/passerelle"
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
	if _, err := s.store.Source(r.Context(), src.ID); err == nil {
		s.writeError(w, r, passerelle.Errorf(passerelle.ECONFLICT, "source %q already exists", src.ID))
		return
	}
	if err := s.store.PutSource(r.Context(), src); err != nil {
		s.writeError(w, r, err)
		return
	}
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
	if err := s.store.PutSource(r.Context(), src); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, src)
}

func (s *Server) deleteSource(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteSource(r.Context(), param(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
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
