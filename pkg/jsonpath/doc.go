// Package jsonpath evaluates JSONPath expressions in the dialect of Jayway
// JsonPath, which event-trigger subscription filters are written in.
//
// A subscription's filter matches an event when it selects anything from
// it. Compile a filter once and call Match for each event:
//
//	p, err := jsonpath.Compile(`$.changes[?(@.attribute == "department")]`)
//	...
//	ok, err := p.Match(ctx, event) // event decoded by encoding/json
//
// # Syntax
//
// A path starts at the root $ and applies segments in order:
//
//	.name  ['name']  ["name"]  member of an object
//	[n]  [-n]                  array element, negative counts from the end
//	[a,b,...]                  union of names, indexes, slices and *
//	[start:end:step]           slice; any part may be left out
//	.*  [*]                    every member or element
//	..name  ..*  ..[...]       the segment applied to a node and all of its
//	                           descendants
//	[?(filter)]                elements of an array that pass the filter;
//	                           an object is tested as a whole, so
//	                           $[?(...)] tests the event itself
//	.length()  .concat(...)    function of the selected node, last only
//
// Under "..", a filter tests each descendant object once, as Jayway's scan
// does, rather than testing array elements a second time. Whitespace may
// surround tokens inside brackets and filters but ends a path, so
// "@.a [0]" is an error rather than "@.a[0]".
//
// Filters combine comparisons with && (binding tighter), || and !, and
// parentheses. Operands are paths from @ (the node under test) or $ (the
// document), string literals in single or double quotes, numbers, true,
// false, null, array literals and, for =~, regex literals /re/ with
// optional i, m or s flags. A path on its own tests existence.
//
// Operators: == != < <= > >= =~ in nin subsetof anyof noneof size empty
// contains; the word operators are case-insensitive.
//
// # Semantics
//
// Values compare as Jayway compares them. A definite path (only names and
// indexes) yields one value, or "undefined" if it selects nothing; other
// paths yield the list of what they select. Undefined equals nothing, so
// "@.x != 'a'" and "@.x nin [...]" hold when x is missing. A string on the
// left of == equals a number with the same text; a number on the left
// equals a string that parses to it. < and friends order two numbers or
// two strings (by UTF-16 code units), nothing else. =~ must match the
// whole text of a string, number or boolean, any element of an array, or
// the empty string for anything else. size compares the length of a
// string or array; empty tests strings, arrays and objects; contains finds
// a substring in a string or an element in an array. length() counts
// array elements or object members; concat() joins the string elements of
// an array node with the text of its arguments.
//
// Where Jayway would throw during evaluation (a list operator given a
// non-list, empty given a non-boolean), the comparison is false instead,
// including for its negated forms; literals of the wrong type are
// rejected at compile time. Regexes use Go's RE2 syntax, which lacks
// look-around and back-references. Object members are visited in sorted
// key order, since decoded Go maps do not keep the source order.
//
// # Limits
//
// Filters come from users, so Compile bounds the expression length, the
// nesting depth and each regex, and every evaluation is bounded by a
// number of steps and by its context. See the With options; exceeding a
// bound is an error matching ErrLimitExceeded.
package jsonpath
