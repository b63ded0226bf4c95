package jsonpath_test

import (
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/jsonpath"
)

// TestOperators checks every filter operator with matching and
// non-matching cases against the two seed events. want is the number of
// selected nodes; the event matches when it is above zero.
func TestOperators(t *testing.T) {
	t.Parallel()
	events := map[string]any{
		"iac": decode(t, identityAttributesChanged),
		"pc":  decode(t, provisioningCompleted),
	}
	tests := []struct {
		name  string
		event string
		expr  string
		want  int
	}{
		// ==
		{"eq string", "iac", `$.changes[?(@.attribute == "department")]`, 1},
		{"eq string miss", "iac", `$.changes[?(@.attribute == "title")]`, 0},
		{"eq root filter", "pc", `$[?($.action == 'IdentityRefresh')]`, 1},
		{"eq root filter miss", "pc", `$[?($.action == 'AccessRequest')]`, 0},
		{"eq is case sensitive", "iac", `$[?($.identity.name == "John.Doe")]`, 0},
		{"eq string path is not a number literal", "pc", `$.accountRequests[?(@.ticketId == 72619262)]`, 0},
		{"eq number literal is not a string path", "pc", `$.accountRequests[?(72619262.0 == @.ticketId)]`, 0},
		{"eq string path with number text differs", "pc", `$.accountRequests[?(@.ticketId == 72619262.0)]`, 0},
		{"eq number", "iac", `$[?($.changes.length() == 3)]`, 1},
		{"eq number miss", "iac", `$[?($.changes.length() == 2)]`, 0},
		{"eq object by value", "iac", `$.changes[?(@.oldValue == $.changes[1].oldValue)]`, 1},
		{"eq array literal", "pc", `$[?($.errors == ['Connector AD Failed'])]`, 1},
		{"eq array literal miss", "pc", `$[?($.errors == ['Connector AD Failed', 'x'])]`, 0},
		{"eq missing never equal", "iac", `$.changes[?(@.missing == @.alsoMissing)]`, 0},
		{"eq path to path", "pc", `$[?($.recipient.id == $.requester.id)]`, 1},
		// !=
		{"ne", "iac", `$[?($.identity.name != "george.washington")]`, 1},
		{"ne miss", "iac", `$[?($.identity.name != "john.doe")]`, 0},
		{"ne missing path is not equal", "iac", `$.changes[?(@.missing != 'x')]`, 3},
		{"ne in array filter", "iac", `$.changes[?(@.attribute != 'manager')]`, 2},
		// < <= > >=
		{"gt number", "iac", `$[?($.changes.length() > 2)]`, 1},
		{"gt number miss", "iac", `$[?($.changes.length() > 3)]`, 0},
		{"ge number", "iac", `$[?($.changes.length() >= 3)]`, 1},
		{"ge number miss", "iac", `$[?($.changes.length() >= 4)]`, 0},
		{"lt number", "iac", `$[?($.changes.length() < 4)]`, 1},
		{"lt number miss", "iac", `$[?($.changes.length() < 3)]`, 0},
		{"le number", "iac", `$[?($.changes.length() <= 3)]`, 1},
		{"le number miss", "iac", `$[?($.changes.length() <= 2.5)]`, 0},
		{"gt string", "pc", `$.accountRequests[?(@.ticketId > '7')]`, 1},
		{"gt string miss", "pc", `$.accountRequests[?(@.ticketId > '8')]`, 0},
		{"lt string", "iac", `$[?($.identity.name < 'k')]`, 1},
		{"lt string miss", "iac", `$[?($.identity.name < 'john')]`, 0},
		{"le string equal", "iac", `$[?($.identity.name <= 'john.doe')]`, 1},
		{"ge string equal", "iac", `$[?($.identity.name >= 'john.doe')]`, 1},
		{"string and number are unordered", "pc", `$.accountRequests[?(@.ticketId > 1)]`, 0},
		{"missing is unordered", "pc", `$[?($.missing < 1)]`, 0},
		// =~
		{"regex with i flag", "iac", `$.changes[?(@.attribute == "department" && @.newValue =~ /MARK.*/i)]`, 1},
		{"regex case sensitive", "iac", `$.changes[?(@.attribute == "department" && @.newValue =~ /MARK.*/)]`, 0},
		{"regex matches anywhere", "iac", `$.changes[?(@.newValue =~ /arket/)]`, 1},
		{"regex anchored", "iac", `$.changes[?(@.newValue =~ /^market$/)]`, 0},
		{"regex anchored whole value", "iac", `$.changes[?(@.newValue =~ /^marketing$/)]`, 1},
		{"regex alternation", "iac", `$.changes[?(@.attribute =~ /department|email/)]`, 2},
		{"regex on array matches any element", "pc", `$[?($.warnings =~ /.*invalid email/)]`, 1},
		{"regex on array miss", "pc", `$[?($.warnings =~ /.*invalid phone/)]`, 0},
		{"regex on the left", "iac", `$[?(/john\..*/ =~ $.identity.name)]`, 1},
		{"regex missing value is empty text", "iac", `$.changes[?(@.missing =~ /^$/)]`, 3},
		{"regex object is empty text", "iac", `$.changes[?(@.newValue =~ /.+/)]`, 2},
		// in
		{"in", "iac", `$.changes[?(@.attribute == 'department' && @.newValue in ['sales','marketing'])]`, 1},
		{"in miss", "iac", `$.changes[?(@.attribute == 'department' && @.newValue in ['sales','engineering'])]`, 0},
		{"in path list", "pc", `$[?('Connector AD Failed' in $.errors)]`, 1},
		{"in path list miss", "pc", `$[?('Connector LDAP Failed' in $.errors)]`, 0},
		{"in missing left", "iac", `$.changes[?(@.missing in ['x'])]`, 0},
		{"in right not a list", "iac", `$[?($.identity.name in $.identity)]`, 0},
		{"IN is case insensitive", "iac", `$.changes[?(@.attribute IN ['email'])]`, 1},
		// nin
		{"nin", "iac", `$.changes[?(@.attribute == 'department' && @.newValue nin ['sales','engineering'])]`, 1},
		{"nin miss", "iac", `$.changes[?(@.attribute == 'department' && @.newValue nin ['marketing'])]`, 0},
		{"nin missing left", "iac", `$.changes[?(@.missing nin ['x'])]`, 3},
		{"nin right not a list", "iac", `$[?($.identity.name nin $.identity)]`, 0},
		// subsetof
		{"subsetof", "pc", `$[?($.warnings subsetof ['Notification Skipped due to invalid email','Account skipped'])]`, 1},
		{"subsetof miss", "pc", `$[?($.warnings subsetof ['Account skipped','Invalid account'])]`, 0},
		{"subsetof empty left", "pc", `$[?([] subsetof $.errors)]`, 1},
		{"subsetof empty right", "pc", `$[?($.errors subsetof [])]`, 0},
		{"subsetof missing left", "pc", `$[?($.missing subsetof ['a'])]`, 0},
		{"subsetof scalar left", "pc", `$[?($.action subsetof ['IdentityRefresh'])]`, 0},
		// anyof
		{"anyof", "pc", `$[?($.errors anyof ['Connector AD Failed','Other'])]`, 1},
		{"anyof miss", "pc", `$[?($.warnings anyof ['Account skipped','Invalid account'])]`, 0},
		{"anyof missing left", "pc", `$[?($.missing anyof ['a'])]`, 0},
		{"anyof deep scan", "iac", `$[?($..name anyof ['mean.guy'])]`, 1},
		// noneof
		{"noneof", "pc", `$[?($.warnings noneof ['Account skipped','Invalid account'])]`, 1},
		{"noneof miss", "pc", `$[?($.errors noneof ['Connector AD Failed'])]`, 0},
		{"noneof missing left", "pc", `$[?($.missing noneof ['a'])]`, 0},
		// size
		{"size array", "pc", `$[?($.warnings size 1)]`, 1},
		{"size array miss", "pc", `$[?($.warnings size 2)]`, 0},
		{"size string", "iac", `$[?($.identity.name size 8)]`, 1},
		{"size string miss", "iac", `$[?($.identity.name size 3)]`, 0},
		{"size truncates", "iac", `$[?($.changes size 3.7)]`, 1},
		{"size object", "iac", `$[?($.identity size 3)]`, 0},
		{"size missing", "iac", `$[?($.missing size 0)]`, 0},
		// empty
		{"empty false", "pc", `$[?($.errors empty false)]`, 1},
		{"empty true miss", "pc", `$[?($.errors empty true)]`, 0},
		{"empty strings and objects", "iac", `$.changes[?(@.oldValue empty false)]`, 3},
		{"empty string true miss", "iac", `$[?($.identity.name empty true)]`, 0},
		{"empty missing", "iac", `$[?($.missing empty true)]`, 0},
		// contains
		{"contains substring", "iac", `$[?($.identity.name contains "john")]`, 1},
		{"contains substring miss", "iac", `$[?($.identity.name contains "archer")]`, 0},
		{"contains is case sensitive", "iac", `$[?($.identity.name contains "JOHN")]`, 0},
		{"contains array element", "pc", `$[?($.errors contains 'Connector AD Failed')]`, 1},
		{"contains array needs whole element", "pc", `$[?($.errors contains 'Connector')]`, 0},
		{"contains on number", "pc", `$[?($.accountRequests.length() contains '1')]`, 0},
		// &&
		{"and", "iac", `$.changes[?(@.attribute == "email" && @.newValue == "john.doe@gmail.com")]`, 1},
		{"and miss", "iac", `$.changes[?(@.attribute == "email" && @.newValue == "john.doe@hotmail.com")]`, 0},
		{"and chain", "pc", `$.accountRequests[?(@.accountOperation == 'Modify' && @.provisioningResult == 'SUCCESS' && @.ticketId)]`, 1},
		// ||
		{"or", "iac", `$.changes[?(@.attribute == "title" || @.attribute == "email")]`, 1},
		{"or miss", "iac", `$.changes[?(@.attribute == "title" || @.attribute == "location")]`, 0},
		{"and binds tighter than or", "iac", `$.changes[?(@.attribute == "email" || @.attribute == "manager" && @.newValue == "x")]`, 1},
		// !
		{"not group", "iac", `$.changes[?(!(@.attribute == 'department'))]`, 2},
		{"not group miss", "iac", `$[?(!($.identity.name == 'john.doe'))]`, 0},
		{"not existence", "iac", `$.identity[?(!@.alternateEmail)]`, 1},
		{"not existence miss", "iac", `$.identity[?(!@.name)]`, 0},
		{"double not", "iac", `$.identity[?(!!@.name)]`, 1},
		// parentheses
		{"parentheses", "iac", `$.changes[?((@.attribute == 'department' || @.attribute == 'email') && @.newValue contains 'gmail')]`, 1},
		{"parentheses miss", "iac", `$.changes[?((@.attribute == 'department' || @.attribute == 'manager') && @.newValue contains 'gmail')]`, 0},
		// existence
		{"exists", "iac", `$.changes[?(@.oldValue.name)]`, 1},
		{"exists miss", "iac", `$.changes[?(@.oldValue.title)]`, 0},
		{"exists root", "pc", `$[?($.recipient)]`, 1},
		{"exists indefinite", "pc", `$[?($.accountRequests[*].attributeRequests[?(@.operation == 'Add')])]`, 1},
		{"exists indefinite miss", "pc", `$[?($.accountRequests[*].attributeRequests[?(@.operation == 'Remove')])]`, 0},
		// functions
		{"length of nested array", "pc", `$[?(@.accountRequests[0].attributeRequests.length() == 1)]`, 1},
		{"length of object", "pc", `$[?($.recipient.length() == 3)]`, 1},
		{"length of string has no result", "pc", `$[?($.action.length())]`, 0},
		{"concat", "pc", `$[?($.concat($.recipient.name, '/', $.requester.name) == 'William Wilson/William Wilson')]`, 1},
		{"concat miss", "pc", `$[?($.concat($.recipient.name, '/') == 'William Wilson')]`, 0},
		// literals
		{"boolean literals", "iac", `$[?(true == true)]`, 1},
		{"boolean literals miss", "iac", `$[?(true == false)]`, 0},
		{"null literals", "iac", `$[?(null == null)]`, 1},
		{"missing is not null", "iac", `$.changes[?(@.missing == null)]`, 0},
		{"negative number", "iac", `$[?($.changes.length() > -1)]`, 1},
		{"exponent number", "iac", `$[?($.changes.length() < 1e3)]`, 1},
		{"double-quoted escapes", "iac", `$[?($.identity.name == "john\u002edoe")]`, 1},
		{"single-quoted escapes", "iac", `$[?($.identity.name == 'john\.doe')]`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			doc := events[tt.event]
			p, err := jsonpath.Compile(tt.expr)
			require.NoError(t, err)
			got, err := p.Select(t.Context(), doc)
			require.NoError(t, err)
			require.Len(t, got, tt.want, "results: %v", got)
			matched, err := p.Match(t.Context(), doc)
			require.NoError(t, err)
			require.Equal(t, tt.want > 0, matched)
		})
	}
}
