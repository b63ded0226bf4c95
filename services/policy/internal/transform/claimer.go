package transform

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"unicode"
	"unicode/utf8"
)

// FoldKey returns the canonical case-insensitive form of s: two strings are
// equal under strings.EqualFold exactly when their FoldKeys are equal. Stores
// implementing Claimer can index FoldKey(value) to get the same notion of
// "taken" as the engine's own de-duplication.
func FoldKey(s string) string {
	ascii, upper := true, false
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c >= utf8.RuneSelf {
			ascii = false
			break
		}
		if 'A' <= c && c <= 'Z' {
			upper = true
		}
	}
	if ascii {
		if !upper {
			return s
		}
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for _, r := range s {
		b.WriteRune(foldRune(r))
	}
	return b.String()
}

// foldRune maps r to one fixed representative of its simple case-folding
// orbit, the equivalence strings.EqualFold uses (so K, k and the Kelvin sign
// agree). Lower-casing the orbit's smallest rune makes the representative of
// an ASCII letter its lower-case form, matching the ASCII fast path.
func foldRune(r rune) rune {
	smallest := r
	for f := unicode.SimpleFold(r); f != r; f = unicode.SimpleFold(f) {
		smallest = min(smallest, f)
	}
	return unicode.ToLower(smallest)
}

// MemoryClaimer is an in-process Claimer for tests and single-node tools. It
// is safe for concurrent use; Claim reserves atomically under one lock, the
// same guarantee a store gives with a single statement.
type MemoryClaimer struct {
	mu    sync.Mutex
	taken map[string]map[string]string // attribute → FoldKey(value) → value
}

// NewMemoryClaimer returns an empty MemoryClaimer.
func NewMemoryClaimer() *MemoryClaimer {
	return &MemoryClaimer{taken: make(map[string]map[string]string)}
}

// Reserve marks values as taken for attribute, e.g. existing accounts.
func (m *MemoryClaimer) Reserve(attribute string, values ...string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.set(attribute)
	for _, v := range values {
		set[FoldKey(v)] = v
	}
}

// Claim reserves the first free candidate.
func (m *MemoryClaimer) Claim(ctx context.Context, attribute string, candidates []string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	set := m.set(attribute)
	for _, c := range candidates {
		key := FoldKey(c)
		if _, ok := set[key]; !ok {
			set[key] = c
			return c, nil
		}
	}
	return "", fmt.Errorf("%w: all %d candidates for %q are taken", ErrUniqueValuesExhausted, len(candidates), attribute)
}

// Release frees a value claimed earlier, e.g. after a failed provisioning.
func (m *MemoryClaimer) Release(attribute, value string) {
	m.mu.Lock()
	defer m.mu.Unlock()
	delete(m.taken[attribute], FoldKey(value))
}

// Taken reports whether value (case-insensitively) is taken for attribute.
func (m *MemoryClaimer) Taken(attribute, value string) bool {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.taken[attribute][FoldKey(value)]
	return ok
}

func (m *MemoryClaimer) set(attribute string) map[string]string {
	set, ok := m.taken[attribute]
	if !ok {
		set = make(map[string]string)
		m.taken[attribute] = set
	}
	return set
}
