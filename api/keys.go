package api

import (
	"net/http"
	"sort"
	"time"

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
	s.audit(r, "key.create", k.ID, nil, k) // the APIKey value, never the secret
	writeJSON(w, http.StatusCreated, keyCreated{APIKey: k, Key: secret})
}

// keyView is a key as staff see it: never its secret, with when it was last used.
type keyView struct {
	passerelle.APIKey
	LastUsed *time.Time `json:"last_used"` // null: never used
}

func (s *Server) listKeys(w http.ResponseWriter, r *http.Request) {
	ks, err := s.store.Keys(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	used, err := s.store.KeysLastUsed(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]keyView, len(ks))
	for i, k := range ks {
		out[i] = keyView{APIKey: k}
		if t, ok := used[k.ID]; ok {
			out[i].LastUsed = &t
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Created.After(out[j].Created) })
	writeJSON(w, http.StatusOK, list[keyView]{Items: out, Total: len(out)})
}

// deleteKey revokes a key at once. Revoking the key of the request itself is allowed: it is
// how a leaked staff key is retired, and the console then asks for another.
func (s *Server) deleteKey(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	var before any
	if ks, err := s.store.Keys(r.Context()); err == nil {
		for _, k := range ks {
			if k.ID == id {
				before = k
			}
		}
	}
	if err := s.store.DeleteKey(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "key.revoke", id, before, nil)
	w.WriteHeader(http.StatusNoContent)
}
