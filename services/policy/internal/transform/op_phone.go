package transform

import (
	"fmt"
	"strings"

	"github.com/nyaruka/phonenumbers"
)

// phoneNode formats its input as E.164. Invalid numbers become null, as the
// docs specify, with a warning so the caller can see why.
type phoneNode struct {
	in     node
	region string
}

func (c *compiler) compilePhone(a attrs, sc *scope, depth int) (node, error) {
	in, err := c.compileInput(a, sc, depth)
	if err != nil {
		return nil, err
	}
	region, ok, err := a.literal("defaultRegion")
	if err != nil {
		return nil, err
	}
	if !ok || region == "" {
		region = "US"
	}
	region = strings.ToUpper(region)
	if !phonenumbers.GetSupportedRegions()[region] {
		return nil, atPath(a.at("defaultRegion"), fmt.Errorf("%w: unknown region %q", ErrInvalidAttribute, region))
	}
	return &phoneNode{in: in, region: region}, nil
}

func (n *phoneNode) eval(st *evalState) (value, error) {
	v, err := n.in.eval(st)
	if err != nil || v.isNull() {
		return v, err
	}
	s, err := v.text()
	if err != nil {
		return value{}, fmt.Errorf("e164phone: %w", err)
	}
	num, err := phonenumbers.Parse(s, n.region)
	if err != nil || !phonenumbers.IsValidNumber(num) {
		st.warnf("e164phone: %q is not a valid phone number for region %s", s, n.region)
		return nullValue(), nil
	}
	return stringValue(phonenumbers.Format(num, phonenumbers.E164)), nil
}
