package api

import (
	"errors"
	"net/http"
	"net/url"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// The links of a digest work without signing in: each carries a token signed with the
// store's link secret (notify.SignToken) naming the member and, for a match, the opportunity.
// Mail scanners open every link of a message, so a GET only ever shows a page; what changes
// state is the POST of that page's form (and the RFC 8058 one-click POST of a mail client).
//
//	GET  /app/feedback/{token}?verdict=…   asks to confirm a verdict
//	POST /app/feedback/{token}             records it (store.SetFeedback, as the API does)
//	GET  /u/{token}                        asks to confirm unsubscribing
//	POST /u/{token}                        unsubscribes: notify.frequency becomes off

func (s *Server) linkRoutes(r chi.Router, wb *web) {
	r.Get("/app/opportunities/{id}", wb.page("opportunity"))
	r.Get("/app/feedback/{token}", s.feedbackPage(wb))
	r.Post("/app/feedback/{token}", s.feedbackPost(wb))
	r.Get("/u/{token}", s.unsubscribePage(wb))
	r.Post("/u/{token}", s.unsubscribePost(wb))
}

// claim checks the token of the request's path for purpose.
func (s *Server) claim(r *http.Request, tok, purpose string) (notify.Claim, error) {
	secret, err := s.store.LinkSecret(r.Context())
	if err != nil {
		return notify.Claim{}, err
	}
	return notify.VerifyToken(secret, tok, purpose)
}

// linkError answers a link that cannot be followed: a page saying why for a browser, a
// problem+json for a program (a mail client's one-click POST, a script).
func (s *Server) linkError(w http.ResponseWriter, r *http.Request, wb *web, err error) {
	if !strings.Contains(r.Header.Get("Accept"), "text/html") {
		s.writeError(w, r, err)
		return
	}
	status, ok := statusOf[passerelle.ErrorCode(err)]
	if !ok || status >= 500 {
		s.log.Error("link failed", "path", r.URL.Path, "err", err)
		status = http.StatusInternalServerError
	}
	wb.render(w, r, "linkerror", status, linkErrorView{Status: status, Detail: passerelle.ErrorMessage(err)})
}

type linkErrorView struct {
	Status int
	Detail string
}

// feedbackView is what the confirmation page of a digest's feedback button shows.
type feedbackView struct {
	Token    string
	Title    string
	Member   string
	Verdict  string // the verdict asked for (relevant or not_relevant)
	Current  string // the verdict already given, if any
	Done     bool   // the verdict was just recorded
	PageLink string // the opportunity's page, signed with the same token
}

// matchOfToken loads the member and the match a match token names.
func (s *Server) matchOfToken(r *http.Request, tok string) (notify.Claim, passerelle.Member, passerelle.Match, passerelle.Opportunity, error) {
	c, err := s.claim(r, tok, notify.PurposeMatch)
	if err != nil {
		return c, passerelle.Member{}, passerelle.Match{}, passerelle.Opportunity{}, err
	}
	m, err := s.store.Member(r.Context(), c.Member)
	if err != nil {
		return c, m, passerelle.Match{}, passerelle.Opportunity{}, err
	}
	mt, err := s.store.Match(r.Context(), c.Member, c.Opportunity)
	if err != nil {
		return c, m, mt, passerelle.Opportunity{}, err
	}
	o, err := s.store.Opportunity(r.Context(), c.Opportunity)
	if passerelle.ErrorCode(err) == passerelle.ENOTFOUND {
		o, err = passerelle.Opportunity{ID: c.Opportunity, Title: c.Opportunity}, nil
	}
	return c, m, mt, o, err
}

func (s *Server) feedbackView(r *http.Request, tok string, m passerelle.Member, mt passerelle.Match, o passerelle.Opportunity) feedbackView {
	v := feedbackView{Token: tok, Title: notify.Title(o, pageLangOf(r)), Member: m.Name,
		PageLink: "/app/opportunities/" + url.PathEscape(o.ID) + "?t=" + url.QueryEscape(tok)}
	if mt.Feedback != nil {
		v.Current = string(mt.Feedback.Verdict)
	}
	return v
}

// pageLangOf is the page language a request asks for, without remembering it.
func pageLangOf(r *http.Request) string {
	if l := r.URL.Query().Get("lang"); l == "en" || l == "fr" {
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && c.Value == "en" {
		return "en"
	}
	return "fr"
}

func (s *Server) feedbackPage(wb *web) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := chi.URLParam(r, "token")
		_, m, mt, o, err := s.matchOfToken(r, tok)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		v := s.feedbackView(r, tok, m, mt, o)
		switch verdict := r.URL.Query().Get("verdict"); verdict {
		case "", string(passerelle.VerdictRelevant), string(passerelle.VerdictNotRelevant):
			v.Verdict = verdict
		default:
			s.linkError(w, r, wb, passerelle.Errorf(passerelle.EINVALID, "verdict %q: the buttons say relevant or not_relevant", verdict))
			return
		}
		if v.Verdict == "" {
			v.Verdict = string(passerelle.VerdictRelevant)
		}
		w.Header().Set("Cache-Control", "no-store")
		wb.render(w, r, "feedback", http.StatusOK, v)
	}
}

func (s *Server) feedbackPost(wb *web) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := chi.URLParam(r, "token")
		c, m, _, _, err := s.matchOfToken(r, tok)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if err := r.ParseForm(); err != nil {
			s.linkError(w, r, wb, passerelle.Errorf(passerelle.EINVALID, "form: %v", err))
			return
		}
		verdict := passerelle.Verdict(r.PostForm.Get("verdict"))
		if verdict != passerelle.VerdictRelevant && verdict != passerelle.VerdictNotRelevant {
			s.linkError(w, r, wb, passerelle.Errorf(passerelle.EINVALID, "verdict %q: choose relevant or not_relevant", verdict))
			return
		}
		reason := strings.TrimSpace(r.PostForm.Get("reason"))
		if len(reason) > 2000 {
			s.linkError(w, r, wb, passerelle.Errorf(passerelle.EINVALID, "reason: at most 2000 characters"))
			return
		}
		// The same store path as PUT /api/v1/members/{id}/matches/{opportunity}/feedback.
		mt, err := s.store.SetFeedback(r.Context(), c.Member, c.Opportunity, passerelle.Feedback{Verdict: verdict, Reason: reason, At: s.now()})
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		o, err := s.store.Opportunity(r.Context(), c.Opportunity)
		if err != nil {
			o = passerelle.Opportunity{ID: c.Opportunity, Title: c.Opportunity}
		}
		v := s.feedbackView(r, tok, m, mt, o)
		v.Verdict, v.Done = string(verdict), true
		w.Header().Set("Cache-Control", "no-store")
		wb.render(w, r, "feedback", http.StatusOK, v)
	}
}

// unsubscribeView is what the unsubscribe page shows.
type unsubscribeView struct {
	Token  string
	Member string
	Off    bool // digests are off (already, or now)
	Done   bool // just turned off by this request
}

func (s *Server) unsubscribePage(wb *web) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := chi.URLParam(r, "token")
		c, err := s.claim(r, tok, notify.PurposeUnsubscribe)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		m, err := s.store.Member(r.Context(), c.Member)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		wb.render(w, r, "unsubscribe", http.StatusOK, unsubscribeView{Token: tok, Member: m.Name, Off: m.Notify.Frequency == "off"})
	}
}

// unsubscribePost turns the member's digests off: the one-click POST of RFC 8058 (body
// List-Unsubscribe=One-Click, sent by the mail client without cookies) or the page's button.
// Already off is a success too: the member asked for the state it is in.
func (s *Server) unsubscribePost(wb *web) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		tok := chi.URLParam(r, "token")
		c, err := s.claim(r, tok, notify.PurposeUnsubscribe)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
		if strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			err = r.ParseMultipartForm(16 << 10)
		} else {
			err = r.ParseForm()
		}
		if err != nil && !errors.Is(err, http.ErrNotMultipart) {
			s.linkError(w, r, wb, passerelle.Errorf(passerelle.EINVALID, "form: %v", err))
			return
		}
		cur, err := s.store.Member(r.Context(), c.Member)
		if err != nil {
			s.linkError(w, r, wb, err)
			return
		}
		done := false
		if cur.Notify.Frequency != "off" {
			m := cur
			m.Notify.Frequency = "off"
			m, err = s.store.PutMember(r.Context(), m, s.now())
			if err != nil {
				s.linkError(w, r, wb, err)
				return
			}
			// The member's own change, made through its signed link: the log says so.
			e := store.AuditEntry{At: s.now(), Actor: "member:" + m.ID + " (unsubscribe link)", Action: "member.update", Target: m.ID,
				Changes: diff(cur, m)}
			if _, err := s.store.AppendAudit(r.Context(), e); err != nil {
				s.log.Error("audit log", "action", e.Action, "target", e.Target, "err", err)
			}
			done = true
		}
		w.Header().Set("Cache-Control", "no-store")
		if !strings.Contains(r.Header.Get("Accept"), "text/html") {
			// A mail client's one-click POST reads nothing: a short plain answer.
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write([]byte("unsubscribed: member " + cur.ID + " receives no more digests\n"))
			return
		}
		wb.render(w, r, "unsubscribe", http.StatusOK, unsubscribeView{Token: tok, Member: cur.Name, Off: true, Done: done})
	}
}
