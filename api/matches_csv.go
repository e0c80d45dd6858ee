package api

import (
	"bytes"
	"encoding/csv"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// matchesCSV exports a member's matches — all, or those of ?state= (saved: the saved list),
// with the member page's other filters — as CSV (RFC 4180, UTF-8 with a byte-order mark so
// that spreadsheets read the accents). Cells that a spreadsheet would run as a formula are
// quoted with a leading apostrophe: titles come from outside.
func (s *Server) matchesCSV(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	member, err := s.premiumMember(r, id, "Matches")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	q := r.URL.Query()
	state := passerelle.MatchState(q.Get("state"))
	switch state {
	case "", passerelle.MatchNew, passerelle.MatchNotified, passerelle.MatchSeen, passerelle.MatchSaved, passerelle.MatchDismissed:
	default:
		s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "state must be new, notified, seen, saved or dismissed"))
		return
	}
	minScore := 0.0
	if v := q.Get("min_score"); v != "" {
		if minScore, err = strconv.ParseFloat(v, 64); err != nil || minScore < 0 || minScore > 100 {
			s.writeError(w, r, passerelle.Errorf(passerelle.EINVALID, "min_score must be a number between 0 and 100"))
			return
		}
	}
	f, err := matchFilterOf(r)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	lang := notify.Lang(member)
	all, err := s.selectMatches(r.Context(), id, store.MatchQuery{State: state, MinScore: minScore}, f, lang)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	cw := csv.NewWriter(&buf)
	_ = cw.Write([]string{"opportunity", "title", "kind", "status", "deadline", "buyer", "clusters", "score", "state", "verdict", "reasons", "page", "url"})
	for _, m := range all {
		deadline := ""
		if m.Deadline != nil {
			deadline = m.Deadline.In(s.loc).Format(time.RFC3339)
		}
		verdict := ""
		if m.Feedback != nil {
			verdict = string(m.Feedback.Verdict)
		}
		var reasons []string
		for _, said := range m.Said {
			if said != "" {
				reasons = append(reasons, said)
			}
		}
		_ = cw.Write(cells(m.Opportunity, m.Title, string(m.Kind), string(m.Status), deadline, m.Buyer, strings.Join(m.Clusters, " "),
			strconv.Itoa(int(m.Score+0.5)), string(m.State), verdict, strings.Join(reasons, " | "),
			s.baseURL+"/app/opportunities/"+url.PathEscape(m.Opportunity), m.URL))
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		s.writeError(w, r, err)
		return
	}
	name := "passerelle-" + id
	if state != "" {
		name += "-" + string(state)
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.Map(safeFileRune, name)+`.csv"`)
	_, _ = w.Write(buf.Bytes())
}

// cells guards each value against formula injection in spreadsheets.
func cells(vs ...string) []string {
	for i, v := range vs {
		if v != "" && strings.ContainsRune("=+-@\t\r", rune(v[0])) {
			vs[i] = "'" + v
		}
	}
	return vs
}

func safeFileRune(r rune) rune {
	if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '_' {
		return r
	}
	return '_'
}
