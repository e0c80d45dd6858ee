package api

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"github.com/passerelle/passerelle"
)

// problem is an RFC 9457 problem details body.
type problem struct {
	Type     string                  `json:"type"`
	Title    string                  `json:"title"`
	Status   int                     `json:"status"`
	Detail   string                  `json:"detail,omitempty"`
	Instance string                  `json:"instance,omitempty"`
	Errors   []passerelle.FieldError `json:"errors,omitempty"`
}

// statusOf maps domain error codes to HTTP status: the one place where this happens.
var statusOf = map[string]int{
	passerelle.EINVALID:      http.StatusBadRequest,
	passerelle.ENOTFOUND:     http.StatusNotFound,
	passerelle.ECONFLICT:     http.StatusConflict,
	passerelle.EUNAUTHORIZED: http.StatusUnauthorized,
	passerelle.EFORBIDDEN:    http.StatusForbidden,
	passerelle.ETOOMANY:      http.StatusTooManyRequests,
	passerelle.EINTERNAL:     http.StatusInternalServerError,
}

// writeError answers with a problem+json body for err. Internal errors are logged, and their
// text is not shown to the caller.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	code := passerelle.ErrorCode(err)
	status, ok := statusOf[code]
	if !ok {
		status = http.StatusInternalServerError
	}
	var tooBig *http.MaxBytesError
	if errors.As(err, &tooBig) {
		status = http.StatusRequestEntityTooLarge
	}
	p := problem{Type: "about:blank", Title: http.StatusText(status), Status: status, Instance: r.URL.Path}
	if status == http.StatusInternalServerError {
		s.log.Error("request failed", "method", r.Method, "path", r.URL.Path, "err", err)
		p.Detail = "internal error; see the server log"
	} else if status == http.StatusRequestEntityTooLarge {
		p.Detail = err.Error()
	} else {
		p.Detail = passerelle.ErrorMessage(err)
		var e *passerelle.Error
		if errors.As(err, &e) && e.Code == passerelle.EFORBIDDEN {
			// A forbidden answer's title says why in a few words ("Matches are a premium
			// feature"), its detail what about this request made it so.
			p.Title, p.Detail = forbiddenText(e.Message)
		}
	}
	var v *passerelle.ValidationError
	if errors.As(err, &v) {
		p.Errors = v.Fields
	}
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	writeProblemBody(w, p)
}

func writeProblemBody(w http.ResponseWriter, p problem) { _ = json.NewEncoder(w).Encode(p) }

// forbiddenText splits a forbidden message "Title: why" into a title and a detail that say
// different things; a message without its why gets a generic one.
func forbiddenText(msg string) (title, detail string) {
	title, detail, ok := strings.Cut(msg, ": ")
	if !ok || strings.TrimSpace(detail) == "" {
		return msg, "the key sent is known but may not do this"
	}
	return title, detail
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetEscapeHTML(false)
	_ = enc.Encode(v)
}
