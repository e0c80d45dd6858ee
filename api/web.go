package api

import (
	"bytes"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"html/template"
	"io/fs"
	"net/http"
	"slices"
	"sort"
	"strings"
	"time"

	"github.com/go-chi/chi/v5"

	"github.com/passerelle/passerelle"
	"github.com/passerelle/passerelle/notify"
	"github.com/passerelle/passerelle/store"
)

// The web pages are shells: the server never renders a visitor's data itself. Each page loads a
// script from /static that calls the JSON API — with the session cookie of a person signed in by
// e-mail link (auth_signin.go), or with "Authorization: Bearer" and a key kept in the browser's
// sessionStorage (never in a URL) — and builds the DOM with textContent only. The Content-Security-Policy forbids inline scripts and styles, which
// keeps an injected notice title from ever running.

//go:embed templates/*.html
var templateFS embed.FS

//go:embed static
var staticFS embed.FS

// pageCSP lets a page load its own scripts, styles and API answers, and nothing else.
const pageCSP = "default-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'"

// webPage is one server-rendered page: its template and what the layout needs.
type webPage struct {
	Title  string // shown in <title> and the top heading
	Script string // page script under /static, besides app.js
	Static string // version tag of the static files, for cache busting
	tmpl   *template.Template
}

// web holds the parsed pages; parsed once, at startup, so that a broken template fails early.
type web struct {
	pages   map[string]*webPage
	version string
}

func newWeb() *web {
	version := staticVersion()
	w := &web{pages: map[string]*webPage{}, version: version}
	for name, p := range map[string]webPage{
		"signin": {Title: "Connexion", Script: "signin.js"},
		"member": {Title: "Mes opportunités", Script: "member.js"},
		"staff":  {Title: "Console de l'équipe", Script: "staff.js"},
		// sign-in by e-mail link and what a session opens (auth_signin.go)
		"login":       {Title: "Confirmer la connexion"},
		"preferences": {Title: "Mes préférences", Script: "preferences.js"},
		"profiles":    {Title: "Mes profils", Script: "profiles.js"},
		"staffusers":  {Title: "Personnes de l'équipe", Script: "staffusers.js"},
		// The console's detail pages: a run, a member, the members' feedback (static/staff-pages.js).
		"staff-run":      {Title: "Détail du run", Script: "staff-pages.js"},
		"staff-member":   {Title: "Fiche du membre", Script: "staff-pages.js"},
		"staff-feedback": {Title: "Retours des membres", Script: "staff-pages.js"},
		// Pages of the links in digests (links.go, opportunity_page.go).
		"opportunity": {Title: "Opportunité", Script: "opportunity.js"},
		"feedback":    {Title: "Votre avis"},
		"unsubscribe": {Title: "Résumés par e-mail"},
		"linkerror":   {Title: "Lien invalide"},
	} {
		p.Static = version
		p.tmpl = template.Must(template.ParseFS(templateFS, "templates/layout.html", "templates/"+name+".html"))
		w.pages[name] = &p
	}
	return w
}

// staticVersion is a short hash of every static file: it changes when they do, so that
// browsers may cache them for long under a versioned URL.
func staticVersion() string {
	h := sha256.New()
	_ = fs.WalkDir(staticFS, "static", func(path string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(path)
		h.Write([]byte(path))
		h.Write(b)
		return err
	})
	return hex.EncodeToString(h.Sum(nil))[:12]
}

// webRoutes serves the pages, their static files and the two small endpoints only the pages
// need. They read everything else from the JSON API with the visitor's key.
func (s *Server) webRoutes(r chi.Router) {
	wb := newWeb()
	s.web = wb
	r.Group(func(r chi.Router) {
		r.Use(pageHeaders)
		r.Get("/", wb.page("signin"))
		r.Get("/app/member", wb.page("member"))
		r.Get("/app/staff", wb.page("staff"))
		r.Get("/app/preferences", wb.page("preferences"))
		r.Get("/app/profiles", wb.page("profiles"))
		r.Get("/app/staff/users", wb.page("staffusers"))
		r.Get("/app/staff/run", wb.page("staff-run"))
		r.Get("/app/staff/member", wb.page("staff-member"))
		r.Get("/app/staff/feedback", wb.page("staff-feedback"))
		r.Get("/app", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/", http.StatusFound) })
		s.linkRoutes(r, wb)
		sub, _ := fs.Sub(staticFS, "static")
		files := http.StripPrefix("/static/", http.FileServerFS(sub))
		r.Get("/static/*", func(w http.ResponseWriter, r *http.Request) {
			if strings.HasSuffix(r.URL.Path, "/") {
				http.NotFound(w, r) // no directory listings
				return
			}
			if r.URL.Query().Get("v") == wb.version {
				w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
			} else {
				w.Header().Set("Cache-Control", "no-cache")
			}
			files.ServeHTTP(w, r)
		})
	})
	r.Route("/app/api", func(r chi.Router) {
		r.Use(apiNoStore)
		// A signed link's token or a key: the opportunity page works from a digest too.
		r.Get("/opportunities/{id}", s.opportunityView)
		r.Group(func(r chi.Router) {
			r.Use(s.authenticate)
			r.Get("/whoami", s.whoami)
			r.With(s.staffOnly).Get("/members", s.memberSummaries)
		})
	})
}

// pageHeaders sets the security headers every page and static file carries.
func pageHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("Content-Security-Policy", pageCSP)
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		next.ServeHTTP(w, r)
	})
}

// apiNoStore keeps answers that depend on a key out of shared caches.
func apiNoStore(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Cache-Control", "no-store")
		w.Header().Set("X-Content-Type-Options", "nosniff")
		next.ServeHTTP(w, r)
	})
}

// pageView is what one rendering of a page gets: the page and the visitor's language.
type pageView struct {
	*webPage
	Lang     string
	Other    string            // the other language, for the switch
	Messages map[string]string // the catalogue for Lang; the page's script translates with it
	Data     any               // what a page rendered for one request shows (the sign-in confirmation)
	LangHref string            // the same page in the other language: its query kept (?member=, ?token=)
}

// langCookie remembers the language a visitor chose; it is a preference, not a credential.
const langCookie = "passerelle_lang"

// pageLang is French unless the visitor chose English: ?lang= (remembered in a cookie), else
// the cookie. French first: the association works in French.
func pageLang(w http.ResponseWriter, r *http.Request) string {
	known := func(l string) bool { return slices.Contains(notify.PageLanguages, l) }
	if l := r.URL.Query().Get("lang"); known(l) {
		http.SetCookie(w, &http.Cookie{Name: langCookie, Value: l, Path: "/", MaxAge: 365 * 24 * 3600, SameSite: http.SameSiteLaxMode, HttpOnly: true})
		return l
	}
	if c, err := r.Cookie(langCookie); err == nil && known(c.Value) {
		return c.Value
	}
	return notify.PageLanguages[0]
}

func (wb *web) page(name string) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) { wb.render(w, r, name, http.StatusOK, nil) }
}

// render answers the page name with status, data in its view.
func (wb *web) render(w http.ResponseWriter, r *http.Request, name string, status int, data any) {
	p := wb.pages[name]
	v := pageView{webPage: p, Lang: pageLang(w, r), Other: "en", Data: data}
	if v.Lang == "en" {
		v.Other = "fr"
	}
	q := r.URL.Query()
	q.Set("lang", v.Other)
	v.LangHref = "?" + q.Encode()
	v.Messages = notify.PageTexts(v.Lang)
	if v.Messages == nil {
		v.Messages = map[string]string{}
	}
	// Render into a buffer: a template error then gives a clean 500, not half a page.
	var buf bytes.Buffer
	if err := p.tmpl.ExecuteTemplate(&buf, "layout", v); err != nil {
		http.Error(w, "page failed to render", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" { // a page carrying a sign-in link's token is no-store
		w.Header().Set("Cache-Control", "no-cache")
	}
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// whoamiView tells a page what the visitor's key may see. Now is the server's clock, so that
// "in N days" on a page agrees with the deadlines the server computes.
type whoamiView struct {
	Key    string          `json:"key"` // the key's id, never its secret: the console marks "your key"
	Role   passerelle.Role `json:"role"`
	Member string          `json:"member,omitempty"`
	Now    time.Time       `json:"now"`
	Person *personView     `json:"person,omitempty"` // who signed in, for a session (not a key)
}

func (s *Server) whoami(w http.ResponseWriter, r *http.Request) {
	k := keyFrom(r)
	writeJSON(w, http.StatusOK, whoamiView{Key: k.ID, Role: k.Role, Member: k.Member, Now: s.now(), Person: personOf(r)})
}

// memberSummary is one row of the staff console's member table.
type memberSummary struct {
	ID      string          `json:"id"`
	Name    string          `json:"name"`
	Tier    passerelle.Tier `json:"tier"`
	Matches int             `json:"matches"`
}

// memberSummaries lists members with their number of matches. The count walks the store's
// score index only (a one-item page), so the table costs one call, not one per member.
func (s *Server) memberSummaries(w http.ResponseWriter, r *http.Request) {
	ms, err := s.store.Members(r.Context())
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	out := make([]memberSummary, 0, len(ms))
	for _, m := range ms {
		row := memberSummary{ID: m.ID, Name: m.Name, Tier: m.Tier}
		pg, err := s.store.MatchesPage(r.Context(), m.ID, store.MatchQuery{Limit: 1})
		if err != nil {
			s.writeError(w, r, err)
			return
		}
		row.Matches = pg.Total
		out = append(out, row)
	}
	sort.SliceStable(out, func(i, j int) bool { return strings.ToLower(out[i].Name) < strings.ToLower(out[j].Name) })
	writeJSON(w, http.StatusOK, list[memberSummary]{Items: out, Total: len(out)})
}
