// Package ids makes the identifiers of Accessflow objects: 32 lowercase hex digits (128 random
// bits), the shape the reference API uses for sources, subscriptions and the like.
package ids

import (
	"crypto/rand"
	"encoding/hex"
)

// New returns a fresh random id.
func New() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails (Go 1.24+)
	return hex.EncodeToString(b[:])
}
