package transform

import (
	"context"
	"io"
)

// Field is one attribute definition of a provisioning policy, shaped like the
// JSON the policy API accepts. Transform and Attributes hold decoded JSON
// (string, float64, bool, []any, map[string]any, nil); json.Number and Go
// integer types are accepted too.
type Field struct {
	// Name is the account attribute the field computes; unique per policy.
	Name string `json:"name"`
	// Transform computes the value. Nil or empty means "no transform": the
	// field takes its implicit input (see Input).
	Transform map[string]any `json:"transform,omitempty"`
	// Attributes configure the field itself, e.g. the template and the
	// cloudMaxUniqueChecks / cloudMaxSize / cloudRequired settings read by the
	// generator rules. Values typically arrive as strings.
	Attributes map[string]any `json:"attributes,omitempty"`
	// IsRequired makes a null or empty result an error.
	IsRequired bool `json:"isRequired"`
	// Type is the declared attribute type ("string", "boolean", ...). It is
	// kept for callers; the engine does not coerce values to it.
	Type string `json:"type,omitempty"`
	// IsMultiValued makes the field produce a list ([]any).
	IsMultiValued bool `json:"isMultiValued"`
}

// Claimer reserves unique values. The engine calls Claim once per unique field
// with every candidate in preference order; the implementation must atomically
// reserve and return the first candidate that is free for attribute, comparing
// case-insensitively (FoldKey gives the canonical form), or return an error
// wrapping ErrUniqueValuesExhausted when none is free.
type Claimer interface {
	Claim(ctx context.Context, attribute string, candidates []string) (value string, err error)
}

// ReferenceResolver reads attributes of identities other than the one being
// evaluated. uid is "manager" for the evaluated identity's manager, otherwise
// the uid of the referenced identity. It returns (nil, nil) when the identity
// exists but lacks the attribute, and an error wrapping ErrReferenceNotFound
// when the identity itself does not exist.
type ReferenceResolver interface {
	ReferenceAttribute(ctx context.Context, uid, attribute string) (any, error)
}

// Input is everything one evaluation may read.
type Input struct {
	// Identity holds the identity's attributes by name.
	Identity map[string]any
	// Account holds the current attributes of the account on the target
	// source (UPDATE-style usages). accountAttribute reads attributeName from
	// Account[sourceName] when that is a map[string]any, else from Account
	// itself. A field's implicit input is Account[field name] when present,
	// else Identity[field name].
	Account map[string]any
	// References resolves getReferenceIdentityAttribute and
	// $identity.manager.* lookups. Required only by policies that use them.
	References ReferenceResolver
	// Claimer reserves generated unique values. Required only by policies
	// with usernameGenerator or generator rule fields.
	Claimer Claimer
	// Random feeds uuid and randomAlphaNumeric; nil means crypto/rand. Tests
	// pass a seeded reader for reproducible output.
	Random io.Reader
}

// Claim records a unique value reserved through the Claimer, so the caller
// can confirm it once the account exists or release it if provisioning fails.
type Claim struct {
	Attribute string
	Value     string
}

// Result is the outcome of one evaluation.
type Result struct {
	// Attributes maps every field name to its value. Values are JSON-like:
	// string, float64, bool, []any, map[string]any or nil.
	Attributes map[string]any
	// Claims lists the unique values reserved during this evaluation.
	Claims []Claim
	// Warnings describe recoverable oddities (a skipped generator pattern, an
	// invalid phone number mapped to null, ...).
	Warnings []string
}
