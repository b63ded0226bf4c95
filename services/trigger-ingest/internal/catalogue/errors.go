package catalogue

import (
	"errors"
	"fmt"
	"strings"
)

// Sentinel errors, for errors.Is.
var (
	// ErrUnknownTrigger means the trigger id is not in the catalogue.
	ErrUnknownTrigger = errors.New("catalogue: unknown trigger")
	// ErrNoOutputSchema means an output was validated for a FIRE_AND_FORGET
	// trigger, which takes no reply.
	ErrNoOutputSchema = errors.New("catalogue: trigger has no output schema")
	// ErrInvalidPayload is wrapped by every *ValidationError.
	ErrInvalidPayload = errors.New("catalogue: invalid payload")
)

// maxViolations caps the violations kept on one error so a huge, wholly
// wrong payload cannot produce an unbounded error message.
const maxViolations = 50

// Direction says which side of a trigger a payload belongs to.
type Direction string

// The two payload directions.
const (
	// Input is the event the trigger delivers to subscribers.
	Input Direction = "input"
	// Output is a REQUEST_RESPONSE subscriber's reply.
	Output Direction = "output"
)

// Violation is one schema failure at one place in the payload.
type Violation struct {
	// Path is a JSON Pointer (RFC 6901) into the payload; "" is the root.
	Path string `json:"path"`
	// Message says what is wrong, e.g. "missing property".
	Message string `json:"message"`
}

// String renders the violation as "path: message", naming the root
// "(root)" because an empty pointer reads as nothing at all.
func (v Violation) String() string {
	path := v.Path
	if path == "" {
		path = "(root)"
	}
	return path + ": " + v.Message
}

// ValidationError reports why a payload does not match its trigger's
// schema. It wraps ErrInvalidPayload. Violations are sorted by path and
// hold at most maxViolations entries; Omitted counts the rest.
type ValidationError struct {
	TriggerID  string
	Direction  Direction
	Violations []Violation
	Omitted    int
}

// Error lists every kept violation on one line so it can be logged or
// returned to a caller verbatim.
func (e *ValidationError) Error() string {
	var sb strings.Builder
	fmt.Fprintf(&sb, "catalogue: %s %s does not match schema: ", e.TriggerID, e.Direction)
	for i, v := range e.Violations {
		if i > 0 {
			sb.WriteString("; ")
		}
		sb.WriteString(v.String())
	}
	if e.Omitted > 0 {
		fmt.Fprintf(&sb, " (and %d more)", e.Omitted)
	}
	return sb.String()
}

// Unwrap lets errors.Is(err, ErrInvalidPayload) match.
func (e *ValidationError) Unwrap() error { return ErrInvalidPayload }
