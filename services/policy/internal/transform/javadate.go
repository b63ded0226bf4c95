package transform

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// dateLayout is a compiled java.text.SimpleDateFormat pattern, or one of the
// named formats the dateFormat docs define. Patterns are parsed once at
// compile time; unsupported pattern letters are compile errors, as they are
// for Java.
type dateLayout struct {
	tokens []dateToken
	epoch  epochKind
	// lenient names a format whose parsing also accepts common variants
	// (ISO8601 inputs without millis or zone, LDAP generalized time).
	lenient string
}

type epochKind uint8

const (
	epochNone epochKind = iota
	epochJava
	epochWin32
)

type dateToken struct {
	lit    string
	letter byte
	count  int
}

// win32EpochOffsetMillis is the distance from 1601-01-01 to 1970-01-01.
const win32EpochOffsetMillis = 11644473600000

// namedDateFormats are the built-in format names of the dateFormat docs.
func namedDateFormat(name string) (string, epochKind, bool) {
	switch name {
	case "ISO8601":
		return "yyyy-MM-dd'T'HH:mm:ss.SSSZ", epochNone, true
	case "LDAP":
		return "yyyyMMddHHmmss.Z", epochNone, true
	case "PEOPLE_SOFT":
		return "MM/dd/yyyy", epochNone, true
	case "EPOCH_TIME_JAVA":
		return "", epochJava, true
	case "EPOCH_TIME_WIN32":
		return "", epochWin32, true
	}
	return "", epochNone, false
}

func compileDateLayout(spec string) (dateLayout, error) {
	if pattern, epoch, ok := namedDateFormat(spec); ok {
		if epoch != epochNone {
			return dateLayout{epoch: epoch}, nil
		}
		l, err := parseDatePattern(pattern)
		l.lenient = spec
		return l, err
	}
	return parseDatePattern(spec)
}

func parseDatePattern(p string) (dateLayout, error) {
	var l dateLayout
	if p == "" {
		return l, fmt.Errorf("%w: empty date format", ErrInvalidAttribute)
	}
	var lit strings.Builder
	flush := func() {
		if lit.Len() > 0 {
			l.tokens = append(l.tokens, dateToken{lit: lit.String()})
			lit.Reset()
		}
	}
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == '\'':
			if i+1 < len(p) && p[i+1] == '\'' {
				lit.WriteByte('\'')
				i += 2
				continue
			}
			end := strings.IndexByte(p[i+1:], '\'')
			if end < 0 {
				return l, fmt.Errorf("%w: unterminated quote in date format %q", ErrInvalidAttribute, p)
			}
			lit.WriteString(p[i+1 : i+1+end])
			i += end + 2
		case isASCIILetter(c):
			if !strings.ContainsRune("GyYMLdDEuaHkKhmsSzZX", rune(c)) {
				return l, fmt.Errorf("%w: unsupported date pattern letter %q in %q", ErrInvalidAttribute, c, p)
			}
			j := i
			for j < len(p) && p[j] == c {
				j++
			}
			flush()
			l.tokens = append(l.tokens, dateToken{letter: c, count: j - i})
			i = j
		default:
			lit.WriteByte(c)
			i++
		}
	}
	flush()
	return l, nil
}

func (l dateLayout) format(t time.Time) string {
	switch l.epoch {
	case epochJava:
		return strconv.FormatInt(t.UnixMilli(), 10)
	case epochWin32:
		return strconv.FormatInt((t.UnixMilli()+win32EpochOffsetMillis)*10000, 10)
	}
	var b []byte
	for _, tk := range l.tokens {
		if tk.letter == 0 {
			b = append(b, tk.lit...)
			continue
		}
		b = formatField(b, tk, t)
	}
	return string(b)
}

func pad(b []byte, n, width int) []byte {
	s := strconv.Itoa(n)
	for i := len(s); i < width; i++ {
		b = append(b, '0')
	}
	return append(b, s...)
}

func formatField(b []byte, tk dateToken, t time.Time) []byte {
	switch tk.letter {
	case 'G':
		if t.Year() <= 0 {
			return append(b, "BC"...)
		}
		return append(b, "AD"...)
	case 'y', 'Y':
		if tk.count == 2 {
			return pad(b, t.Year()%100, 2)
		}
		return pad(b, t.Year(), tk.count)
	case 'M', 'L':
		switch {
		case tk.count >= 4:
			return append(b, t.Month().String()...)
		case tk.count == 3:
			return append(b, t.Month().String()[:3]...)
		}
		return pad(b, int(t.Month()), tk.count)
	case 'd':
		return pad(b, t.Day(), tk.count)
	case 'D':
		return pad(b, t.YearDay(), tk.count)
	case 'E':
		if tk.count >= 4 {
			return append(b, t.Weekday().String()...)
		}
		return append(b, t.Weekday().String()[:3]...)
	case 'u':
		wd := int(t.Weekday())
		if wd == 0 {
			wd = 7
		}
		return pad(b, wd, tk.count)
	case 'a':
		if t.Hour() < 12 {
			return append(b, "AM"...)
		}
		return append(b, "PM"...)
	case 'H':
		return pad(b, t.Hour(), tk.count)
	case 'k':
		h := t.Hour()
		if h == 0 {
			h = 24
		}
		return pad(b, h, tk.count)
	case 'K':
		return pad(b, t.Hour()%12, tk.count)
	case 'h':
		h := t.Hour() % 12
		if h == 0 {
			h = 12
		}
		return pad(b, h, tk.count)
	case 'm':
		return pad(b, t.Minute(), tk.count)
	case 's':
		return pad(b, t.Second(), tk.count)
	case 'S':
		return pad(b, t.Nanosecond()/int(time.Millisecond), tk.count)
	case 'z':
		return append(b, t.Format("MST")...)
	case 'Z':
		return append(b, t.Format("-0700")...)
	default: // 'X'
		if _, off := t.Zone(); off == 0 {
			return append(b, 'Z')
		}
		switch tk.count {
		case 1:
			return append(b, t.Format("-07")...)
		case 2:
			return append(b, t.Format("-0700")...)
		}
		return append(b, t.Format("-07:00")...)
	}
}

// parse reads s according to the layout. Like Java's DateFormat.parse, text
// after the pattern is ignored. Numeric fields read greedily unless the next
// pattern element is also numeric, in which case they take exactly their
// width ("yyyyMMdd").
func (l dateLayout) parse(s string) (time.Time, error) {
	s = strings.TrimSpace(s)
	switch l.epoch {
	case epochJava, epochWin32:
		n, err := strconv.ParseInt(s, 10, 64)
		if err != nil {
			return time.Time{}, fmt.Errorf("%w: %q is not an epoch timestamp", ErrInvalidValue, s)
		}
		if l.epoch == epochWin32 {
			n = n/10000 - win32EpochOffsetMillis
		}
		return time.UnixMilli(n).UTC(), nil
	}
	t, err := l.parseTokens(s)
	if err == nil || l.lenient == "" {
		return t, err
	}
	if alt, ok := parseLenient(l.lenient, s); ok {
		return alt, nil
	}
	return t, err
}

func parseLenient(name, s string) (time.Time, bool) {
	var layouts []string
	switch name {
	case "ISO8601":
		layouts = []string{time.RFC3339Nano, "2006-01-02T15:04:05.999999999Z0700", "2006-01-02T15:04:05.999999999", "2006-01-02"}
	case "LDAP":
		layouts = []string{"20060102150405Z0700", "20060102150405.999999999Z0700", "20060102150405"}
	}
	for _, layout := range layouts {
		if t, err := time.Parse(layout, s); err == nil {
			return t.UTC(), true
		}
	}
	return time.Time{}, false
}

type dateFields struct {
	year, month, day, yday, hour, minute, second, milli int
	pm, hasPM, hasMonth, hasDay, hasYDay                bool
	hour12                                              bool
	offset                                              int
}

func isNumericToken(tk dateToken) bool {
	switch tk.letter {
	case 'y', 'Y', 'd', 'D', 'u', 'H', 'k', 'K', 'h', 'm', 's', 'S':
		return true
	case 'M', 'L':
		return tk.count <= 2
	}
	return false
}

func (l dateLayout) parseTokens(s string) (time.Time, error) {
	f := dateFields{year: 1970, month: 1, day: 1}
	pos := 0
	bad := func(what string) (time.Time, error) {
		return time.Time{}, fmt.Errorf("%w: %q does not match the date format at %s", ErrInvalidValue, s, what)
	}
	for i, tk := range l.tokens {
		if tk.letter == 0 {
			if !strings.HasPrefix(s[pos:], tk.lit) {
				return bad(fmt.Sprintf("%q", tk.lit))
			}
			pos += len(tk.lit)
			continue
		}
		if isNumericToken(tk) {
			width := 0
			if i+1 < len(l.tokens) && isNumericToken(l.tokens[i+1]) {
				width = tk.count
			}
			n, used := readDigits(s[pos:], width)
			if used == 0 {
				return bad(string(tk.letter))
			}
			if (tk.letter == 'y' || tk.letter == 'Y') && tk.count <= 2 && used == 2 {
				// Two-digit years pivot like POSIX strptime: 69-99 are
				// 1900s, 00-68 are 2000s. Java pivots on the current date,
				// which would make results depend on when they run.
				if n < 69 {
					n += 2000
				} else {
					n += 1900
				}
			}
			pos += used
			f.set(tk.letter, n)
			continue
		}
		used, ok := f.parseText(tk, s[pos:])
		if !ok {
			return bad(string(tk.letter))
		}
		pos += used
	}
	return f.time(s)
}

func readDigits(s string, width int) (int, int) {
	limit := len(s)
	if width > 0 && width < limit {
		limit = width
	}
	if limit > 10 {
		limit = 10
	}
	n, i := 0, 0
	for i < limit && s[i] >= '0' && s[i] <= '9' {
		n = n*10 + int(s[i]-'0')
		i++
	}
	if width > 0 && i != width {
		return 0, 0
	}
	return n, i
}

func (f *dateFields) set(letter byte, n int) {
	switch letter {
	case 'y', 'Y':
		f.year = n
	case 'M', 'L':
		f.month, f.hasMonth = n, true
	case 'd':
		f.day, f.hasDay = n, true
	case 'D':
		f.yday, f.hasYDay = n, true
	case 'H':
		f.hour = n
	case 'k':
		f.hour = n % 24
	case 'K', 'h':
		f.hour, f.hour12 = n%12, true
	case 'm':
		f.minute = n
	case 's':
		f.second = n
	case 'S':
		f.milli = n
	}
}

// hasPrefixFold reports whether s starts with prefix, ignoring case.
func hasPrefixFold(s, prefix string) bool {
	return len(s) >= len(prefix) && strings.EqualFold(s[:len(prefix)], prefix)
}

func (f *dateFields) parseText(tk dateToken, s string) (int, bool) {
	switch tk.letter {
	case 'M', 'L':
		for _, short := range []bool{false, true} {
			for m := time.January; m <= time.December; m++ {
				name := m.String()
				if short {
					name = name[:3]
				}
				if hasPrefixFold(s, name) {
					f.month, f.hasMonth = int(m), true
					return len(name), true
				}
			}
		}
	case 'E':
		for _, short := range []bool{false, true} {
			for d := time.Sunday; d <= time.Saturday; d++ {
				name := d.String()
				if short {
					name = name[:3]
				}
				if hasPrefixFold(s, name) {
					return len(name), true
				}
			}
		}
	case 'a':
		if hasPrefixFold(s, "am") || hasPrefixFold(s, "pm") {
			f.pm, f.hasPM = s[0] == 'p' || s[0] == 'P', true
			return 2, true
		}
	case 'G':
		if hasPrefixFold(s, "ad") || hasPrefixFold(s, "bc") {
			return 2, true
		}
	default: // z, Z, X
		return f.parseZone(s)
	}
	return 0, false
}

// parseZone reads "Z", "UTC", "GMT", optionally followed by an offset, or a
// bare "+hh", "+hhmm" or "+hh:mm" offset.
func (f *dateFields) parseZone(s string) (int, bool) {
	pos := 0
	for _, name := range []string{"UTC", "GMT", "Z"} {
		if strings.HasPrefix(s, name) {
			pos = len(name)
			break
		}
	}
	if pos == len(s) || s[pos] != '+' && s[pos] != '-' {
		return pos, pos > 0
	}
	sign := 1
	if s[pos] == '-' {
		sign = -1
	}
	pos++
	h, used := readDigits(s[pos:], 2)
	if used == 0 {
		return 0, false
	}
	pos += used
	if pos < len(s) && s[pos] == ':' {
		pos++
	}
	m, used := readDigits(s[pos:], 2)
	pos += used
	f.offset = sign * (h*3600 + m*60)
	return pos, true
}

func (f *dateFields) time(src string) (time.Time, error) {
	if f.hour12 && f.hasPM && f.pm {
		f.hour += 12
	} else if !f.hour12 && f.hasPM && f.pm && f.hour < 12 {
		f.hour += 12
	}
	loc := time.UTC
	if f.offset != 0 {
		loc = time.FixedZone("", f.offset)
	}
	if f.hasYDay && !f.hasMonth && !f.hasDay {
		t := time.Date(f.year, 1, 1, f.hour, f.minute, f.second, f.milli*int(time.Millisecond), loc)
		return t.AddDate(0, 0, f.yday-1).UTC(), nil
	}
	t := time.Date(f.year, time.Month(f.month), f.day, f.hour, f.minute, f.second, f.milli*int(time.Millisecond), loc)
	// time.Date normalises out-of-range fields (month 13); reject instead,
	// so a typo in the source data is an error rather than a wrong date.
	if t.Year() != f.year || int(t.Month()) != f.month || t.Day() != f.day || t.Hour() != f.hour ||
		t.Minute() != f.minute || t.Second() != f.second {
		return time.Time{}, fmt.Errorf("%w: %q is not a valid date", ErrInvalidValue, src)
	}
	return t.UTC(), nil
}
