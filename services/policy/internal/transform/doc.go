// Package transform computes account attribute values from a provisioning
// policy: a list of fields, each optionally carrying a transform tree such as
// {"type":"lower","attributes":{"input":{"type":"identityAttribute",...}}}.
//
// The package separates a one-time Compile step from a cheap, repeatable
// Evaluate step. Compile validates the whole policy up front (unknown
// operations, malformed templates, bad sizes, duplicate fields, reference
// cycles, nesting limits) and pre-builds everything that does not depend on
// the identity: parsed templates, compiled regular expressions, date layouts,
// the field evaluation order. Evaluate then walks the pre-built tree for one
// identity without reflection and with few allocations, so a service can
// evaluate the same policy many thousands of times per second.
//
// Templates ("${firstname}.${lastname}", "$fn") resolve a name to, in order:
// a dynamic variable declared by an enclosing transform, another field of the
// same policy, then the identity attribute of that name. Fields are evaluated
// in dependency order, so a field may reference any other field as long as no
// cycle results.
//
// Unique values (usernameGenerator and the built-in generator rules) are never
// checked one candidate at a time. The engine builds the ordered candidate list
// and hands it to the caller's Claimer once per field; the caller reserves the
// first free candidate atomically (for example in one SQL statement).
package transform
