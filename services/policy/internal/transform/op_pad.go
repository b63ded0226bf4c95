package transform

import (
	"fmt"
	"strings"
	"unicode/utf8"
)

// padNode pads its input to length characters with a (possibly multi-char)
// padding string, on the left or the right. Longer inputs pass unchanged.
type padNode struct {
	in      node
	length  int
	padding string
	left    bool
}

func (c *compiler) compilePad(a attrs, sc *scope, depth int, left bool) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	length, ok, err := a.atLeast("length", 0)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, atPath(a.at("length"), ErrMissingAttribute)
	}
	if length > MaxOutputSize {
		return nil, atPath(a.at("length"), fmt.Errorf("%w: %d exceeds %d", ErrOutputTooLarge, length, MaxOutputSize))
	}
	padding, ok, err := a.literal("padding")
	if err != nil {
		return nil, err
	}
	if !ok || padding == "" {
		padding = " "
	}
	return &padNode{in: in, length: length, padding: padding, left: left}, nil
}

func (n *padNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("pad: %w", err)
	}
	missing := n.length - utf8.RuneCountInString(s)
	if missing <= 0 {
		return stringValue(s), nil
	}
	pad := padRunes(n.padding, missing)
	if err := checkSize(len(s) + len(pad)); err != nil {
		return value{}, fmt.Errorf("pad: %w", err)
	}
	if n.left {
		return stringValue(pad + s), nil
	}
	return stringValue(s + pad), nil
}

// padRunes repeats padding until it is exactly n characters long.
func padRunes(padding string, n int) string {
	if len(padding) == 1 {
		return strings.Repeat(padding, n)
	}
	var b strings.Builder
	for b.Len() < n*utf8.UTFMax {
		for _, r := range padding {
			if n == 0 {
				return b.String()
			}
			b.WriteRune(r)
			n--
		}
	}
	return b.String()
}
