package passerelle

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// Error codes: a few kinds, mapped to HTTP status and exit codes in exactly one place each.
const (
	EINVALID      = "invalid"      // the caller sent something wrong
	ENOTFOUND     = "not_found"    // no such thing
	ECONFLICT     = "conflict"     // already exists, or already running
	EUNAUTHORIZED = "unauthorized" // no or unknown credentials
	EFORBIDDEN    = "forbidden"    // known caller, not allowed
	ETOOMANY      = "too_many"     // too many attempts in too little time: wait, then retry
	EINTERNAL     = "internal"     // our fault
)

// Error is a domain error with a code and a message fit for users.
type Error struct {
	Code    string
	Message string
}

func (e *Error) Error() string { return e.Message }

// Errorf returns an *Error with the given code and formatted message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// ErrorCode returns the code of the first *Error or *ValidationError in err's chain,
// EINTERNAL for any other error, and "" for nil.
func ErrorCode(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return EINVALID
	}
	return EINTERNAL
}

// ErrorMessage returns the user-facing message of err: the *Error's message when there is
// one, a generic text for internal errors.
func ErrorMessage(err error) string {
	var e *Error
	if errors.As(err, &e) {
		return e.Message
	}
	var v *ValidationError
	if errors.As(err, &v) {
		return v.Error()
	}
	return "internal error"
}

// FieldError names one bad field by its path ("weights.text", "clusters[2]").
type FieldError struct {
	Path    string `json:"path"`
	Message string `json:"message"`
}

// ValidationError lists every bad field of an input, not just the first.
type ValidationError struct {
	Fields []FieldError
}

// Add records a bad field.
func (v *ValidationError) Add(path, msg string) {
	v.Fields = append(v.Fields, FieldError{Path: path, Message: msg})
}

// Err returns v when it holds at least one field error, nil otherwise.
func (v *ValidationError) Err() error {
	if v == nil || len(v.Fields) == 0 {
		return nil
	}
	return v
}

func (v *ValidationError) Error() string {
	parts := make([]string, len(v.Fields))
	for i, f := range v.Fields {
		parts[i] = f.Path + ": " + f.Message
	}
	return "invalid: " + strings.Join(parts, "; ")
}

func indexPath(field string, i int) string { return field + "[" + strconv.Itoa(i) + "]" }

func quote(s string) string { return strconv.Quote(s) }
