package jsonpath

import "fmt"

// Default limits. They are generous for event filters (a few hundred bytes
// touching a few dozen nodes) while keeping a hostile filter cheap.
const (
	DefaultMaxExprLen  = 4 << 10 // bytes of expression text
	DefaultMaxDepth    = 32      // nesting of filters, groups, literals and calls
	DefaultMaxRegexLen = 1 << 10 // bytes of one regex literal
	DefaultMaxNodes    = 100_000 // nodes visited by one evaluation
)

// regexInstsPerByte bounds a regex's compiled program relative to its source
// length: a short pattern such as `(a{1000}){1000}` would otherwise compile
// to millions of instructions.
const regexInstsPerByte = 16

// Option configures Compile.
type Option func(*config)

type config struct {
	maxExprLen  int
	maxDepth    int
	maxRegexLen int
	maxNodes    int
}

func defaultConfig() config {
	return config{
		maxExprLen:  DefaultMaxExprLen,
		maxDepth:    DefaultMaxDepth,
		maxRegexLen: DefaultMaxRegexLen,
		maxNodes:    DefaultMaxNodes,
	}
}

func (c *config) validate() error {
	for _, v := range []struct {
		name string
		n    int
	}{
		{"max expression length", c.maxExprLen},
		{"max depth", c.maxDepth},
		{"max regex length", c.maxRegexLen},
		{"max nodes", c.maxNodes},
	} {
		if v.n < 1 {
			return fmt.Errorf("%w: %s must be at least 1, got %d", ErrInvalidOption, v.name, v.n)
		}
	}
	return nil
}

// WithMaxExprLen bounds the expression text, in bytes.
func WithMaxExprLen(n int) Option { return func(c *config) { c.maxExprLen = n } }

// WithMaxDepth bounds how deeply filters, parentheses, negations, array
// literals and function calls may nest, so parsing and evaluation recursion
// stays shallow.
func WithMaxDepth(n int) Option { return func(c *config) { c.maxDepth = n } }

// WithMaxRegexLen bounds each regex literal to n bytes of source and
// 16·n compiled instructions. Go's regexp runs in linear time, so size is
// the only regex cost left to bound.
func WithMaxRegexLen(n int) Option { return func(c *config) { c.maxRegexLen = n } }

// WithMaxNodes bounds the work of one Select or Match: every node reached,
// every filter test and every value comparison counts as one.
func WithMaxNodes(n int) Option { return func(c *config) { c.maxNodes = n } }
