// Package jsonpath evaluates JSONPath expressions in the dialect of Jayway
// JsonPath, which event-trigger subscription filters are written in, with
// the extensions the reference's own filter evaluator accepts (arithmetic,
// script expressions, bare names in brackets, JavaScript-style member
// access).
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
//	.name  ['name']  ["name"]  [name]
//	                           member of an object; a name that is an
//	                           integer (.2, .-1) also indexes an array
//	[n]  [-n]                  array element, negative counts from the end;
//	                           on an object, the member named "n"
//	[a,b,...]                  union of names, indexes, slices and *
//	[start:end:step]           slice; any part may be left out
//	.*  [*]                    every member or element
//	..name  ..*  ..[...]       the segment applied to a node and all of its
//	                           descendants
//	[?(filter)]                elements of an array that pass the filter;
//	                           an object is tested as a whole, so
//	                           $[?(...)] tests the event itself
//	[(expr)]                   script expression: the index or name that
//	                           expr computes, with @ the subscripted node
//	                           and @.length its length: [(@.length-1)]
//	.fn(...)                   function of the selected node, last only:
//	                           length() concat(...) min() max() avg()
//	                           stddev() sum() first() last() index(i)
//	                           keys() append(...)
//
// Under "..", a filter tests each descendant object once, as Jayway's scan
// does, rather than testing array elements a second time. Whitespace may
// follow a dot and surround tokens inside brackets and filters but
// otherwise ends a path, so "@.a [0]" is an error rather than "@.a[0]". A
// '-' right after a name belongs to the name, as in Jayway ("@.a-1" is the
// member "a-1"); write "@.a - 1" to subtract, except in a script
// expression, where "@.length-1" subtracts as in JavaScript.
//
// Filters combine comparisons with && (binding tighter), || and !, and
// parentheses. Operands are paths from @ (the node under test) or $ (the
// document), string literals in single or double quotes, numbers, true,
// false, null, array and object literals, arithmetic on them with + - * /
// (usual precedence, parentheses, unary minus) and, for =~, regex literals
// /re/ with optional g, i, m, s and u flags. A path on its own tests
// existence; true, false and null on their own are constants, null being
// false.
//
// Operators: == != < <= > >= =~ in nin subsetof anyof noneof size empty
// contains; the word operators are case-insensitive.
//
// # Semantics
//
// A definite path (only names and indexes) yields one value, or
// "undefined" if it selects nothing; other paths yield the list of what
// they select. Undefined equals nothing, so "@.x != 'a'" and
// "@.x nin [...]" hold when x is missing. == and != compare values of the
// same JSON type only: "2" is not 2. < and friends order two numbers or two
// strings (by UTF-16 code units), nothing else. =~ is true when the regex
// matches anywhere in the text of a string, number or boolean, in any
// element of an array, or in the empty string for anything else; anchor
// it with ^ and $ to match the whole text. size compares the length of a
// string or array; empty tests strings, arrays and objects; contains finds
// a substring in a string or an element in an array. Arithmetic works on
// numbers only.
//
// Functions: length() counts array elements or object members; concat()
// joins the string elements of an array node with the text of its
// arguments; min() max() avg() stddev() (of the population) and sum()
// aggregate the numbers among the elements of an array node and the
// arguments; first(), last() and index(i) pick an element (i < 0 counts
// from the end); keys() lists an object's member names, sorted; append()
// returns a copy of an array node with its arguments added. A function
// with nothing to work on (no numbers, not an array) has no result.
//
// Operands of the wrong type select nothing rather than fail: a list
// operator given a non-list, size given a non-number, empty given a
// non-boolean, or arithmetic given a non-number or dividing by zero. Such
// a comparison is false, including for its negated forms, so a malformed
// test never matches. Regexes use Go's RE2 syntax, which lacks look-around
// and back-references. Object members are visited in sorted key order,
// since decoded Go maps do not keep the source order.
//
// # Limits
//
// Filters come from users, so Compile bounds the expression length, the
// nesting depth and each regex, and every evaluation is bounded by a
// number of steps and by its context. See the With options; exceeding a
// bound is an error matching ErrLimitExceeded.
package jsonpath
