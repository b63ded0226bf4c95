package transform

import (
	"bytes"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"
)

// generator produces the ordered candidate list of a unique-value field
// (usernameGenerator, "Create Unique LDAP Attribute", "Create Unique Account
// ID"). It never checks candidates itself: the field's Claimer does, once.
type generator struct {
	patterns []*template
	// counterLast is set when the last pattern holds ${uniqueCounter}.
	counterLast bool
	// maxChecks bounds the attempts, every pattern and counter value counting
	// as one (cloudMaxUniqueChecks).
	maxChecks int
	// maxSize bounds each candidate in characters (cloudMaxSize); 0 = none.
	maxSize int
	// required makes an empty candidate list an error (cloudRequired).
	required bool
}

// uniqueSettings reads the cloud* attributes of a field. They are validated
// on every field, generator or not, so a typo never lies dormant.
func uniqueSettings(fa attrs) (checks, size int, required bool, err error) {
	checks, ok, err := fa.atLeast("cloudMaxUniqueChecks", 1)
	if err != nil {
		return 0, 0, false, err
	}
	if !ok {
		checks = DefaultUniqueChecks
	}
	if checks > MaxUniqueChecks {
		return 0, 0, false, atPath(fa.at("cloudMaxUniqueChecks"),
			fmt.Errorf("%w: %d exceeds the maximum %d", ErrInvalidAttribute, checks, MaxUniqueChecks))
	}
	size, _, err = fa.atLeast("cloudMaxSize", 1)
	if err != nil {
		return 0, 0, false, err
	}
	if size > MaxOutputSize {
		return 0, 0, false, atPath(fa.at("cloudMaxSize"),
			fmt.Errorf("%w: %d exceeds %d", ErrInvalidAttribute, size, MaxOutputSize))
	}
	required, err = fa.boolean("cloudRequired", true)
	return checks, size, required, err
}

// compileGenerator compiles a root generator transform. Patterns come from
// the transform ("patterns") for usernameGenerator and from the field
// ("template") for the generator rules; the other transform attributes are
// dynamic variables either way.
func (c *compiler) compileGenerator(typ string, a, fa attrs, depth int) (*generator, error) {
	g := &generator{}
	var err error
	if g.maxChecks, g.maxSize, g.required, err = uniqueSettings(fa); err != nil {
		return nil, err
	}
	var sources []string
	var paths []string
	var reserved func(string) bool
	if typ == "usernameGenerator" {
		if _, err := a.boolean("sourceCheck", false); err != nil {
			return nil, err
		}
		reserved = func(k string) bool { return k == "patterns" || k == "sourceCheck" || k == "input" }
		raw, ok := a.m["patterns"]
		if !ok || raw == nil {
			return nil, atPath(a.at("patterns"), ErrMissingAttribute)
		}
		list, ok := raw.([]any)
		if !ok || len(list) == 0 {
			return nil, atPath(a.at("patterns"), fmt.Errorf("%w: want a non-empty array of strings", ErrInvalidAttribute))
		}
		for i, p := range list {
			s, ok := p.(string)
			path := fmt.Sprintf("%s[%d]", a.at("patterns"), i)
			if !ok {
				return nil, atPath(path, fmt.Errorf("%w: want a string, got %T", ErrInvalidAttribute, p))
			}
			sources, paths = append(sources, s), append(paths, path)
		}
	} else {
		reserved = func(k string) bool { return k == "name" || k == "operation" || k == "template" || k == "input" }
		src, path := fa, fa.at("template")
		if !fa.has("template") {
			src, path = a, a.at("template")
		}
		s, err := src.requiredLiteral("template")
		if err != nil {
			return nil, atPath(fa.at("template"), err)
		}
		sources, paths = []string{s}, []string{path}
	}
	sc, err := c.declareVars(nil, a, reserved, depth)
	if err != nil {
		return nil, err
	}
	for i, src := range sources {
		t, err := parseTemplate(src, c.resolver(sc, true))
		if err != nil {
			return nil, atPath(paths[i], err)
		}
		top, nested := countCounters(t.parts)
		switch {
		case nested > 0:
			return nil, atPath(paths[i], fmt.Errorf("%w: uniqueCounter cannot appear inside #if", ErrInvalidTemplate))
		case top > 1:
			return nil, atPath(paths[i], fmt.Errorf("%w: uniqueCounter may appear only once", ErrInvalidTemplate))
		case top == 1 && i != len(sources)-1:
			return nil, atPath(paths[i], ErrCounterNotLast)
		case top == 1:
			g.counterLast = true
		}
		g.patterns = append(g.patterns, t)
	}
	return g, nil
}

// countCounters counts ${uniqueCounter} at the top level of a pattern and
// inside its #if bodies (where it is not allowed).
func countCounters(parts []tplPart) (top, nested int) {
	for _, p := range parts {
		if p.counter {
			top++
		}
		if p.cond == nil {
			continue
		}
		for _, body := range p.cond.bodies {
			t, n := countCounters(body)
			nested += t + n
		}
		t, n := countCounters(p.cond.els)
		nested += t + n
	}
	return top, nested
}

type span struct{ start, end int }

// candidates renders the ordered candidate list. Patterns whose references
// are null or empty are skipped (with a warning) rather than producing
// values like ".smith". Candidates that duplicate an earlier one
// (case-insensitively) are dropped; they still count as attempts.
func (g *generator) candidates(st *evalState) ([]string, error) {
	var spans [MaxUniqueChecks]span
	n, nFixed, attempts := 0, 0, 0
	var buf []byte
	truncated := false
	for i, p := range g.patterns {
		if attempts >= g.maxChecks {
			break
		}
		prefix, suffix, missing, err := renderPattern(st, p)
		if err != nil {
			return nil, err
		}
		if missing != "" {
			st.warnf("pattern %d skipped: $%s is empty", i+1, missing)
			continue
		}
		if buf == nil {
			per := len(prefix) + len(suffix)
			if g.maxSize > 0 {
				per = min(per, g.maxSize*utf8.UTFMax)
			}
			buf = make([]byte, 0, (per+3)*g.maxChecks)
		}
		if !g.counterLast || i != len(g.patterns)-1 {
			attempts++
			start := len(buf)
			buf = append(buf, g.truncate(prefix)...)
			if len(buf) == start || isDuplicate(buf, spans[:n], start) {
				buf = buf[:start]
				continue
			}
			spans[n] = span{start, len(buf)}
			n++
			nFixed = n
			continue
		}
		prefixLen, suffixLen := utf8.RuneCountInString(prefix), utf8.RuneCountInString(suffix)
		var digits [20]byte
		for k := 0; attempts < g.maxChecks; k++ {
			attempts++
			counter := digits[:0]
			if k > 0 {
				counter = strconv.AppendInt(counter, int64(k), 10)
			}
			start := len(buf)
			if g.maxSize > 0 && prefixLen+len(counter)+suffixLen > g.maxSize {
				truncated = true
				if budget := g.maxSize - len(counter) - suffixLen; budget >= 0 {
					buf = append(buf, truncateRunes(prefix, budget)...)
					buf = append(buf, counter...)
					buf = append(buf, suffix...)
				} else {
					// Counter and suffix alone overflow: cut the whole value.
					buf = append(buf, truncateRunes(prefix+string(counter)+suffix, g.maxSize)...)
				}
			} else {
				buf = append(buf, prefix...)
				buf = append(buf, counter...)
				buf = append(buf, suffix...)
			}
			// Untruncated counter candidates differ from each other by
			// construction, so they only need checking against the fixed
			// patterns' candidates; truncation can make them collide.
			against := nFixed
			if truncated {
				against = n
			}
			if len(buf) == start || isDuplicate(buf, spans[:against], start) {
				buf = buf[:start]
				continue
			}
			spans[n] = span{start, len(buf)}
			n++
		}
	}
	if n == 0 {
		return nil, nil
	}
	all := string(buf)
	out := make([]string, n)
	for i, s := range spans[:n] {
		out[i] = all[s.start:s.end]
	}
	return out, nil
}

func (g *generator) truncate(s string) string {
	if g.maxSize == 0 {
		return s
	}
	return truncateRunes(s, g.maxSize)
}

// isDuplicate reports whether buf[start:] case-insensitively equals one of
// the earlier candidates.
func isDuplicate(buf []byte, earlier []span, start int) bool {
	cand := buf[start:]
	for _, s := range earlier {
		if bytes.EqualFold(buf[s.start:s.end], cand) {
			return true
		}
	}
	return false
}

// truncateRunes keeps the first n characters of s.
func truncateRunes(s string, n int) string {
	if len(s) <= n {
		return s
	}
	if n <= 0 {
		return ""
	}
	i := 0
	for pos := range s {
		if i == n {
			return s[:pos]
		}
		i++
	}
	return s
}

// renderPattern renders a generator pattern, split around ${uniqueCounter}.
// missing names the first top-level reference that is null or empty.
func renderPattern(st *evalState, t *template) (prefix, suffix, missing string, err error) {
	var b strings.Builder
	b.Grow(t.hint + 16)
	seen := false
	for i := range t.parts {
		p := &t.parts[i]
		switch {
		case p.counter:
			prefix, seen = b.String(), true
			b = strings.Builder{}
		case p.cond != nil:
			if err := renderParts(st, t.parts[i:i+1], &b); err != nil {
				return "", "", "", err
			}
		case p.ref == nil:
			b.WriteString(p.lit)
		default:
			v, err := p.ref.eval(st)
			if err != nil {
				return "", "", "", err
			}
			if v.isEmpty() {
				return "", "", p.name, nil
			}
			s, err := v.text()
			if err != nil {
				return "", "", "", fmt.Errorf("$%s: %w", p.name, err)
			}
			b.WriteString(s)
		}
		// The check covers prefix and suffix together so an oversized
		// candidate is refused before anything is claimed.
		if err := checkSize(len(prefix) + b.Len()); err != nil {
			return "", "", "", err
		}
	}
	if seen {
		return prefix, b.String(), "", nil
	}
	return b.String(), "", "", nil
}
