package api

import (
	_ "embed"
	"net/http"
)

// openAPIDoc describes the API; a test checks that every route of the router is in it.
//
//go:embed openapi.json
var openAPIDoc []byte

func (s *Server) openAPI(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(openAPIDoc)
}
