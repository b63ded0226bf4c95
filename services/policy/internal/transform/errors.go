package transform

import (
	"errors"
	"fmt"
)

// Compile-time errors. Compile always returns them wrapped in a *FieldError so
// the policy author learns which field is wrong.
var (
	// ErrUnknownTransform reports a transform type the engine does not implement.
	ErrUnknownTransform = errors.New("unknown transform type")
	// ErrUnknownRule reports a rule name that is not one of the built-in rules.
	ErrUnknownRule = errors.New("unknown rule")
	// ErrInvalidTemplate reports a template that cannot be parsed.
	ErrInvalidTemplate = errors.New("invalid template")
	// ErrInvalidAttribute reports an attribute with a wrong type or value
	// (negative size, non-numeric counter, bad regular expression, ...).
	ErrInvalidAttribute = errors.New("invalid attribute")
	// ErrMissingAttribute reports a required attribute that is absent.
	ErrMissingAttribute = errors.New("missing required attribute")
	// ErrDuplicateField reports two fields with the same name.
	ErrDuplicateField = errors.New("duplicate field name")
	// ErrCycle reports fields or variables that reference each other in a loop.
	ErrCycle = errors.New("reference cycle")
	// ErrTooDeep reports nesting beyond MaxDepth.
	ErrTooDeep = errors.New("nesting too deep")
	// ErrCounterNotLast reports ${uniqueCounter} outside the last pattern.
	ErrCounterNotLast = errors.New("uniqueCounter is only allowed in the last pattern")
	// ErrGeneratorNotRoot reports a unique-value generator nested inside
	// another transform: the claimed value would not be the stored value.
	ErrGeneratorNotRoot = errors.New("unique value generator must be the field's root transform")
)

// Evaluation-time errors, returned wrapped in a *FieldError.
var (
	// ErrUniqueValuesExhausted reports that every candidate is already taken.
	// Claimer implementations return it (wrapped) when no candidate is free.
	ErrUniqueValuesExhausted = errors.New("unique values exhausted")
	// ErrNoCandidates reports a required generator that could not build a
	// single candidate, typically because the identity lacks the attributes
	// its patterns reference.
	ErrNoCandidates = errors.New("no unique value candidates could be generated")
	// ErrRequiredValueMissing reports an isRequired field that evaluated to
	// null or the empty string.
	ErrRequiredValueMissing = errors.New("required value missing")
	// ErrOutputTooLarge reports a string larger than MaxOutputSize.
	ErrOutputTooLarge = errors.New("output too large")
	// ErrIndexOutOfRange reports a split index beyond the parts (with throws).
	ErrIndexOutOfRange = errors.New("index out of range")
	// ErrInvalidValue reports an input the operation cannot handle: a list
	// where text is expected, an unparsable date, invalid base64, a null
	// conditional operand, a lookup without a matching entry.
	ErrInvalidValue = errors.New("invalid value")
	// ErrReferenceNotFound reports a referenced identity (such as the manager)
	// that does not exist. ReferenceResolver implementations return it.
	ErrReferenceNotFound = errors.New("referenced identity not found")
	// ErrMissingDependency reports that the policy needs a collaborator the
	// Input does not provide (a Claimer or a ReferenceResolver).
	ErrMissingDependency = errors.New("missing evaluation dependency")
	// ErrClaimerContract reports a Claimer that returned a value which was not
	// one of the candidates it was offered.
	ErrClaimerContract = errors.New("claimer returned a value that was not a candidate")
)

// FieldError ties an error to the policy field (and, when known, the location
// inside that field's definition) where it arose. Every error from Compile and
// Evaluate that concerns a field has this type, so callers can report the
// field to the policy author with errors.As.
type FieldError struct {
	// Field is the policy field name.
	Field string
	// Path locates the problem inside the field, e.g.
	// "transform.attributes.values[1]"; empty when it concerns the whole field.
	Path string
	// Err is the underlying error; it wraps one of the Err* sentinels.
	Err error
}

// Error implements error.
func (e *FieldError) Error() string {
	if e.Path == "" {
		return fmt.Sprintf("field %q: %v", e.Field, e.Err)
	}
	return fmt.Sprintf("field %q: %s: %v", e.Field, e.Path, e.Err)
}

// Unwrap exposes the underlying error to errors.Is and errors.As.
func (e *FieldError) Unwrap() error { return e.Err }

// pathError carries a location inside a field while compiling; Compile turns
// it into the Path of a FieldError.
type pathError struct {
	path string
	err  error
}

func (e *pathError) Error() string { return e.path + ": " + e.err.Error() }

func (e *pathError) Unwrap() error { return e.err }

// atPath attaches a location to err unless err already carries a deeper one.
func atPath(path string, err error) error {
	var pe *pathError
	if errors.As(err, &pe) {
		return err
	}
	return &pathError{path: path, err: err}
}
