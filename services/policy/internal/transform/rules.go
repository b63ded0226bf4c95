package transform

import "fmt"

// Built-in rule names. Customer-written rules do not exist in Accessflow, so
// any other name is a compile error rather than a runtime surprise.
const (
	ruleUniqueLDAP      = "Create Unique LDAP Attribute"
	ruleUniqueAccountID = "Create Unique Account ID"
	ruleDeployUtility   = "Cloud Services Deployment Utility"
)

func knownRules() []string {
	return []string{ruleDeployUtility, ruleUniqueAccountID, ruleUniqueLDAP}
}

// isGeneratorType reports transforms that produce claimed unique values.
func isGeneratorType(typ string, a attrs) bool {
	if typ == "usernameGenerator" {
		return true
	}
	if typ != "rule" {
		return false
	}
	name, _ := a.m["name"].(string)
	return name == ruleUniqueLDAP || name == ruleUniqueAccountID
}

// compileRule handles the non-generator rules: the Cloud Services Deployment
// Utility operations getReferenceIdentityAttribute and getEndOfString.
func (c *compiler) compileRule(a attrs, sc *scope, depth int) (node, error) {
	name, err := a.requiredLiteral("name")
	if err != nil {
		return nil, err
	}
	if name != ruleDeployUtility {
		return nil, atPath(a.at("name"), fmt.Errorf("%w: %q (known rules: %q)", ErrUnknownRule, name, knownRules()))
	}
	op, err := a.requiredLiteral("operation")
	if err != nil {
		return nil, err
	}
	switch op {
	case "getReferenceIdentityAttribute":
		return compileReference(a)
	case "getEndOfString":
		in, err := c.compileInput(a, sc, depth)
		if err != nil {
			return nil, err
		}
		n, ok, err := a.atLeast("numChars", 0)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, atPath(a.at("numChars"), ErrMissingAttribute)
		}
		return &endOfStringNode{in: in, n: n}, nil
	}
	return nil, atPath(a.at("operation"), fmt.Errorf("%w: %q has no operation %q (known: getEndOfString, getReferenceIdentityAttribute)",
		ErrUnknownRule, ruleDeployUtility, op))
}
