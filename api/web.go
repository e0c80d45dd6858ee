package api

import (
	"net/http"

	"github.com/go-chi/chi/v5"
)

// webRoutes serves the server-rendered pages. They read the API with the visitor's key.
func (s *Server) webRoutes(r chi.Router) {
	r.Get("/", s.homePage)
}

func (s *Server) homePage(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = w.Write([]byte(homeHTML))
}

const homeHTML = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Passerelle</title></head>
<body><h1>Passerelle</h1>
<p>Calls for projects, grants and tenders matched to members' skills, with the reasons.</p>
<ul><li><a href="/api/v1/openapi.json">API description (OpenAPI)</a></li>
<li><a href="/healthz">health</a> · <a href="/metrics">metrics</a></li></ul>
</body></html>
`
