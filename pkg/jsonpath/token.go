package jsonpath

// tokenKind classifies a lexeme; word operators such as "in" stay tokWord
// and are recognised by the parser, because they are only keywords in
// operator position.
type tokenKind uint8

const (
	tokEOF      tokenKind = iota
	tokRoot               // $
	tokCurrent            // @
	tokDot                // .
	tokDotDot             // ..
	tokStar               // *
	tokLBracket           // [
	tokRBracket           // ]
	tokLParen             // (
	tokRParen             // )
	tokComma              // ,
	tokColon              // :
	tokQuestion           // ?
	tokNot                // !
	tokAnd                // &&
	tokOr                 // ||
	tokEq                 // ==
	tokNe                 // !=
	tokLt                 // <
	tokLe                 // <=
	tokGt                 // >
	tokGe                 // >=
	tokMatch              // =~
	tokString             // 'x' or "x", text holds the decoded value
	tokNumber             // -1.5e3, text holds the source
	tokWord               // true, null, in, ...
	tokRegex              // /re/flags, text holds the pattern
	tokPlus               // +
	tokMinus              // - not followed by a digit
	tokSlash              // /: division, or the start of a regex where a value is expected
	tokLBrace             // {
	tokRBrace             // }
)

func (k tokenKind) String() string {
	switch k {
	case tokEOF:
		return "end of expression"
	case tokRoot:
		return "'$'"
	case tokCurrent:
		return "'@'"
	case tokDot:
		return "'.'"
	case tokDotDot:
		return "'..'"
	case tokStar:
		return "'*'"
	case tokLBracket:
		return "'['"
	case tokRBracket:
		return "']'"
	case tokLParen:
		return "'('"
	case tokRParen:
		return "')'"
	case tokComma:
		return "','"
	case tokColon:
		return "':'"
	case tokQuestion:
		return "'?'"
	case tokNot:
		return "'!'"
	case tokAnd:
		return "'&&'"
	case tokOr:
		return "'||'"
	case tokEq:
		return "'=='"
	case tokNe:
		return "'!='"
	case tokLt:
		return "'<'"
	case tokLe:
		return "'<='"
	case tokGt:
		return "'>'"
	case tokGe:
		return "'>='"
	case tokMatch:
		return "'=~'"
	case tokString:
		return "string"
	case tokNumber:
		return "number"
	case tokWord:
		return "word"
	case tokRegex:
		return "regex"
	case tokPlus:
		return "'+'"
	case tokMinus:
		return "'-'"
	case tokSlash:
		return "'/'"
	case tokLBrace:
		return "'{'"
	case tokRBrace:
		return "'}'"
	default:
		return "token"
	}
}

type token struct {
	kind  tokenKind
	pos   int    // byte offset of the first character
	text  string // see tokenKind
	flags string // regex flags
	// spaced records whitespace right before the token: a path ends at
	// whitespace, as in Jayway, so "@.a [0]" is not "@.a[0]".
	spaced bool
}

// describe renders the token for error messages.
func (t token) describe() string {
	switch t.kind {
	case tokString:
		return "string literal"
	case tokNumber:
		return "number " + t.text
	case tokWord:
		return "'" + t.text + "'"
	case tokRegex:
		return "regex literal"
	default:
		return t.kind.String()
	}
}
