package api

import (
	"bytes"
	"encoding/json"
	"net/http"
	"reflect"
	"slices"

	"github.com/passerelle/passerelle"
)

func (s *Server) listMembers(w http.ResponseWriter, r *http.Request) {
	limit, offset, err := page(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	ms, err := s.store.Members(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, paginate(ms, limit, offset))
}

func (s *Server) createMember(w http.ResponseWriter, r *http.Request) {
	m, _, err := s.decodeMember(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.hooks.ValidateMember(&m); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err = s.store.CreateMember(r.Context(), m, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "member.create", m.ID, nil, m)
	s.rematch(r, m.ID)
	w.Header().Set("Location", "/api/v1/members/"+m.ID)
	writeJSON(w, http.StatusCreated, m)
}

func (s *Server) getMember(w http.ResponseWriter, r *http.Request) {
	m, err := s.store.Member(r.Context(), param(r, "member"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, m)
}

// putMember replaces a member's profile. A member key may edit its own profile but not its tier.
// A body without `profiles` (a client written before profiles existed) replaces the first
// profile with its top-level matching fields and keeps the member's other profiles: an old
// client never deletes a business line it does not know of.
func (s *Server) putMember(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	m, top, err := s.decodeMember(w, r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	anyTop, withProfiles := matchingKeys(top)
	if !withProfiles || anyTop {
		cur, err := s.store.Member(r.Context(), id)
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		switch {
		case !withProfiles:
			m.Profiles = slices.Clone(cur.Profiles)
			m.TopEdited()
		// Both sides sent (a member read, changed, sent back): the side that differs
		// from the stored member is the edit, and carries over to the other.
		case reflect.DeepEqual(m.Profiles, cur.Profiles):
			m.TopEdited()
		case reflect.DeepEqual(topOf(m), topOf(cur)):
			m.ProfilesEdited()
		}
	}
	s.saveMember(w, r, id, m)
}

// topOf is m's top-level matching fields, as a profile without id or name.
func topOf(m passerelle.Member) passerelle.Profile {
	m.Profiles, m.Name = nil, ""
	p := m.EffectiveProfiles()[0]
	p.ID, p.Name = "", ""
	return p
}

// patchMember merges the given fields into the stored profile (JSON merge patch, RFC 7396,
// at the top level).
func (s *Server) patchMember(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	cur, err := s.store.Member(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var patch map[string]json.RawMessage
	if err := s.decode(w, r, &patch); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := checkProfilesJSON(patch["profiles"]); err != nil {
		s.writeError(w, r, err)
		return
	}
	base, _ := json.Marshal(cur)
	var merged map[string]json.RawMessage
	_ = json.Unmarshal(base, &merged)
	for k, v := range patch {
		if string(v) == "null" {
			delete(merged, k)
		} else {
			merged[k] = v
		}
	}
	buf, _ := json.Marshal(merged)
	var m passerelle.Member
	dec := json.NewDecoder(bytes.NewReader(buf))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		s.writeError(w, r, fieldError("", err))
		return
	}
	// The top-level matching fields are the first profile: what the patch changed of one
	// side carries over to the other (both changed: they must agree, Validate says).
	switch anyTop, withProfiles := matchingKeys(patch); {
	case withProfiles && !anyTop:
		m.ProfilesEdited()
	case anyTop && !withProfiles:
		m.TopEdited()
	}
	s.saveMember(w, r, id, m)
}

func (s *Server) saveMember(w http.ResponseWriter, r *http.Request, id string, m passerelle.Member) {
	if m.ID == "" {
		m.ID = id
	}
	if m.ID != id {
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "id %q in the body differs from %q in the path", m.ID, id))
		return
	}
	cur, err := s.store.Member(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if keyFrom(r).Role != passerelle.RoleStaff {
		if cur.Tier != m.Tier {
			s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "Only staff can change a member's tier"))
			return
		}
	}
	if err := s.hooks.ValidateMember(&m); err != nil {
		s.writeError(w, r, err)
		return
	}
	m, err = s.store.PutMember(r.Context(), m, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "member.update", id, cur, m)
	s.rematch(r, id)
	writeJSON(w, http.StatusOK, m)
}

// rematch matches a new or edited profile at once against the open opportunities, so that the
// member sees its matches without waiting for the night. A failure is logged, not returned:
// the profile is saved and the nightly run will catch up.
func (s *Server) rematch(r *http.Request, id string) {
	if s.runner == nil {
		return
	}
	if _, err := s.runner.MatchMember(r.Context(), id); err != nil {
		s.log.Error("matching edited profile", "member", id, "err", err)
	}
}

func (s *Server) deleteMember(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	before, err := s.store.Member(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := s.store.DeleteMember(r.Context(), id); err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "member.delete", id, before, nil)
	w.WriteHeader(http.StatusNoContent)
}
