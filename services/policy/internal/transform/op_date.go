package transform

import "fmt"

// dateFormatNode re-formats a date string. Both formats default to ISO8601;
// output is rendered in UTC so results do not depend on the host zone.
type dateFormatNode struct {
	in     node
	inFmt  dateLayout
	outFmt dateLayout
}

func (c *compiler) compileDateFormat(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	n := &dateFormatNode{in: in}
	for _, p := range []struct {
		key string
		dst *dateLayout
	}{{"inputFormat", &n.inFmt}, {"outputFormat", &n.outFmt}} {
		spec, ok, err := a.literal(p.key)
		if err != nil {
			return nil, err
		}
		if !ok || spec == "" {
			spec = "ISO8601"
		}
		if *p.dst, err = compileDateLayout(spec); err != nil {
			return nil, atPath(a.at(p.key), err)
		}
	}
	return n, nil
}

func (n *dateFormatNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("dateFormat: %w", err)
	}
	t, err := n.inFmt.parse(s)
	if err != nil {
		return value{}, fmt.Errorf("dateFormat: %w", err)
	}
	return stringValue(n.outFmt.format(t)), nil
}
