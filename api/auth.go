package api

import (
	"context"
	"net/http"
	"strings"

	"github.com/passerelle/passerelle"
)

type ctxKey int

const keyCtx ctxKey = iota

// authenticate requires a valid bearer key, or a session cookie (auth_signin.go), and puts
// the key (a session's stands for its member or for staff) in the request context.
func (s *Server) authenticate(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := r.Header.Get("Authorization")
		if c, err := r.Cookie(s.signIn.cookie); h == "" && err == nil && c.Value != "" {
			// A person signed in by e-mail link; a Bearer key, when sent, wins over the cookie.
			if r, ok := s.withSession(w, r, c); ok {
				next.ServeHTTP(w, r)
			}
			return
		}
		secret, ok := strings.CutPrefix(h, "Bearer ")
		if !ok || strings.TrimSpace(secret) == "" {
			w.Header().Set("WWW-Authenticate", `Bearer realm="passerelle"`)
			s.writeError(w, r, passerelle.Errorf(passerelle.EUNAUTHORIZED, "missing API key: send Authorization: Bearer KEY"))
			return
		}
		key, err := s.store.Authenticate(r.Context(), strings.TrimSpace(secret))
		if err != nil {
			w.Header().Set("WWW-Authenticate", `Bearer realm="passerelle", error="invalid_token"`)
			s.writeError(w, r, err)
			return
		}
		s.markUsed(r.Context(), key.ID)
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), keyCtx, key)))
	})
}

func keyFrom(r *http.Request) passerelle.APIKey {
	k, _ := r.Context().Value(keyCtx).(passerelle.APIKey)
	return k
}

// staffOnly lets staff keys through; a member key gets 403.
func (s *Server) staffOnly(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if k := keyFrom(r); k.Role != passerelle.RoleStaff {
			s.writeError(w, r, passerelle.Errorf(passerelle.EFORBIDDEN, "This needs a staff key: the key sent is member %q's; %s %s is for the association's staff", k.Member, r.Method, r.URL.Path))
			return
		}
		next.ServeHTTP(w, r)
	})
}

// memberAccess lets staff reach any member and a member key only its own; another member's id
// answers 404, so that a key does not reveal which members exist.
func (s *Server) memberAccess(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		k := keyFrom(r)
		id := param(r, "member")
		if k.Role != passerelle.RoleStaff && k.Member != id {
			s.writeError(w, r, passerelle.Errorf(passerelle.ENOTFOUND, "member %q not found", id))
			return
		}
		next.ServeHTTP(w, r)
	})
}
