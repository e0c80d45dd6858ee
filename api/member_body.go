package api

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"

	"github.com/passerelle/passerelle"
)

// decodeMember reads a member body as decode does (size-limited, strict, one value), and
// says where a bad field of a profile is by its path ("profiles[1].skills"), which the
// JSON decoder alone cannot: a staff member fixing the third profile of a form needs to
// know it is the third. It also returns the body's top-level keys, for the handlers to
// tell which of the top-level matching fields and `profiles` a request sets.
func (s *Server) decodeMember(w http.ResponseWriter, r *http.Request) (passerelle.Member, map[string]json.RawMessage, error) {
	var raw json.RawMessage
	if err := s.decode(w, r, &raw); err != nil {
		return passerelle.Member{}, nil, err
	}
	return strictMember(raw)
}

func strictMember(raw []byte) (passerelle.Member, map[string]json.RawMessage, error) {
	var top map[string]json.RawMessage
	if err := json.Unmarshal(raw, &top); err != nil || top == nil {
		return passerelle.Member{}, nil, passerelle.Errorf(passerelle.EINVALID, "request body must be a JSON object (a member)")
	}
	if err := checkProfilesJSON(top["profiles"]); err != nil {
		return passerelle.Member{}, nil, err
	}
	var m passerelle.Member
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&m); err != nil {
		return passerelle.Member{}, nil, fieldError("", err)
	}
	return m, top, nil
}

// checkProfilesJSON decodes each element of a `profiles` array strictly on its own, so
// that an error names the element.
func checkProfilesJSON(raw json.RawMessage) error {
	if len(raw) == 0 || string(raw) == "null" {
		return nil
	}
	var items []json.RawMessage
	if err := json.Unmarshal(raw, &items); err != nil {
		var v passerelle.ValidationError
		v.Add("profiles", "must be an array of profiles ({id, name, skills, …})")
		return v.Err()
	}
	for i, it := range items {
		dec := json.NewDecoder(bytes.NewReader(it))
		dec.DisallowUnknownFields()
		var p passerelle.Profile
		if err := dec.Decode(&p); err != nil {
			return fieldError(fmt.Sprintf("profiles[%d]", i), err)
		}
	}
	return nil
}

// fieldError turns a decoding error of the value at path `at` ("" for the body) into a
// validation error naming the field.
func fieldError(at string, err error) error {
	join := func(name string) string {
		switch {
		case at == "":
			return name
		case name == "":
			return at
		}
		return at + "." + name
	}
	var v passerelle.ValidationError
	var typ *json.UnmarshalTypeError
	switch {
	case errors.As(err, &typ):
		v.Add(join(typ.Field), fmt.Sprintf("expected %s, got JSON %s", jsonKind(typ.Type.String()), typ.Value))
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		v.Add(join(strings.Trim(strings.TrimPrefix(err.Error(), "json: unknown field "), `"`)), "unknown field")
	default:
		return passerelle.Errorf(passerelle.EINVALID, "malformed JSON at %s: %v", join("(value)"), err)
	}
	return v.Err()
}

// jsonKind says a Go type the way a JSON writer thinks of it.
func jsonKind(goType string) string {
	goType = strings.TrimPrefix(goType, "*")
	switch {
	case strings.HasPrefix(goType, "[]"):
		return "an array"
	case goType == "string" || strings.HasPrefix(goType, "passerelle."):
		if goType == "passerelle.Budget" || goType == "passerelle.Profile" || goType == "passerelle.NotifySettings" {
			return "an object"
		}
		return "a string"
	case goType == "float64" || goType == "int":
		return "a number"
	case goType == "bool":
		return "true or false"
	}
	return goType
}

// matchingKeys reports whether a body sets any of the top-level matching fields, and
// whether it sets `profiles`.
func matchingKeys(top map[string]json.RawMessage) (anyTop, profiles bool) {
	for _, f := range passerelle.ProfileFields {
		if _, ok := top[f]; ok {
			anyTop = true
		}
	}
	_, profiles = top["profiles"]
	return anyTop, profiles
}
