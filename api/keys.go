package api

import (
	"net/http"

	"github.com/passerelle/passerelle"
)

type keyRequest struct {
	Role   passerelle.Role `json:"role"`
	Member string          `json:"member,omitempty"`
}

type keyCreated struct {
	passerelle.APIKey
	Key string `json:"key"` // shown once; only its hash is stored
}

func (s *Server) createKey(w http.ResponseWriter, r *http.Request) {
	var req keyRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	var v passerelle.ValidationError
	switch req.Role {
	case passerelle.RoleStaff:
		if req.Member != "" {
			v.Add("member", "a staff key belongs to no member")
		}
	case passerelle.RoleMember:
		if req.Member == "" {
			v.Add("member", "is required for a member key")
		}
	default:
		v.Add("role", "must be staff or member")
	}
	if err := v.Err(); err != nil {
		s.writeError(w, r, err)
		return
	}
	k, secret, err := s.store.CreateKey(r.Context(), req.Role, req.Member, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusCreated, keyCreated{APIKey: k, Key: secret})
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.store.Keys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[passerelle.APIKey]{Items: ks, Total: len(ks)})
}

func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	if err := s.store.DeleteKey(r.Context(), param(r, "id")); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.WriteHeader(http.StatusNoContent)
}
