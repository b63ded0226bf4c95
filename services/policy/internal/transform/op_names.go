package transform

import (
	"strings"
	"unicode"
	"unicode/utf8"
)

// normalizeNamesText implements the documented name normalizer: capitalize
// each part of a name split on spaces, hyphens and apostrophes; "Mc" and
// "Mac" prefixes of patronymic surnames; lower-case particles (von, del, of,
// de, la, y) unless they open the name; upper-case Roman numeral suffixes.
func normalizeNamesText(_ *evalState, s string) (value, error) {
	words := strings.Split(s, " ")
	for i, w := range words {
		if w == "" {
			continue
		}
		lw := strings.ToLower(w)
		switch {
		case i > 0 && isParticle(lw):
			words[i] = lw
		case i > 0 && isRomanNumeral(lw):
			words[i] = strings.ToUpper(w)
		default:
			words[i] = capitalizeParts(w)
		}
	}
	return stringValue(strings.Join(words, " ")), nil
}

func isParticle(w string) bool {
	switch w {
	case "von", "del", "of", "de", "la", "y":
		return true
	}
	return false
}

func isRomanNumeral(w string) bool {
	switch strings.TrimSuffix(w, ".") {
	case "ii", "iii", "iv", "vi", "vii", "viii", "ix":
		return true
	}
	return false
}

// capitalizeParts title-cases each piece of w between '-' and '\”.
func capitalizeParts(w string) string {
	var b strings.Builder
	b.Grow(len(w))
	start := 0
	for i := 0; i <= len(w); i++ {
		if i < len(w) && w[i] != '-' && w[i] != '\'' {
			continue
		}
		b.WriteString(capitalize(w[start:i]))
		if i < len(w) {
			b.WriteByte(w[i])
		}
		start = i + 1
	}
	return b.String()
}

// capitalize upper-cases the first letter and lower-cases the rest, then
// restores the inner capital of Mc/Mac surnames (McDonald, MacArthur).
func capitalize(p string) string {
	if p == "" {
		return p
	}
	lower := strings.ToLower(p)
	r, size := utf8.DecodeRuneInString(lower)
	out := string(unicode.ToUpper(r)) + lower[size:]
	switch {
	case len(lower) > 3 && strings.HasPrefix(lower, "mc") && isASCIILetter(lower[2]):
		return out[:2] + strings.ToUpper(out[2:3]) + out[3:]
	case len(lower) > 5 && strings.HasPrefix(lower, "mac") && isASCIILetter(lower[3]) && !macException(lower):
		return out[:3] + strings.ToUpper(out[3:4]) + out[4:]
	}
	return out
}

// macException lists common surnames that start with "mac" without being
// patronymic, so they are not turned into "MacHado".
func macException(w string) bool {
	switch w {
	case "machado", "machin", "macias", "macedo", "mackey", "mackie", "macklin",
		"mackle", "maceda", "machuca", "macario":
		return true
	}
	return false
}

func isASCIILetter(c byte) bool { return c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' }
