package api

import (
	"context"
	"crypto/subtle"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/store"
)

// People sign in by e-mail link (DESIGN §6); programs keep their API keys.
//
//   - POST /auth/link answers 202 whatever the address, at once: the look-up, the link and the
//     mail happen after the answer, so neither the answer nor its timing says whether the
//     address is known. Attempts are limited per address and per client IP (429).
//   - GET /auth/login?token= only shows a confirmation page (mail scanners and link previews
//     follow links: a GET never changes state); its button POSTs the token, which spends it
//     and opens the session.
//   - The session cookie is HttpOnly, SameSite=Lax, Secure (and __Host- prefixed) when the
//     base URL is https. A request made with it that changes state must pass two checks:
//     the browser's Fetch Metadata / Origin say it comes from this origin (net/http's
//     CrossOriginProtection), and it carries the session's CSRF token in X-CSRF-Token, which
//     only this origin's pages can read (from whoami). Either alone stops a cross-site form
//     or fetch in current browsers; the token also covers old browsers that send neither
//     header, and the origin check covers a leaked token. A request with a Bearer key is
//     judged by its key alone: no browser adds that header on its own.

// SignInMailer sends a sign-in link (notify.Mailer does, by SMTP).
type SignInMailer interface {
	SendSignInLink(ctx context.Context, to, link string, valid time.Duration) error
}

const (
	// linkTTL is how long a sign-in link works.
	linkTTL = 15 * time.Minute
	// defaultSessionTTL is how long a session lasts when Config says nothing.
	defaultSessionTTL = 7 * 24 * time.Hour
	// csrfHeader carries the session's CSRF token on unsafe requests made with the cookie.
	csrfHeader = "X-CSRF-Token"
	// Attempts allowed per address and per client IP in linkWindow.
	linksPerAddress = 5
	linksPerIP      = 20
	linkWindow      = time.Hour
)

// signIn is the server's sign-in state: limits, the mailer, the cookie's name and flags.
type signIn struct {
	mailer     SignInMailer
	byAddress  *rateLimit
	byIP       *rateLimit
	sessionTTL time.Duration
	base       string // the address links are built on: the base URL, else the listen URL
	cookie     string // __Host-passerelle_session under https, passerelle_session otherwise
	secure     bool
	origin     *http.CrossOriginProtection
	pending    sync.WaitGroup // links being looked up and mailed after their answer
}

func newSignIn(cfg Config) *signIn {
	si := &signIn{mailer: cfg.SignInMailer, sessionTTL: cfg.SessionTTL,
		byAddress: newRateLimit(linksPerAddress, linkWindow), byIP: newRateLimit(linksPerIP, linkWindow),
		cookie: "passerelle_session", origin: http.NewCrossOriginProtection()}
	if si.sessionTTL <= 0 {
		si.sessionTTL = defaultSessionTTL
	}
	si.base = strings.TrimRight(cfg.BaseURL, "/")
	if si.base == "" {
		si.base = strings.TrimRight(cfg.ListenURL, "/")
	}
	if u, err := url.Parse(si.base); err == nil && u.Scheme == "https" {
		si.secure, si.cookie = true, "__Host-passerelle_session"
	}
	return si
}

// WaitSignIns waits for the sign-in links already asked for to be mailed (or to fail): a
// server shutting down lets them go out, and tests know when a mail was sent or not.
func (s *Server) WaitSignIns() { s.signIn.pending.Wait() }

func (s *Server) authRoutes(r chi.Router) {
	r.Route("/auth", func(r chi.Router) {
		r.Use(apiNoStore)
		r.Post("/link", s.askSignInLink)
		r.With(pageHeaders).Get("/login", s.loginPage)
		r.With(pageHeaders).Post("/login", s.login)
		r.Post("/logout", s.logout)
	})
}

type linkRequest struct {
	Email string `json:"email"`
}

type linkAnswer struct {
	Status string `json:"status"`
	Detail string `json:"detail"`
}

// askSignInLink: 202 for any well-formed address, known or not.
func (s *Server) askSignInLink(w http.ResponseWriter, r *http.Request) {
	if err := s.signIn.origin.Check(r); err != nil {
		s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "Cross-site request refused: ask for a sign-in link on Passerelle's own page"))
		return
	}
	var req linkRequest
	if err := s.decode(w, r, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	addr := store.NormalEmail(req.Email)
	if addr == "" {
		var v passerelle.ValidationError
		v.Add("email", "is not an e-mail address")
		s.writeError(w, r, v.Err())
		return
	}
	now := s.now()
	if ok, wait := s.signIn.byIP.allow(clientIP(r), now); !ok {
		s.tooMany(w, r, wait, "too many sign-in links asked from your address (IP): try again later")
		return
	}
	if ok, wait := s.signIn.byAddress.allow(addr, now); !ok {
		s.tooMany(w, r, wait, "too many sign-in links asked for this e-mail address: use the last one received, or try again later")
		return
	}
	s.signIn.pending.Add(1)
	go func() {
		defer s.signIn.pending.Done()
		ctx, cancel := context.WithTimeout(context.WithoutCancel(r.Context()), time.Minute)
		defer cancel()
		s.mailSignInLink(ctx, addr, now)
	}()
	writeJSON(w, http.StatusAccepted, linkAnswer{Status: "accepted",
		Detail: "if this address belongs to a member's contact or a staff user, a sign-in link valid 15 minutes is on its way"})
}

// mailSignInLink looks the address up and, when someone has it, mails a link. What happens
// is only logged: the asker was answered already.
func (s *Server) mailSignInLink(ctx context.Context, addr string, now time.Time) {
	p, ok, err := s.store.PrincipalFor(ctx, addr)
	if err != nil {
		s.log.Error("sign-in link: looking the address up", "err", err)
		return
	}
	if !ok {
		s.log.Info("sign-in link asked for an unknown address")
		return
	}
	if s.signIn.mailer == nil || s.signIn.base == "" {
		s.log.Error("sign-in link not sent: no smtp server or no base_url configured", "role", p.Role)
		return
	}
	token, err := s.store.CreateSignInLink(ctx, p, now, linkTTL)
	if err != nil {
		s.log.Error("sign-in link: storing it", "err", err)
		return
	}
	// The link is built from the configured base URL, never from the request's Host header:
	// otherwise a forged Host would mail a victim a working link to someone else's server.
	link := s.signIn.base + "/auth/login?token=" + url.QueryEscape(token)
	if err := s.signIn.mailer.SendSignInLink(ctx, addr, link, linkTTL); err != nil {
		s.log.Error("sign-in link: mailing it", "err", err)
		return
	}
	s.log.Info("sign-in link sent", "role", p.Role, "member", p.Member, "staff", p.Staff)
}

func (s *Server) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration, msg string) {
	secs := int(wait.Seconds() + 0.999)
	w.Header().Set("Retry-After", strconv.Itoa(max(secs, 1)))
	s.writeError(w, r, passerelle.Errorf(passerelle.ETOOMANY, "%s (in %d minutes)", msg, max((secs+59)/60, 1)))
}

// clientIP is the request's remote host (RealIP has already applied X-Forwarded-For).
func clientIP(r *http.Request) string {
	if h, _, err := net.SplitHostPort(r.RemoteAddr); err == nil {
		return h
	}
	return r.RemoteAddr
}

// loginView is what the confirmation page shows.
type loginView struct {
	Token string
	Error string // a reason the link does not work; empty when it does
	Email string
}

// loginPage shows the confirmation button for a link, without spending it.
func (s *Server) loginPage(w http.ResponseWriter, r *http.Request) {
	token := r.URL.Query().Get("token")
	p, err := s.store.CheckSignInLink(r.Context(), token, s.now())
	if err != nil {
		s.web.render(w, r, "login", http.StatusUnauthorized, loginView{Error: "Ce lien de connexion est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau."})
		return
	}
	s.web.render(w, r, "login", http.StatusOK, loginView{Token: token, Email: p.Email})
}

// login spends a link and opens the session, then sends the visitor to its page.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	if err := s.signIn.origin.Check(r); err != nil {
		s.web.render(w, r, "login", http.StatusForbidden, loginView{Error: "Cette demande de connexion ne vient pas de ce site : ouvrez le lien reçu par e-mail."})
		return
	}
	r.Body = http.MaxBytesReader(w, r.Body, 4096)
	token := r.PostFormValue("token")
	secret, sess, err := s.store.UseSignInLink(r.Context(), token, s.now(), s.signIn.sessionTTL)
	if err != nil {
		if passerelle.ErrorCode(err) != passerelle.EUNAUTHORIZED {
			s.log.Error("opening a session", "err", err)
		}
		s.web.render(w, r, "login", http.StatusUnauthorized, loginView{Error: "Ce lien de connexion est inconnu, déjà utilisé ou expiré. Demandez-en un nouveau."})
		return
	}
	http.SetCookie(w, &http.Cookie{Name: s.signIn.cookie, Value: secret, Path: "/", Expires: sess.Expires,
		MaxAge: int(sess.Expires.Sub(s.now()).Seconds()), HttpOnly: true, Secure: s.signIn.secure, SameSite: http.SameSiteLaxMode})
	to := "/app/member"
	if sess.Role == passerelle.RoleStaff {
		to = "/app/staff"
	}
	s.log.Info("signed in", "role", sess.Role, "member", sess.Member, "staff", sess.Staff)
	http.Redirect(w, r, to, http.StatusSeeOther)
}

// logout ends the session of the cookie, if any, and clears the cookie: 204 either way.
func (s *Server) logout(w http.ResponseWriter, r *http.Request) {
	if err := s.signIn.origin.Check(r); err != nil {
		s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "Cross-site request refused: sign out from Passerelle's own pages"))
		return
	}
	if c, err := r.Cookie(s.signIn.cookie); err == nil && c.Value != "" {
		if err := s.store.EndSession(r.Context(), c.Value); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	http.SetCookie(w, &http.Cookie{Name: s.signIn.cookie, Value: "", Path: "/", MaxAge: -1, HttpOnly: true, Secure: s.signIn.secure, SameSite: http.SameSiteLaxMode})
	w.WriteHeader(http.StatusNoContent)
}

const sessionCtx ctxKey = 100

// sessionFrom is the session a request was made with; nil for a request made with a key.
func sessionFrom(r *http.Request) *store.Session {
	sess, _ := r.Context().Value(sessionCtx).(*store.Session)
	return sess
}

// withSession authenticates a request by its session cookie. It answers (and returns false)
// when the session is not usable or when an unsafe request fails the CSRF checks.
func (s *Server) withSession(w http.ResponseWriter, r *http.Request, c *http.Cookie) (*http.Request, bool) {
	sess, err := s.store.SessionBy(r.Context(), c.Value, s.now())
	if err != nil {
		s.writeError(w, r, err)
		return r, false
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if err := s.signIn.origin.Check(r); err != nil {
			s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "Cross-site request refused: a change made with a session must come from Passerelle's own pages"))
			return r, false
		}
		if !sameSecret(r.Header.Get(csrfHeader), sess.CSRF) {
			s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "CSRF token missing or wrong: a change made with a session must send the "+csrfHeader+" header its page got from whoami"))
			return r, false
		}
	}
	key := passerelle.APIKey{Role: sess.Role, Member: sess.Member, Created: sess.Created}
	ctx := context.WithValue(r.Context(), keyCtx, key)
	ctx = context.WithValue(ctx, sessionCtx, &sess)
	return r.WithContext(ctx), true
}

// sameSecret compares in constant time; an empty expected token matches nothing.
func sameSecret(got, want string) bool {
	return want != "" && subtle.ConstantTimeCompare([]byte(got), []byte(want)) == 1
}

// actor is who made a request, for the audit log: the named staff user (or the contact's
// address) when it came with a session, the key id otherwise.
func actor(r *http.Request) (id, name string) {
	if sess := sessionFrom(r); sess != nil {
		if sess.Role == passerelle.RoleStaff {
			return sess.Staff, sess.Name + " <" + sess.Email + ">"
		}
		return sess.Email, strings.TrimSpace(sess.Name + " (" + sess.Member + ")")
	}
	return keyFrom(r).ID, ""
}

// personView is the person behind a session, as whoami tells its page; CSRF is the token the
// page repeats in X-CSRF-Token on the changes it makes.
type personView struct {
	Name    string    `json:"name"`
	Email   string    `json:"email"`
	Staff   string    `json:"staff,omitempty"`
	Expires time.Time `json:"expires"`
	CSRF    string    `json:"csrf"`
}

func personOf(r *http.Request) *personView {
	sess := sessionFrom(r)
	if sess == nil {
		return nil
	}
	return &personView{Name: sess.Name, Email: sess.Email, Staff: sess.Staff, Expires: sess.Expires, CSRF: sess.CSRF}
}
