// Package api is Passerelle's HTTP interface: the JSON API under /api/v1 (chi router, bearer
// keys, RFC 9457 problem+json errors, strict size-limited decoding), health and metrics
// endpoints, member feeds, and the server-rendered web pages. One file per resource.
package api

import (
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"
	"github.com/go-chi/chi/v5/middleware"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/index"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/source"
	"github.com/passerelle/passerelle/store"
)

// Runner is what the API needs of the pipeline: start runs and match one profile at once.
type Runner interface {
	Start(ctx context.Context, trigger string, sources ...string) (passerelle.Run, error)
	MatchMember(ctx context.Context, id string) (int, error)
	Rules(ctx context.Context) (passerelle.Rules, error)
	Preview(ctx context.Context, r passerelle.Rules) (any, error)
}

// Config holds what a Server is built from.
type Config struct {
	Store   *store.DB
	Index   *index.Index
	Runner  Runner
	Fetcher *source.Fetcher // reads sources under test; default: a plain Fetcher
	Log     *slog.Logger
	Now     func() time.Time
	MaxBody int64 // request body cap in bytes; default 1 MiB
	// Location is the zone of dates written as text (feeds), the one digests use;
	// default Europe/Brussels, else UTC.
	Location *time.Location
	// BaseURL is the server's public address: feed addresses are built from it, never from
	// the request's Host header (which a client chooses). Empty: addresses are paths.
	BaseURL string
	// Webhooks is the policy a member's notify.webhook_url is checked against when saved.
	Webhooks notify.URLPolicy
	// SignInMailer mails sign-in links (nil: people cannot sign in by e-mail, keys still work).
	SignInMailer SignInMailer
	// SessionTTL is how long a session opened by a sign-in link lasts; default 7 days.
	SessionTTL time.Duration
	// ListenURL is the address the server listens on. Sign-in links are built on BaseURL, never
	// on a request's Host header; without a BaseURL, on this one (right on a workstation).
	ListenURL string
}

// Server serves the API and the web pages.
type Server struct {
	store   *store.DB
	index   *index.Index
	runner  Runner
	fetcher *source.Fetcher
	log     *slog.Logger
	now     func() time.Time
	maxBody int64
	loc     *time.Location
	baseURL string
	hooks   notify.URLPolicy
	router  chi.Router
	metrics *metrics
	keyUse  *keyUse
	signIn  *signIn
	web     *web
}

// New builds a Server and its routes.
func New(cfg Config) *Server {
	s := &Server{store: cfg.Store, index: cfg.Index, runner: cfg.Runner, fetcher: cfg.Fetcher, log: cfg.Log, now: cfg.Now, maxBody: cfg.MaxBody,
		baseURL: strings.TrimRight(cfg.BaseURL, "/"), hooks: cfg.Webhooks}
	if s.fetcher == nil {
		s.fetcher = &source.Fetcher{}
	}
	s.keyUse = newKeyUse()
	s.signIn = newSignIn(cfg)
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if s.loc = cfg.Location; s.loc == nil {
		if l, err := time.LoadLocation("Europe/Brussels"); err == nil {
			s.loc = l
		} else {
			s.loc = time.UTC
		}
	}
	if s.maxBody <= 0 {
		s.maxBody = 1 << 20
	}
	s.metrics = newMetrics()
	s.metrics.reg.MustRegister(newRunCollector(s))
	s.routes()
	return s
}

func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) { s.router.ServeHTTP(w, r) }

func (s *Server) routes() {
	r := chi.NewRouter()
	r.Use(middleware.RequestID, middleware.RealIP, s.recoverer, s.metrics.middleware)
	r.Get("/healthz", s.healthz)
	r.Get("/readyz", s.readyz)
	r.Handle("/metrics", s.metrics.handler())
	r.Get("/feeds/{token}", s.feedByExtension)
	s.webRoutes(r)
	s.authRoutes(r)

	r.Route("/api/v1", func(r chi.Router) {
		r.Get("/openapi.json", s.openAPI)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate)
			r.Route("/opportunities", func(r chi.Router) {
				r.Get("/", s.listOpportunities)
				r.Get("/{id}", s.getOpportunity)
			})
			r.Route("/members", func(r chi.Router) {
				r.With(s.staffOnly).Get("/", s.listMembers)
				r.With(s.staffOnly).Post("/", s.createMember)
				r.Route("/{member}", func(r chi.Router) {
					r.Use(s.memberAccess)
					r.Get("/", s.getMember)
					r.Put("/", s.putMember)
					r.Patch("/", s.patchMember)
					r.With(s.staffOnly).Delete("/", s.deleteMember)
					r.Get("/matches", s.listMatches)
					r.Get("/matches.csv", s.matchesCSV)
					r.Put("/matches/{opportunity}/feedback", s.putFeedback)
					r.Delete("/matches/{opportunity}/feedback", s.deleteFeedback)
					r.Get("/feeds", s.memberFeeds)
					r.Post("/feeds", s.rotateFeeds)
					r.With(s.staffOnly).Get("/digests", s.listDigests)
				})
			})
			r.Group(func(r chi.Router) {
				r.Use(s.staffOnly)
				r.Get("/rules", s.getRules)
				r.Put("/rules", s.putRules)
				r.Get("/rules/versions", s.listRulesVersions)
				r.Get("/rules/versions/{n}", s.getRulesVersion)
				r.Post("/rules/preview", s.previewRules)
				r.Get("/sources", s.listSources)
				r.Post("/sources", s.createSource)
				r.Get("/sources/{id}", s.getSource)
				r.Put("/sources/{id}", s.putSource)
				r.Delete("/sources/{id}", s.deleteSource)
				r.Post("/sources/{id}/run", s.runSource)
				r.Get("/sources/{id}/runs", s.sourceHistory)
				r.Post("/source-tests", s.testSource)
				r.Post("/member-previews", s.previewMember)
				r.Get("/audit", s.listAudit)
				r.Get("/runs", s.listRuns)
				r.Post("/runs", s.startRun)
				r.Get("/runs/{id}", s.getRun)
				r.Get("/keys", s.listKeys)
				r.Post("/keys", s.createKey)
				r.Delete("/keys/{id}", s.deleteKey)
				r.Get("/feedback", s.feedbackCounts)
				r.Get("/feedback/report", s.feedbackReport)
				r.Get("/backup", s.backup)
				r.Get("/staff-users", s.listStaffUsers)
				r.Post("/staff-users", s.addStaffUser)
				r.Delete("/staff-users/{id}", s.removeStaffUser)
			})
		})
	})
	r.NotFound(func(w http.ResponseWriter, r *http.Request) {
		s.writeError(w, r, passerelle.Errorf(passerelle.ENOTFOUND, "no such resource: %s", r.URL.Path))
	})
	r.MethodNotAllowed(s.methodNotAllowed)
	s.router = r
}

// recoverer turns a handler panic into a logged 500 problem instead of a dropped connection.
func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.log.Error("panic in handler", "path", r.URL.Path, "panic", v)
				s.writeError(w, r, passerelle.Errorf(passerelle.EINTERNAL, "panic"))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

func (s *Server) healthz(w http.ResponseWriter, r *http.Request) {
	writeJSON(w, http.StatusOK, map[string]string{"status": "ok"})
}

// readyz answers 200 when the store can be written (a full disk fails it) and the index
// answers.
func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	if err := s.store.WriteProbe(r.Context(), s.now()); err != nil {
		s.log.Error("not ready: store cannot be written", "err", err)
		w.Header().Set("Content-Type", "application/problem+json")
		w.WriteHeader(http.StatusServiceUnavailable)
		_ = json.NewEncoder(w).Encode(problem{Type: "about:blank", Title: "Store cannot be written",
			Status: http.StatusServiceUnavailable, Detail: err.Error(), Instance: r.URL.Path})
		return
	}
	n, err := s.index.Count()
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"status": "ready", "indexed": n})
}

// Routes exposes the router for inspection (the OpenAPI completeness test walks it).
func (s *Server) Routes() chi.Routes { return s.router }
