package jsonpath

import (
	"fmt"
	"regexp"
	"regexp/syntax"
	"strings"
)

// compileRegex compiles a /pattern/flags literal for '=~'.
//
// As in the reference evaluator, the pattern matches anywhere in the
// input; anchor it with ^ and $ to match the whole text. The flags i, m and
// s are RE2's; u (Unicode case folding) is what RE2 does anyway and g
// (global) means nothing for a yes/no test, so both are accepted and
// ignored. Go's RE2 syntax lacks look-around and back-references; such
// patterns are reported as syntax errors rather than silently never
// matching.
func compileRegex(t token, cfg *config) (*regexp.Regexp, error) {
	if len(t.text) > cfg.maxRegexLen {
		return nil, &SyntaxError{
			Pos: t.pos,
			Msg: fmt.Sprintf("regex is %d bytes long; the limit is %d", len(t.text), cfg.maxRegexLen),
			Err: ErrLimitExceeded,
		}
	}
	var flags strings.Builder
	for _, f := range t.flags {
		switch f {
		case 'i', 'm', 's':
			if !strings.ContainsRune(flags.String(), f) {
				flags.WriteRune(f)
			}
		case 'u', 'g':
		default:
			return nil, syntaxErr(t.pos, "unsupported regex flag %q; supported flags are g, i, m, s and u", f)
		}
	}
	// Parse the bare pattern first: wrapping an unbalanced pattern such as
	// "a)(b" in a group could otherwise make it valid.
	if _, err := syntax.Parse(t.text, syntax.Perl); err != nil {
		return nil, &SyntaxError{Pos: t.pos, Msg: "invalid regex: " + err.Error(), Err: err}
	}
	src := `(?` + flags.String() + `:` + t.text + `)`
	re, err := syntax.Parse(src, syntax.Perl)
	if err != nil {
		return nil, &SyntaxError{Pos: t.pos, Msg: "invalid regex: " + err.Error(), Err: err}
	}
	prog, err := syntax.Compile(re.Simplify())
	if err != nil {
		return nil, &SyntaxError{Pos: t.pos, Msg: "invalid regex: " + err.Error(), Err: err}
	}
	if maxInsts := cfg.maxRegexLen * regexInstsPerByte; len(prog.Inst) > maxInsts {
		return nil, &SyntaxError{
			Pos: t.pos,
			Msg: fmt.Sprintf("regex compiles to %d instructions; the limit is %d", len(prog.Inst), maxInsts),
			Err: ErrLimitExceeded,
		}
	}
	compiled, err := regexp.Compile(src)
	if err != nil {
		return nil, &SyntaxError{Pos: t.pos, Msg: "invalid regex: " + err.Error(), Err: err}
	}
	return compiled, nil
}
