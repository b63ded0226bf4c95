package transform

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
)

// FuzzCompileEvaluate feeds arbitrary transform JSON and templates through
// Compile and Evaluate. Whatever the input, the engine must not panic, must
// report compile failures as *FieldError, and must respect MaxOutputSize.
func FuzzCompileEvaluate(f *testing.F) {
	seeds := []struct{ transform, template, value string }{
		{`{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}}`, "${firstname}.${lastname}${uniqueCounter}", "John"},
		{`{"type":"usernameGenerator","attributes":{"patterns":["$fn.$ln","$fn$ln${uniqueCounter}"],"fn":{"type":"identityAttribute","attributes":{"name":"firstname"}},"ln":"$lastname"}}`, "x", "Ann"},
		{`{"type":"static","attributes":{"value":"#if($a == 'x')y#elseif(!$b)z#{else}w#end","a":"$firstname"}}`, "$a", "x"},
		{`{"type":"concat","attributes":{"values":["a",{"type":"lower","attributes":{"input":"$attr"}},{"type":"substring","attributes":{"begin":1,"end":3}}]}}`, "", "Hello"},
		{`{"type":"replaceAll","attributes":{"table":{"[.]":"-","(a)(b)":"$2$1"}}}`, "$x", "ab.ab"},
		{`{"type":"split","attributes":{"delimiter":"[,;]","index":1,"throws":false}}`, "${identity.manager.attributes.dn}", "a;b"},
		{`{"type":"dateFormat","attributes":{"inputFormat":"M/d/yyyy","outputFormat":"EEEE MMMM d yyyy hh a XXX"}}`, "", "4/1/1975"},
		{`{"type":"firstValid","attributes":{"ignoreErrors":true,"values":[{"type":"getReferenceIdentityAttribute","attributes":{"uid":"manager","attributeName":"x"}},"$attr"]}}`, "", "v"},
		{`{"type":"conditional","attributes":{"expression":"$attr eq foo","positiveCondition":"$p","negativeCondition":{"type":"upper"},"p":"yes"}}`, "", "foo"},
		{`{"type":"leftPad","attributes":{"length":"9","padding":"é0"}}`, "", "12"},
		{`{"type":"e164phone","attributes":{"defaultRegion":"AU"}}`, "", "0412345678"},
		{`{"type":"normalizeNames"}`, "", "jOHN VON SmITh-MACDONALD iii"},
		{`{"type":"base64Decode","attributes":{"input":{"type":"base64Encode"}}}`, "", "\x00\xff"},
		{`{"type":"lookup","attributes":{"table":{"a":"b","default":"$attr"}}}`, "", "q"},
		{`{"type":"randomAlphaNumeric","attributes":{"length":5}}`, "", ""},
		{`{"type":"indexOf","attributes":{"substring":"ñ"}}`, "", "Piñon"},
	}
	for _, s := range seeds {
		f.Add(s.transform, s.template, s.value)
	}
	f.Fuzz(func(t *testing.T, transform, template, value string) {
		var tr map[string]any
		if err := json.Unmarshal([]byte(transform), &tr); err != nil {
			return
		}
		fields := []Field{
			{Name: "attr", Transform: tr, Attributes: map[string]any{"template": template, "cloudMaxUniqueChecks": "5", "cloudMaxSize": "12"}},
			{Name: "tpl", Transform: map[string]any{"type": "static", "attributes": map[string]any{"value": template}}},
			{
				Name: "gen", Transform: map[string]any{"type": "rule", "attributes": map[string]any{"name": "Create Unique Account ID"}},
				Attributes: map[string]any{"template": template + "${uniqueCounter}", "cloudMaxUniqueChecks": "3"},
			},
		}
		prog, err := Compile(fields)
		if err != nil {
			var fe *FieldError
			if !errors.As(err, &fe) {
				t.Fatalf("compile error is not a *FieldError: %v", err)
			}
			return
		}
		identity := map[string]any{"firstname": value, "lastname": value, "attr": value, "a": value, "x": value}
		res, err := prog.Evaluate(context.Background(), Input{
			Identity: identity, Claimer: NewMemoryClaimer(), Random: seeded(1),
			References: fakeResolver{"manager": {"dn": value, "x": value}},
		})
		if res == nil {
			t.Fatalf("nil result (err %v)", err)
		}
		for name, v := range res.Attributes {
			if s, ok := v.(string); ok && len(s) > MaxOutputSize {
				t.Fatalf("field %s: %d bytes exceeds MaxOutputSize", name, len(s))
			}
		}
	})
}
