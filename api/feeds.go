package api

import (
	"bytes"
	"net/http"
	"strings"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// feedSize bounds a feed: the best matches, not a member's whole history.
const feedSize = 100

type feedLinks struct {
	Atom string `json:"atom"`
	ICS  string `json:"ics"`
}

type feedState struct {
	// Exists says whether the member has feed addresses. They are shown only when made
	// (POST): the store keeps a hash of their token, not the token.
	Exists bool `json:"exists"`
}

// memberFeeds says whether the member has feed addresses; it never makes one (a GET changes
// nothing) and cannot show one (only its hash is kept).
func (s *Server) memberFeeds(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	if _, err := s.premiumMember(r, id, "Feeds"); err != nil {
		s.writeError(w, r, err)
		return
	}
	ok, err := s.store.HasFeedToken(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, feedState{Exists: ok})
}

// rotateFeeds makes the member new secret addresses for its Atom and iCal feeds and shows
// them, once; the old ones stop working. The member itself or staff may do it. The token in
// them is the only credential a feed reader has: treat the URLs as secrets.
func (s *Server) rotateFeeds(w http.ResponseWriter, r *http.Request) {
	id := param(r, "member")
	if _, err := s.premiumMember(r, id, "Feeds"); err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, err := s.store.RotateFeedToken(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Cache-Control", "no-store")
	writeJSON(w, http.StatusCreated, feedLinks{Atom: s.baseURL + "/feeds/" + tok + ".atom", ICS: s.baseURL + "/feeds/" + tok + ".ics"})
}

func (s *Server) feedAtom(w http.ResponseWriter, r *http.Request) {
	s.feed(w, r, "application/atom+xml; charset=utf-8", func(buf *bytes.Buffer, m passerelle.Member, items []notify.Item) error {
		return notify.WriteAtom(buf, m, items, s.baseURL+r.URL.Path, s.now().In(s.loc))
	})
}

func (s *Server) feedICS(w http.ResponseWriter, r *http.Request) {
	s.feed(w, r, "text/calendar; charset=utf-8", func(buf *bytes.Buffer, m passerelle.Member, items []notify.Item) error {
		return notify.WriteICS(buf, m, items, s.now().In(s.loc))
	})
}

// feed serves one member's feed, found by its secret token. An unknown token is a 404.
func (s *Server) feed(w http.ResponseWriter, r *http.Request, contentType string, write func(*bytes.Buffer, passerelle.Member, []notify.Item) error) {
	tok := strings.TrimSuffix(strings.TrimSuffix(param(r, "token"), ".atom"), ".ics")
	id, err := s.store.MemberByFeedToken(r.Context(), tok)
	if err != nil {
		s.writeError(w, r, passerelle.Errorf(passerelle.ENOTFOUND, "no such feed"))
		return
	}
	m, err := s.store.Member(r.Context(), id)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	page, err := s.store.MatchesPage(r.Context(), id, store.MatchQuery{Limit: feedSize})
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	byID, err := s.opportunitiesOf(r.Context(), page.Matches)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	items := make([]notify.Item, 0, len(page.Matches))
	for _, mt := range page.Matches {
		if o, ok := byID[mt.Opportunity]; ok {
			items = append(items, notify.Item{Match: mt, Opportunity: o})
		}
	}
	var buf bytes.Buffer
	if err := write(&buf, m, items); err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", contentType)
	w.Header().Set("Cache-Control", "private, max-age=300")
	_, _ = w.Write(buf.Bytes())
}

// feedByExtension routes /feeds/{token}.atom and /feeds/{token}.ics (chi cannot split a
// path segment on a dot for us).
func (s *Server) feedByExtension(w http.ResponseWriter, r *http.Request) {
	switch t := param(r, "token"); {
	case strings.HasSuffix(t, ".atom"):
		s.feedAtom(w, r)
	case strings.HasSuffix(t, ".ics"):
		s.feedICS(w, r)
	default:
		s.writeError(w, r, passerelle.Errorf(passerelle.ENOTFOUND, "a feed ends in .atom or .ics"))
	}
}
