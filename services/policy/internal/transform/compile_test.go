package transform

import (
	"fmt"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestCompileErrors(t *testing.T) {
	t.Parallel()
	// one wraps a transform into a single-field policy named "broken".
	one := func(transform string) string {
		return `[{"name":"ok","transform":{"type":"static","attributes":{"value":"x"}}},{"name":"broken","transform":` + transform + `}]`
	}
	withAttrs := func(attrs string) string {
		return `[{"name":"broken","transform":{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}},"attributes":` + attrs + `}]`
	}
	deep := `{"type":"static","attributes":{"value":"x"}}`
	for range MaxDepth {
		deep = `{"type":"lower","attributes":{"input":` + deep + `}}`
	}
	cases := []struct {
		name     string
		policy   string
		wantErr  error
		field    string
		contains string
	}{
		{"unknown type", one(`{"type":"upperCase"}`), ErrUnknownTransform, "broken", `"upperCase"`},
		{"unknown nested type", one(`{"type":"lower","attributes":{"input":{"type":"nope"}}}`), ErrUnknownTransform, "broken", "transform.attributes.input"},
		{"unknown rule names the known ones", one(`{"type":"rule","attributes":{"name":"Generate Random Number"}}`), ErrUnknownRule, "broken", "Create Unique LDAP Attribute"},
		{"unknown deployment utility operation", one(`{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"x"}}`), ErrUnknownRule, "broken", `"x"`},
		{"transform without type", one(`{"attributes":{}}`), ErrMissingAttribute, "broken", `"type"`},
		{"attributes not an object", one(`{"type":"lower","attributes":[1]}`), ErrInvalidAttribute, "broken", "transform.attributes"},
		{"unclosed reference", one(`{"type":"static","attributes":{"value":"${firstname"}}`), ErrInvalidTemplate, "broken", "unclosed"},
		{"empty reference", one(`{"type":"static","attributes":{"value":"${}"}}`), ErrInvalidTemplate, "broken", "invalid reference"},
		{"reference with space", one(`{"type":"static","attributes":{"value":"${first name}"}}`), ErrInvalidTemplate, "broken", "invalid reference"},
		{"if without end", one(`{"type":"static","attributes":{"value":"#if($a)x"}}`), ErrInvalidTemplate, "broken", "#end"},
		{"stray end", one(`{"type":"static","attributes":{"value":"x#end"}}`), ErrInvalidTemplate, "broken", "#end"},
		{"bad condition", one(`{"type":"static","attributes":{"value":"#if($a ==)x#end"}}`), ErrInvalidTemplate, "broken", "condition"},
		{"method call", one(`{"type":"static","attributes":{"value":"$fn.substring(0,1)"}}`), ErrInvalidTemplate, "broken", "method calls"},
		{"property path off identity", one(`{"type":"static","attributes":{"value":"${fn.first}"}}`), ErrInvalidTemplate, "broken", "property access"},
		{"counter outside generator", one(`{"type":"static","attributes":{"value":"$fn${uniqueCounter}"}}`), ErrInvalidTemplate, "broken", "uniqueCounter"},
		{"static without value", one(`{"type":"static","attributes":{}}`), ErrMissingAttribute, "broken", "value"},
		{"identityAttribute without name", one(`{"type":"identityAttribute","attributes":{}}`), ErrMissingAttribute, "broken", "name"},
		{"identityAttribute name not string", one(`{"type":"identityAttribute","attributes":{"name":3}}`), ErrInvalidAttribute, "broken", "name"},
		{"concat without values", one(`{"type":"concat","attributes":{}}`), ErrMissingAttribute, "broken", "values"},
		{"concat values not array", one(`{"type":"concat","attributes":{"values":"x"}}`), ErrInvalidAttribute, "broken", "values"},
		{"bad regex", one(`{"type":"replace","attributes":{"regex":"(","replacement":""}}`), ErrInvalidAttribute, "broken", "regex"},
		{"illegal group reference", one(`{"type":"replace","attributes":{"regex":"a","replacement":"$9"}}`), ErrInvalidAttribute, "broken", "group"},
		{"replaceAll bad table regex", one(`{"type":"replaceAll","attributes":{"table":{"[":"x"}}}`), ErrInvalidAttribute, "broken", "table"},
		{"negative pad length", one(`{"type":"leftPad","attributes":{"length":"-3"}}`), ErrInvalidAttribute, "broken", "length"},
		{"non-numeric pad length", one(`{"type":"rightPad","attributes":{"length":"eight"}}`), ErrInvalidAttribute, "broken", "length"},
		{"fractional pad length", one(`{"type":"leftPad","attributes":{"length":2.5}}`), ErrInvalidAttribute, "broken", "length"},
		{"huge pad length", one(`{"type":"leftPad","attributes":{"length":100000000}}`), ErrOutputTooLarge, "broken", "length"},
		{"pad without length", one(`{"type":"leftPad","attributes":{}}`), ErrMissingAttribute, "broken", "length"},
		{"random length too large", one(`{"type":"randomAlphaNumeric","attributes":{"length":"451"}}`), ErrInvalidAttribute, "broken", "450"},
		{"random length zero", one(`{"type":"randomAlphaNumeric","attributes":{"length":"0"}}`), ErrInvalidAttribute, "broken", "length"},
		{"negative split index", one(`{"type":"split","attributes":{"delimiter":",","index":-1}}`), ErrInvalidAttribute, "broken", "index"},
		{"split without delimiter", one(`{"type":"split","attributes":{"index":1}}`), ErrMissingAttribute, "broken", "delimiter"},
		{"substring without begin", one(`{"type":"substring","attributes":{"end":2}}`), ErrMissingAttribute, "broken", "begin"},
		{"substring begin not numeric", one(`{"type":"substring","attributes":{"begin":"x"}}`), ErrInvalidAttribute, "broken", "begin"},
		{"conditional without eq", one(`{"type":"conditional","attributes":{"expression":"a ne b","positiveCondition":"1","negativeCondition":"0"}}`), ErrInvalidAttribute, "broken", "ValueA eq ValueB"},
		{"conditional without branch", one(`{"type":"conditional","attributes":{"expression":"a eq b","positiveCondition":"1"}}`), ErrMissingAttribute, "broken", "negativeCondition"},
		{"bad date pattern letter", one(`{"type":"dateFormat","attributes":{"outputFormat":"yyyy-qq"}}`), ErrInvalidAttribute, "broken", "outputFormat"},
		{"unterminated date quote", one(`{"type":"dateFormat","attributes":{"inputFormat":"yyyy'T"}}`), ErrInvalidAttribute, "broken", "inputFormat"},
		{"unknown phone region", one(`{"type":"e164phone","attributes":{"defaultRegion":"ZZ"}}`), ErrInvalidAttribute, "broken", "defaultRegion"},
		{"firstValid bad ignoreErrors", one(`{"type":"firstValid","attributes":{"values":[],"ignoreErrors":"maybe"}}`), ErrInvalidAttribute, "broken", "ignoreErrors"},
		{"lookup without table", one(`{"type":"lookup","attributes":{}}`), ErrMissingAttribute, "broken", "table"},
		{"too deep", one(deep), ErrTooDeep, "broken", "levels"},
		{"generator nested", one(`{"type":"lower","attributes":{"input":{"type":"usernameGenerator","attributes":{"patterns":["$a"]}}}}`), ErrGeneratorNotRoot, "broken", "input"},
		{"LDAP rule nested", one(`{"type":"upper","attributes":{"input":{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}}}}`), ErrGeneratorNotRoot, "broken", "input"},
		{"counter not last", one(`{"type":"usernameGenerator","attributes":{"patterns":["$a${uniqueCounter}","$b"]}}`), ErrCounterNotLast, "broken", "patterns[0]"},
		{"counter twice", one(`{"type":"usernameGenerator","attributes":{"patterns":["$a${uniqueCounter}$uniqueCounter"]}}`), ErrInvalidTemplate, "broken", "once"},
		{"counter inside if", one(`{"type":"usernameGenerator","attributes":{"patterns":["#if($a)$uniqueCounter#end"]}}`), ErrInvalidTemplate, "broken", "#if"},
		{"generator without patterns", one(`{"type":"usernameGenerator","attributes":{}}`), ErrMissingAttribute, "broken", "patterns"},
		{"generator empty patterns", one(`{"type":"usernameGenerator","attributes":{"patterns":[]}}`), ErrInvalidAttribute, "broken", "patterns"},
		{"generator pattern not string", one(`{"type":"usernameGenerator","attributes":{"patterns":[1]}}`), ErrInvalidAttribute, "broken", "patterns[0]"},
		{"rule without template", withAttrs(`{}`), ErrMissingAttribute, "broken", "template"},
		{"malformed rule template", withAttrs(`{"template":"${firstname"}`), ErrInvalidTemplate, "broken", "attributes.template"},
		{"negative cloudMaxSize", withAttrs(`{"template":"$a","cloudMaxSize":"-1"}`), ErrInvalidAttribute, "broken", "cloudMaxSize"},
		{"non-numeric cloudMaxSize", withAttrs(`{"template":"$a","cloudMaxSize":"twenty"}`), ErrInvalidAttribute, "broken", "cloudMaxSize"},
		{"non-numeric cloudMaxUniqueChecks", withAttrs(`{"template":"$a","cloudMaxUniqueChecks":"fifty"}`), ErrInvalidAttribute, "broken", "cloudMaxUniqueChecks"},
		{"negative cloudMaxUniqueChecks", withAttrs(`{"template":"$a","cloudMaxUniqueChecks":"-5"}`), ErrInvalidAttribute, "broken", "cloudMaxUniqueChecks"},
		{"cloudMaxUniqueChecks above 50", withAttrs(`{"template":"$a","cloudMaxUniqueChecks":"51"}`), ErrInvalidAttribute, "broken", "50"},
		{"bad cloudRequired", withAttrs(`{"template":"$a","cloudRequired":"yes please"}`), ErrInvalidAttribute, "broken", "cloudRequired"},
		{"cloud settings checked on plain fields", `[{"name":"broken","attributes":{"cloudMaxSize":"-2"}}]`, ErrInvalidAttribute, "broken", "cloudMaxSize"},
		{"duplicate field", `[{"name":"broken"},{"name":"other"},{"name":"broken"}]`, ErrDuplicateField, "broken", ""},
		{
			"field cycle",
			`[{"name":"broken","transform":{"type":"static","attributes":{"value":"$b"}}},
			  {"name":"b","transform":{"type":"lower","attributes":{"input":"$broken"}}}]`,
			ErrCycle, "broken", "field broken -> field b -> field broken",
		},
		{
			"cycle through a variable",
			`[{"name":"broken","transform":{"type":"static","attributes":{"value":"$v","v":{"type":"static","attributes":{"value":"${c}"}}}}},
			  {"name":"c","transform":{"type":"static","attributes":{"value":"$broken"}}}]`,
			ErrCycle, "broken", "variable $v",
		},
		{
			"variable cycle inside a field",
			`[{"name":"broken","transform":{"type":"static","attributes":{"value":"$a","a":"x$b","b":"y$a"}}}]`,
			ErrCycle, "broken", "variable $a -> variable $b -> variable $a",
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			_, err := Compile(decodeFields(t, tc.policy))
			require.ErrorIs(t, err, tc.wantErr)
			var fe *FieldError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.field, fe.Field)
			require.Contains(t, err.Error(), fmt.Sprintf("field %q", tc.field))
			require.Contains(t, err.Error(), tc.contains)
		})
	}
}

func TestCompileEmptyFieldName(t *testing.T) {
	t.Parallel()
	_, err := Compile([]Field{{Name: "a"}, {Name: ""}})
	require.ErrorIs(t, err, ErrMissingAttribute)
	require.Contains(t, err.Error(), "fields[1].name")
}

func TestFieldErrorFormatting(t *testing.T) {
	t.Parallel()
	err := &FieldError{Field: "userName", Path: "transform.attributes", Err: ErrInvalidAttribute}
	require.Equal(t, `field "userName": transform.attributes: invalid attribute`, err.Error())
	require.ErrorIs(t, err, ErrInvalidAttribute)
	require.Equal(t, `field "x": required value missing`, (&FieldError{Field: "x", Err: ErrRequiredValueMissing}).Error())
	require.Equal(t, "p: invalid value", (&pathError{path: "p", err: ErrInvalidValue}).Error())
	require.True(t, strings.HasPrefix(atPath("outer", atPath("inner", ErrInvalidValue)).Error(), "inner"))
}
