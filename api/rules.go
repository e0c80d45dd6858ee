package api

import (
	"net/http"
	"strconv"

	"github.com/passerelle/passerelle"
)

func (s *Server) getRules(w http.ResponseWriter, r *http.Request) {
	rules, err := s.runner.Rules(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

// putRules makes a new rules version; the old ones stay readable. Invalid rules answer 400
// with the path of each bad field.
func (s *Server) putRules(w http.ResponseWriter, r *http.Request) {
	var rules passerelle.Rules
	if err := s.decode(w, r, &rules); err != nil {
		s.writeError(w, r, err)
		return
	}
	before, err := s.runner.Rules(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	rules.Author = author(r)
	saved, err := s.store.PutRules(r.Context(), rules, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	s.audit(r, "rules.update", "v"+strconv.Itoa(saved.Version), rulesForDiff(before), rulesForDiff(saved))
	writeJSON(w, http.StatusCreated, saved)
}

func (s *Server) listRulesVersions(w http.ResponseWriter, r *http.Request) {
	vs, err := s.store.RulesVersions(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	type version struct {
		Version int    `json:"version"`
		Created any    `json:"created"`
		Comment string `json:"comment,omitempty"`
		Author  string `json:"author,omitempty"`
	}
	out := make([]version, len(vs))
	for i, v := range vs {
		out[i] = version{v.Version, v.Created, v.Comment, v.Author}
	}
	writeJSON(w, http.StatusOK, list[version]{Items: out, Total: len(out)})
}

func (s *Server) getRulesVersion(w http.ResponseWriter, r *http.Request) {
	n, err := strconv.Atoi(param(r, "n"))
	if err != nil || n < 1 {
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "rules version must be a positive whole number"))
		return
	}
	rules, err := s.store.RulesVersion(r.Context(), n)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rules)
}

// previewRules shows what a rules change would do, per member, before it goes live.
func (s *Server) previewRules(w http.ResponseWriter, r *http.Request) {
	var rules passerelle.Rules
	if err := s.decode(w, r, &rules); err != nil {
		s.writeError(w, r, err)
		return
	}
	if err := rules.Validate(); err != nil {
		s.writeError(w, r, err)
		return
	}
	rep, err := s.runner.Preview(r.Context(), rules)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, rep)
}

// rulesForDiff leaves out what every version changes (its number and date), so that the audit
// diff of a rules change lists the rules that changed, and the comment.
func rulesForDiff(r passerelle.Rules) map[string]any {
	m := asFields(r)
	delete(m, "version")
	delete(m, "author") // the audit entry says who already
	return m
}

// author names who makes a change for the records that keep it (rules versions): the
// person signed in, else "key " and the key's id.
func author(r *http.Request) string {
	id, name := actor(r)
	if name != "" {
		return name
	}
	if id != "" {
		return "key " + id
	}
	return ""
}
