package jsonpath

import (
	"errors"
	"fmt"
)

var (
	// ErrSyntax is matched by every *SyntaxError, so callers can map a bad
	// expression to "invalid argument" with errors.Is.
	ErrSyntax = errors.New("jsonpath: syntax error")

	// ErrLimitExceeded reports that an expression or an evaluation went past
	// one of the configured bounds. Filters come from users, so every cost
	// they can cause is capped; hitting a cap is an error, never a silent
	// "no match", so callers can tell a bad filter from a non-matching one.
	ErrLimitExceeded = errors.New("jsonpath: limit exceeded")

	// ErrInvalidOption reports an Option given an unusable value.
	ErrInvalidOption = errors.New("jsonpath: invalid option")
)

// SyntaxError describes why an expression does not parse and where.
type SyntaxError struct {
	// Pos is the 0-based byte offset in the expression where the problem
	// was found.
	Pos int
	// Msg says what was expected or found, without the position.
	Msg string
	// Err is an underlying cause, such as ErrLimitExceeded or a regexp
	// error; it may be nil.
	Err error
}

func (e *SyntaxError) Error() string {
	return fmt.Sprintf("jsonpath: syntax error at offset %d: %s", e.Pos, e.Msg)
}

// Unwrap exposes the cause so errors.Is(err, ErrLimitExceeded) works for
// expressions that are too long or too deep.
func (e *SyntaxError) Unwrap() error { return e.Err }

// Is makes every SyntaxError match ErrSyntax.
func (e *SyntaxError) Is(target error) bool { return target == ErrSyntax }

func syntaxErr(pos int, format string, args ...any) *SyntaxError {
	return &SyntaxError{Pos: pos, Msg: fmt.Sprintf(format, args...)}
}
