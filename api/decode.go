package api

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"

	"github.com/passerelle/passerelle"
)

// decode reads a JSON body strictly: size-limited, unknown fields rejected, one value only.
// Errors name what was wrong (the field, the offset) and map to 400 (413 when too big).
func (s *Server) decode(w http.ResponseWriter, r *http.Request, v any) error {
	if ct := r.Header.Get("Content-Type"); ct != "" && !strings.HasPrefix(ct, "application/json") {
		return passerelle.Errorf(passerelle.EINVALID, "request body must be application/json, not %q", ct)
	}
	body := http.MaxBytesReader(w, r.Body, s.maxBody)
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		var tooBig *http.MaxBytesError
		var syn *json.SyntaxError
		var typ *json.UnmarshalTypeError
		switch {
		case errors.As(err, &tooBig):
			return fmt.Errorf("request body is larger than %d bytes: %w", s.maxBody, err)
		case errors.Is(err, io.EOF):
			return passerelle.Errorf(passerelle.EINVALID, "request body is empty")
		case errors.As(err, &syn):
			return passerelle.Errorf(passerelle.EINVALID, "malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.As(err, &typ):
			return passerelle.Errorf(passerelle.EINVALID, "field %q: expected %s, got JSON %s", typ.Field, typ.Type, typ.Value)
		case strings.HasPrefix(err.Error(), "json: unknown field"):
			return passerelle.Errorf(passerelle.EINVALID, "unknown field %s", strings.TrimPrefix(err.Error(), "json: unknown field "))
		default:
			return passerelle.Errorf(passerelle.EINVALID, "malformed JSON: %v", err)
		}
	}
	if dec.More() {
		return passerelle.Errorf(passerelle.EINVALID, "request body holds more than one JSON value")
	}
	return nil
}
