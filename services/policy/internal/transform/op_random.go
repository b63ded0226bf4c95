package transform

import (
	"crypto/rand"
	"fmt"
	"io"

	"github.com/google/uuid"
)

// randomSource returns the evaluation's random reader; crypto/rand unless
// the caller supplied one (tests do, for reproducible output).
func (st *evalState) randomSource() io.Reader {
	if st.random != nil {
		return st.random
	}
	return rand.Reader
}

// uuidNode produces a random (version 4) UUID.
type uuidNode struct{}

func (uuidNode) eval(st *evalState) (value, error) {
	id, err := uuid.NewRandomFromReader(st.randomSource())
	if err != nil {
		return value{}, fmt.Errorf("uuid: %w", err)
	}
	return stringValue(id.String()), nil
}

const alphaNumeric = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// randomAlphaNumericNode produces length characters drawn uniformly from
// letters of both cases and digits.
type randomAlphaNumericNode struct{ length int }

func compileRandomAlphaNumeric(a attrs) (node, error) {
	n, ok, err := a.atLeast("length", 1)
	if err != nil {
		return nil, err
	}
	if !ok {
		n = defaultRandomLength
	}
	if n > maxRandomLength {
		return nil, atPath(a.at("length"), fmt.Errorf("%w: %d exceeds the maximum %d", ErrInvalidAttribute, n, maxRandomLength))
	}
	return randomAlphaNumericNode{length: n}, nil
}

func (n randomAlphaNumericNode) eval(st *evalState) (value, error) {
	out := make([]byte, 0, n.length)
	var buf [64]byte
	src := st.randomSource()
	for len(out) < n.length {
		if _, err := io.ReadFull(src, buf[:]); err != nil {
			return value{}, fmt.Errorf("randomAlphaNumeric: %w", err)
		}
		for _, b := range buf {
			// Rejection sampling keeps the distribution uniform: 248 is
			// the largest multiple of 62 that fits in a byte.
			if b >= 248 {
				continue
			}
			out = append(out, alphaNumeric[b%62])
			if len(out) == n.length {
				break
			}
		}
	}
	return stringValue(string(out)), nil
}
