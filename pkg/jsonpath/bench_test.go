package jsonpath_test

import (
	"testing"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// benchFilters are typical subscription filters, evaluated against the
// Identity Attribute Changed seed event.
var benchFilters = []struct {
	name string
	expr string
}{
	{"root_eq", `$[?($.identity.name == "john.doe")]`},
	{"array_eq", `$.changes[?(@.attribute == "email")]`},
	{"and_regex", `$.changes[?(@.attribute == "department" && @.newValue =~ /MARK.*/i)]`},
	{"in_list", `$.changes[?(@.attribute in ['email','manager'] && @.newValue nin ['x','y'])]`},
	{"length", `$[?($.changes.length() >= 3)]`},
	{"no_match", `$.changes[?(@.attribute == "cloudLifecycleState" && @.newValue == "terminated")]`},
	{"deep_scan", `$..[?(@.name == 'mean.guy')]`},
}

func BenchmarkMatch(b *testing.B) {
	doc := decode(b, identityAttributesChanged)
	for _, bf := range benchFilters {
		p := jsonpath.MustCompile(bf.expr)
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := p.Match(b.Context(), doc); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

func BenchmarkCompile(b *testing.B) {
	for _, bf := range benchFilters {
		b.Run(bf.name, func(b *testing.B) {
			b.ReportAllocs()
			for b.Loop() {
				if _, err := jsonpath.Compile(bf.expr); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
