package api

import (
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/go-chi/chi/v5"

	"github.com/passerelle/passerelle"
)

const (
	defaultLimit = 20
	maxLimit     = 200
)

// page reads limit and cursor. The cursor is opaque to clients; here it carries an offset.
func page(r *http.Request) (limit, offset int, err error) {
	if limit, err = pageLimit(r); err != nil {
		return 0, 0, err
	}
	if c := r.URL.Query().Get("cursor"); c != "" {
		b, derr := base64.RawURLEncoding.DecodeString(c)
		n, cerr := strconv.Atoi(strings.TrimPrefix(string(b), "o:"))
		if derr != nil || cerr != nil || !strings.HasPrefix(string(b), "o:") || n < 0 {
			return 0, 0, passerelle.Errorf(passerelle.EINVALID, "cursor is not one this server gave")
		}
		offset = n
	}
	return limit, offset, nil
}

// pageLimit reads the limit alone, for lists whose cursor the store makes.
func pageLimit(r *http.Request) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return defaultLimit, nil
	}
	limit, err := strconv.Atoi(v)
	if err != nil || limit < 1 || limit > maxLimit {
		return 0, passerelle.Errorf(passerelle.EINVALID, "limit must be a whole number between 1 and %d", maxLimit)
	}
	return limit, nil
}

func cursorAt(offset int) string {
	return base64.RawURLEncoding.EncodeToString([]byte("o:" + strconv.Itoa(offset)))
}

// list is the envelope of every paginated list.
type list[T any] struct {
	Items      []T    `json:"items"`
	Total      int    `json:"total"`
	NextCursor string `json:"next_cursor,omitempty"`
}

// MarshalJSON writes an empty list as [], never null: clients iterate items without a check.
func (l list[T]) MarshalJSON() ([]byte, error) {
	type plain list[T]
	if l.Items == nil {
		l.Items = []T{}
	}
	return json.Marshal(plain(l))
}

func paginate[T any](all []T, limit, offset int) list[T] {
	out := list[T]{Items: []T{}, Total: len(all)}
	if offset < len(all) {
		end := min(offset+limit, len(all))
		out.Items = all[offset:end]
		if end < len(all) {
			out.NextCursor = cursorAt(end)
		}
	}
	return out
}

// param returns a path parameter, unescaped: ids may hold characters a client escapes
// (chi routes on the raw path, so "%2F" arrives escaped).
func param(r *http.Request, name string) string {
	v := chi.URLParam(r, name)
	if u, err := url.PathUnescape(v); err == nil {
		return u
	}
	return v
}
