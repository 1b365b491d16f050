// Package apperr defines the few error codes a user may see. An *Error carries a
// code that decides the HTTP status and a message id from the message catalogs,
// so the user reads it in her own language; any other error is "internal" and
// only its wrapped context reaches the log, never the user.
package apperr

import (
	"errors"
	"fmt"
)

// Code is what kind of failure an error is, as named in the API contract.
type Code string

// The codes of the API contract.
const (
	Invalid         Code = "invalid"
	Unauthenticated Code = "unauthenticated"
	Forbidden       Code = "forbidden"
	NotFound        Code = "not_found"
	Conflict        Code = "conflict"
	RateLimited     Code = "rate_limited"
	Internal        Code = "internal"
)

// Error is an error a user may be shown.
type Error struct {
	Code Code
	// Message is a message id in the catalogs ("error.not_found").
	Message string
	// Data fills the message template.
	Data map[string]any
	// Fields maps a form field name to the message id of what is wrong with it.
	Fields map[string]string
	// Err is the underlying cause, for logs only.
	Err error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// New returns an error with a code and a message id.
func New(code Code, message string) *Error { return &Error{Code: code, Message: message} }

// Field returns an "invalid" error for one form field.
func Field(field, message string) *Error {
	return &Error{Code: Invalid, Message: message, Fields: map[string]string{field: message}}
}

// Fields collects what is wrong with each field of a form.
type Fields map[string]string

// Err returns the collected field errors as an *Error, or nil when there are none.
func (f Fields) Err() error {
	if len(f) == 0 {
		return nil
	}
	msg := "error.invalid_form"
	if len(f) == 1 {
		for _, m := range f {
			msg = m
		}
	}
	return &Error{Code: Invalid, Message: msg, Fields: f}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	if errors.As(err, &e) {
		return e, true
	}
	return nil, false
}

// CodeOf returns the code of err: Internal for anything that is not an *Error.
func CodeOf(err error) Code {
	if e, ok := As(err); ok {
		return e.Code
	}
	return Internal
}

// Is reports whether err carries the code.
func Is(err error, code Code) bool { return err != nil && CodeOf(err) == code }

// ErrNotFound is the plain "not found" a store returns; it is shown as such.
var ErrNotFound = New(NotFound, "error.not_found")

// ErrConflict is what a store returns for a unique violation.
var ErrConflict = New(Conflict, "error.conflict")
