package jsonpath

import "context"

// ValidateResult is the answer of the trigger service's validate-filter
// endpoint; its JSON form is the reference API's ValidateFilterOutputDto.
type ValidateResult struct {
	// IsValid: the filter is valid against the input, i.e. it parses and
	// matches it.
	IsValid bool `json:"isValid"`
	// IsValidJSONPath: the filter parses.
	IsValidJSONPath bool `json:"isValidJSONPath"`
	// IsPathExist: the filter selects something from the input.
	IsPathExist bool `json:"isPathExist"`
	// Err says why a field is false when an error caused it: the
	// *SyntaxError for an invalid filter, or the evaluation error (limit
	// exceeded, context ended). It is nil for a filter that parses and
	// simply does not match.
	Err error `json:"-"`
}

// Validate checks filter against a mock input the way the validate-filter
// endpoint does. input is a decoded JSON value, typically the example
// event of the trigger.
func Validate(ctx context.Context, filter string, input any, opts ...Option) ValidateResult {
	p, err := Compile(filter, opts...)
	if err != nil {
		return ValidateResult{Err: err}
	}
	matched, err := p.Match(ctx, input)
	return ValidateResult{
		IsValid:         matched,
		IsValidJSONPath: true,
		IsPathExist:     matched,
		Err:             err,
	}
}
