package api

import (
	"encoding/json"
	"net/http"
	"reflect"
	"sort"

	"github.com/passerelle/passerelle/store"
)

// audit records one change made through the API: who (the person signed in, else the key), what (action and target) and
// a field-by-field diff of before and after (either may be nil, on creation or deletion). The
// change is already stored when this runs, so a failure to record it is logged, not answered:
// telling the caller "failed" would be false.
func (s *Server) audit(r *http.Request, action, target string, before, after any) {
	who, name := actor(r)
	e := store.AuditEntry{At: s.now(), Actor: who, ActorName: name, Action: action, Target: target, Changes: diff(before, after)}
	if _, err := s.store.AppendAudit(r.Context(), e); err != nil {
		s.log.Error("audit log", "action", action, "target", target, "err", err)
	}
}

// diff compares two values as their JSON objects, field by field at the top level: small enough
// to read in a table, precise enough to undo a change by hand. Secrets never reach it.
func diff(before, after any) []store.AuditChange {
	b, a := asFields(before), asFields(after)
	out := []store.AuditChange{}
	changes("", b, a, &out)
	sort.Slice(out, func(i, j int) bool { return out[i].Field < out[j].Field })
	return out
}

// changes adds the fields that differ between b and a, going into objects present on both
// sides so that a changed weight reads "weights.cluster: 20 → 27", not the whole block.
func changes(prefix string, b, a map[string]any, out *[]store.AuditChange) {
	names := map[string]bool{}
	for k := range b {
		names[k] = true
	}
	for k := range a {
		names[k] = true
	}
	for k := range names {
		if prefix == "" && (k == "updated" || k == "created") { // clocks, not changes
			continue
		}
		if reflect.DeepEqual(b[k], a[k]) {
			continue
		}
		bm, bok := b[k].(map[string]any)
		am, aok := a[k].(map[string]any)
		if bok && aok {
			changes(prefix+k+".", bm, am, out)
			continue
		}
		*out = append(*out, store.AuditChange{Field: prefix + k, Before: b[k], After: a[k]})
	}
}

func asFields(v any) map[string]any {
	if v == nil || (reflect.ValueOf(v).Kind() == reflect.Pointer && reflect.ValueOf(v).IsNil()) {
		return nil
	}
	raw, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	var m map[string]any
	if json.Unmarshal(raw, &m) != nil {
		return map[string]any{"value": string(raw)}
	}
	return m
}

type auditView struct {
	Items      []store.AuditEntry `json:"items"`
	NextCursor string             `json:"next_cursor,omitempty"`
}

// listAudit answers the audit log, newest first, a page at a time.
func (s *Server) listAudit(w http.ResponseWriter, r *http.Request) {
	limit, err := pageLimit(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	pg, err := s.store.Audit(r.Context(), limit, r.URL.Query().Get("cursor"))
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, auditView{Items: pg.Entries, NextCursor: pg.Next})
}
