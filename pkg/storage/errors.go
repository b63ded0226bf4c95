// Package storage holds what every service's store shares: the sentinel errors backends
// translate driver errors into, and opening, migrating and testing SQLite and PostgreSQL
// databases.
package storage

import "errors"

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
