package api

import (
	"net/http"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

// Staff users are the named people who sign in to the console by e-mail link; the first one is
// added with `passerelle staff add`, the others here.

type staffUserRequest struct {
	Name  string `json:"name"`
	Email string `json:"email"`
}

func (s *Server) listStaffUsers(w http.ResponseWriter, r *http.Request) {
	us, err := s.store.StaffUsers(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, list[store.StaffUser]{Items: us, Total: len(us)})
}

func (s *Server) addStaffUser(w http.ResponseWriter, r *http.Request) {
	var req staffUserRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	u, err := s.store.AddStaffUser(r.Context(), req.Name, req.Email, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "staff.add", u.ID, nil, u)
	w.Header().Set("Location", "/api/v1/staff-users/"+u.ID)
	writeJSON(w, http.StatusCreated, u)
}

// removeStaffUser removes a person and signs them out at once. Removing oneself is allowed
// (someone leaving hands over), but not the last staff user through a session: that would
// leave nobody able to sign in to the console.
func (s *Server) removeStaffUser(w http.ResponseWriter, r *http.Request) {
	id := param(r, "id")
	if sess := sessionFrom(r); sess != nil {
		us, err := s.store.StaffUsers(r.Context())
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		if len(us) == 1 && us[0].ID == id {
			s.writeError(w, r, passerelle.Errorf(passerelle.ECONFLICT, "%s is the last staff user: add another before removing this one", us[0].Name))
			return
		}
	}
	u, err := s.store.RemoveStaffUser(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "staff.remove", id, u, nil)
	w.WriteHeader(http.StatusNoContent)
}
