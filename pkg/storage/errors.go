// Package storage holds what every service's store shares: the sentinel errors backends
// translate driver errors into, and opening, migrating and testing SQLite and PostgreSQL
// databases.
package storage

import (
	"errors"
	"fmt"
)

// Sentinel errors. Backends wrap them (fmt.Errorf("…: %w", ErrNotFound)) so callers test with
// errors.Is, and apierror maps each to one gRPC code.
var (
	// ErrNotFound: the object does not exist.
	ErrNotFound = errors.New("not found")
	// ErrConflict: the write clashes with an existing object (a unique key).
	ErrConflict = errors.New("already exists")
	// ErrPreconditionFailed: the object changed since the caller read it (revision mismatch).
	ErrPreconditionFailed = errors.New("precondition failed")
	// ErrFull: the database's disk (or quota) is full; the write may succeed once space is
	// freed, so callers are told to retry later (503), not that something broke (500).
	ErrFull = errors.New("the database's storage is full")
)

// ConflictError is ErrConflict as backends and stores return it. Its message is meant for the
// API's callers: it never carries the driver's text (which names tables and constraints), only
// what the store says clashes. The driver's error stays reachable with errors.As for logs.
type ConflictError struct {
	// Object, Field and Value name what clashes, when the store knows it: a source (Object)
	// whose name (Field) "Corp LDAP" (Value) is taken. Empty when only the backend saw it.
	Object, Field, Value string
	// ForeignKey reports a row referencing one that does not exist (or the reverse), usually
	// removed by a concurrent change, rather than a taken unique key.
	ForeignKey bool
	cause      error
}

// NewConflict returns a ConflictError for a driver's constraint error.
func NewConflict(cause error, foreignKey bool) *ConflictError {
	return &ConflictError{cause: cause, ForeignKey: foreignKey}
}

// Conflict replaces err, when it is a conflict, by one naming the object, field and value
// that clash (`source with name "Corp LDAP" already exists`), and returns any other error
// unchanged. Stores call it on the errors of their writes.
func Conflict(err error, object, field, value string) error {
	if !errors.Is(err, ErrConflict) {
		return err
	}
	var cause error
	var ce *ConflictError
	if errors.As(err, &ce) {
		cause = ce.cause
	}
	return &ConflictError{Object: object, Field: field, Value: value, cause: cause}
}

func (e *ConflictError) Error() string {
	switch {
	case e.Field != "":
		return fmt.Sprintf("%s with %s %q already exists", e.Object, e.Field, e.Value)
	case e.ForeignKey:
		return "conflicts with a concurrent change: a referenced object does not exist"
	default:
		return ErrConflict.Error()
	}
}

// Is makes errors.Is(err, ErrConflict) true.
func (e *ConflictError) Is(target error) bool { return target == ErrConflict }

// Unwrap returns the driver's error.
func (e *ConflictError) Unwrap() error { return e.cause }
