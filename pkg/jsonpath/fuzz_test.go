package jsonpath_test

import (
	"bytes"
	"encoding/json"
	"errors"
	"testing"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// fuzzSeeds covers every construct of the grammar.
var fuzzSeeds = []string{
	`$`,
	`$.identity.name`,
	`$['identity']["name"]`,
	`$.changes[1].attribute`,
	`$.changes[-1]`,
	`$.changes[0,2]`,
	`$.changes[0:2:1]`,
	`$.changes[::-1]`,
	`$.changes[*]`,
	`$..id`,
	`$..*`,
	`$..[?(@.type == 'IDENTITY')]`,
	`$[?($.identity.name == "john.doe")]`,
	`$.changes[?(@.attribute == "department" && @.newValue =~ /MARK.*/i)]`,
	`$.changes[?(@.newValue in ['sales','marketing'] || @.newValue nin ['x'])]`,
	`$[?($.warnings subsetof ['a'] || $.warnings anyof ['b'] || $.warnings noneof ['c'])]`,
	`$[?($.warnings size 1 && $.errors empty false && $.action contains 'Id')]`,
	`$.identity[?(!@.alternateEmail)]`,
	`$[?(!(@.a < 1) && (@.b <= 2 || @.c > 3) && @.d >= 4 && @.e != null)]`,
	`$[?($.changes.length() >= 3)]`,
	`$.concat($.identity.name, " ", 1, true, [1, 'x'])`,
	`$.accountRequests[?(@.attributeRequests[?(@.operation == 'Add')])]`,
	`$[?(@.a == [[1], {"x": 1}])]`,
	`$.changes[?(@.number + 2 > $.number + 8 && @.key/10 == 5 && (@.a - 1) * -@.b != 0)]`,
	`$.changes[(@.length-1)].attribute`,
	`$[identity][name, type]`,
	`$.changes.2.attribute`,
	`$.changes.-1`,
	`$.identity[0]`,
	`$.changes[?(@.newValue =~ /MARK/gimsu)]`,
	`$.changes[?(true && !false || null)]`,
	`$.changes[?(@.oldValue == {"id": "x", "name": ['n', 1.5e2], "type": null})]`,
	`$[?($.identity in "x" || 123 subsetof $.errors || $.warnings size "9" || $.errors empty 1)]`,
	`$[?($.trackingNumber == 2 || "2" != $.action)]`,
	`$.changes[3:0:-2]`,
	`$.changes[0:3:0]`,
	`$.changes[2:113667776004]`,
	`$. identity. name`,
	`$..id.min()`,
	`$.changes.max()`,
	`$.changes.avg()`,
	`$.changes.stddev()`,
	`$.sum(1, 2, $..ticketId)`,
	`$.changes.first()`,
	`$.changes.last()`,
	`$.changes.index(-1)`,
	`$.identity.keys()`,
	`$.errors.append('x', 1, [2], {"k": null})`,
}

func checkEval(t *testing.T, p *jsonpath.Path, doc any) {
	t.Helper()
	got, selErr := p.Select(t.Context(), doc)
	matched, matchErr := p.Match(t.Context(), doc)
	for _, err := range []error{selErr, matchErr} {
		if err != nil && !errors.Is(err, jsonpath.ErrLimitExceeded) {
			t.Fatalf("%s: unexpected evaluation error: %v", p, err)
		}
	}
	if selErr == nil && matchErr == nil && matched != (len(got) > 0) {
		t.Fatalf("%s: Match = %v but Select returned %d nodes", p, matched, len(got))
	}
}

func FuzzCompile(f *testing.F) {
	for _, s := range fuzzSeeds {
		f.Add(s)
	}
	iac := decode(f, identityAttributesChanged)
	pc := decode(f, provisioningCompleted)
	f.Fuzz(func(t *testing.T, expr string) {
		p, err := jsonpath.Compile(expr, jsonpath.WithMaxNodes(20_000))
		if err != nil {
			var se *jsonpath.SyntaxError
			if !errors.As(err, &se) || !errors.Is(err, jsonpath.ErrSyntax) {
				t.Fatalf("Compile(%q) error is not a *SyntaxError: %v", expr, err)
			}
			if se.Pos < 0 || se.Pos > len(expr) {
				t.Fatalf("Compile(%q) error position %d out of range", expr, se.Pos)
			}
			return
		}
		if p.String() != expr {
			t.Fatalf("String() = %q, want %q", p.String(), expr)
		}
		checkEval(t, p, iac)
		checkEval(t, p, pc)
	})
}

func FuzzSelect(f *testing.F) {
	docs := []string{identityAttributesChanged, provisioningCompleted, `[1, "1", [], {}, null, true, -0.5e3]`, `{"a": {"a": {"a": [{"a": 1}]}}}`}
	for i, s := range fuzzSeeds {
		f.Add(s, []byte(docs[i%len(docs)]))
	}
	f.Fuzz(func(t *testing.T, expr string, data []byte) {
		p, err := jsonpath.Compile(expr, jsonpath.WithMaxNodes(20_000))
		if err != nil {
			return
		}
		var doc any
		if json.Unmarshal(data, &doc) != nil {
			return
		}
		checkEval(t, p, doc)
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.UseNumber()
		var numDoc any
		if dec.Decode(&numDoc) == nil {
			checkEval(t, p, numDoc)
		}
	})
}
