package transform

// Bounds that keep a hostile or mistaken policy from exhausting the service.
// They are constants rather than options because every policy shares the same
// process and the same risk; a per-policy knob would only invite raising them.
const (
	// MaxDepth caps transform nesting at compile time and the chain of
	// variable indirections at evaluation time.
	MaxDepth = 64

	// MaxOutputSize caps, in bytes, any string a transform produces.
	MaxOutputSize = 64 << 10

	// MaxUniqueChecks is the largest cloudMaxUniqueChecks the docs allow.
	MaxUniqueChecks = 50

	// DefaultUniqueChecks applies when a generator field omits
	// cloudMaxUniqueChecks. The reference docs give no default, only the
	// maximum, so the maximum is used: it is also the value of their worked
	// example for "Create Unique LDAP Attribute".
	DefaultUniqueChecks = MaxUniqueChecks

	// maxRandomLength is the documented upper bound of randomAlphaNumeric.
	maxRandomLength = 450

	// defaultRandomLength is the documented default of randomAlphaNumeric.
	defaultRandomLength = 32
)
