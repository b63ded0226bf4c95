package storage

import (
	"errors"
	"log/slog"
	"sync/atomic"
)

// FullState remembers whether a backend's last write failed for lack of space, so that its
// readiness fails until a write succeeds again, and logs each change once rather than once
// per failed request.
type FullState struct {
	full   atomic.Bool
	where  string
	logger *slog.Logger
}

// NewFullState watches the database at where (a path or a host) and logs to logger.
func NewFullState(where string, logger *slog.Logger) *FullState {
	return &FullState{where: where, logger: logger}
}

// Observe records a write's outcome: ErrFull marks the database full, success clears it.
// Other errors change nothing.
func (f *FullState) Observe(err error) {
	switch {
	case err == nil:
		if f.full.Swap(false) {
			f.logger.Info("database writes succeed again; ready", "database", f.where)
		}
	case errors.Is(err, ErrFull):
		if !f.full.Swap(true) {
			f.logger.Error("database storage is full: writes answer 503 and readiness fails until space is freed", "database", f.where, "error", err)
		}
	}
}

// Full reports whether the last write found the storage full.
func (f *FullState) Full() bool { return f.full.Load() }
