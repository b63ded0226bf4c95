package transform

import (
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// goldenCase turns one worked example of the transform docs into a test: a
// transform, the identity/account it reads, and the documented output.
type goldenCase struct {
	name      string
	transform string
	identity  map[string]any
	account   map[string]any
	refs      ReferenceResolver
	want      any
	wantErr   error
}

func runGolden(t *testing.T, cases []goldenCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, _, err := evalOne(t, tc.transform, Input{
				Identity: tc.identity, Account: tc.account, References: tc.refs,
			})
			if tc.wantErr != nil {
				require.ErrorIs(t, err, tc.wantErr)
				return
			}
			require.NoError(t, err)
			if diff := cmp.Diff(tc.want, got); diff != "" {
				t.Errorf("value mismatch (-want +got):\n%s", diff)
			}
		})
	}
}

// hr is the "HR Source" account most doc examples read from.
func hr(attrs map[string]any) map[string]any { return map[string]any{"HR Source": attrs} }

func TestGoldenStatic(t *testing.T) {
	t.Parallel()
	const ifElse = `{"type":"static","attributes":{
		"workerType":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"empType"}},
		"value":"#if($workerType=='Employee')Full-Time#{else}Contingent#end"}}`
	runGolden(t, []goldenCase{
		{name: "structure fixed value", transform: `{"type":"static","attributes":{"value":"Employee"}}`, want: "Employee"},
		{
			name: "dynamic variable from account attribute",
			transform: `{"type":"static","attributes":{
				"workerType":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"empType"}},
				"value":"$workerType"}}`,
			account: hr(map[string]any{"empType": "Employee"}),
			want:    "Employee",
		},
		{name: "if/else employee", transform: ifElse, account: hr(map[string]any{"empType": "Employee"}), want: "Full-Time"},
		{name: "if/else contractor", transform: ifElse, account: hr(map[string]any{"empType": "Contractor"}), want: "Contingent"},
		{name: "if/else missing", transform: ifElse, want: "Contingent"},
		{
			name:      "template mixes identity attributes",
			transform: `{"type":"static","attributes":{"value":"$firstName.$lastName"}}`,
			identity:  map[string]any{"firstName": "John", "lastName": "Doe"},
			want:      "John.Doe",
		},
		{
			name:      "single reference keeps the value type",
			transform: `{"type":"static","attributes":{"value":"${enabled}"}}`,
			identity:  map[string]any{"enabled": true},
			want:      true,
		},
		{
			name:      "literal dollar",
			transform: `{"type":"static","attributes":{"value":"US$ 5 #1"}}`,
			want:      "US$ 5 #1",
		},
		{
			name:      "elseif with and/or/not",
			transform: `{"type":"static","attributes":{"value":"#if($a == 'x' && !$b)one#elseif($a != 'x' || $b)two#{else}three#{end}"}}`,
			identity:  map[string]any{"a": "y"},
			want:      "two",
		},
	})
}

func TestGoldenAttributes(t *testing.T) {
	t.Parallel()
	lookupMember := `{"type":"lookup","attributes":{
		"input":{"type":"firstValid","attributes":{"values":[
			{"type":"accountAttribute","attributes":{"accountPropertyFilter":"(memberOf.contains(\"All AD Users-rshwart\"))","attributeName":"sAMAccountName","sourceName":"Active Directory"}},
			"FALSE"]}},
		"table":{"FALSE":"FALSE","default":"TRUE"}}}`
	runGolden(t, []goldenCase{
		{name: "identity uid", transform: `{"type":"identityAttribute","attributes":{"name":"uid"}}`, identity: map[string]any{"uid": "john.doe"}, want: "john.doe"},
		{
			name:      "identity employee number",
			transform: `{"type":"identityAttribute","attributes":{"name":"identificationNumber"}}`,
			identity:  map[string]any{"identificationNumber": "E1234"},
			want:      "E1234",
		},
		{name: "identity missing is null", transform: `{"type":"identityAttribute","attributes":{"name":"uid"}}`, want: nil},
		{
			name: "account latest HR record",
			transform: `{"type":"accountAttribute","attributes":{"attributeName":"HIREDATE","sourceName":"Corporate HR",
				"accountSortAttribute":"created","accountSortDescending":true,"accountReturnFirstLink":true,
				"accountPropertyFilter":"(WORKER_STATUS__c == \"active\")"}}`,
			account: map[string]any{"Corporate HR": map[string]any{"HIREDATE": "2020-02-03"}},
			want:    "2020-02-03",
		},
		{
			name:      "account sAMAccountName",
			transform: `{"type":"accountAttribute","attributes":{"attributeName":"sAMAccountName","sourceName":"Active Directory","accountFilter":"!(displayName.startsWith(\"SVC-\"))"}}`,
			account:   map[string]any{"Active Directory": map[string]any{"sAMAccountName": "jdoe"}},
			want:      "jdoe",
		},
		{
			name:      "account flat map",
			transform: `{"type":"accountAttribute","attributes":{"attributeName":"department","sourceName":"Workday"}}`,
			account:   map[string]any{"department": "Engineering"},
			want:      "Engineering",
		},
		{name: "lookup member", transform: lookupMember, account: map[string]any{"Active Directory": map[string]any{"sAMAccountName": "jdoe"}}, want: "TRUE"},
		{name: "lookup non-member", transform: lookupMember, want: "FALSE"},
		{
			name:      "lookup structure",
			transform: `{"type":"lookup","attributes":{"table":{"USA":"Americas","FRA":"EMEA","AUS":"APAC","default":"Unknown Region"}}}`,
			identity:  map[string]any{subject: "FRA"},
			want:      "EMEA",
		},
		{
			name:      "lookup default",
			transform: `{"type":"lookup","attributes":{"table":{"USA":"Americas","default":"Unknown Region"}}}`,
			identity:  map[string]any{subject: "NZL"},
			want:      "Unknown Region",
		},
		{
			name:      "lookup without default",
			transform: `{"type":"lookup","attributes":{"table":{"USA":"Americas"}}}`,
			identity:  map[string]any{subject: "NZL"},
			wantErr:   ErrInvalidValue,
		},
	})
}

func TestGoldenReference(t *testing.T) {
	t.Parallel()
	refs := fakeResolver{
		"manager":         {"email": "boss@example.com", "networkDn": "CN=Boss,OU=Users"},
		"corporate.admin": {"phone": "+15125550100"},
	}
	managerDN := `{"type":"firstValid","attributes":{"ignoreErrors":"true","values":[
		{"type":"static","attributes":{"value":"$identity.manager.attributes.networkDn"}},""]}}`
	runGolden(t, []goldenCase{
		{
			name:      "manager email",
			transform: `{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"getReferenceIdentityAttribute","uid":"manager","attributeName":"email"}}`,
			refs:      refs,
			want:      "boss@example.com",
		},
		{
			name:      "corporate admin phone",
			transform: `{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"getReferenceIdentityAttribute","uid":"corporate.admin","attributeName":"phone"}}`,
			refs:      refs,
			want:      "+15125550100",
		},
		{
			name:      "shorthand type",
			transform: `{"type":"getReferenceIdentityAttribute","attributes":{"uid":"manager","attributeName":"email"}}`,
			refs:      refs,
			want:      "boss@example.com",
		},
		{
			name:      "no manager",
			transform: `{"type":"getReferenceIdentityAttribute","attributes":{"uid":"manager","attributeName":"email"}}`,
			refs:      fakeResolver{},
			wantErr:   ErrReferenceNotFound,
		},
		{
			name:      "no resolver",
			transform: `{"type":"getReferenceIdentityAttribute","attributes":{"uid":"manager","attributeName":"email"}}`,
			wantErr:   ErrMissingDependency,
		},
		{name: "manager DN", transform: managerDN, refs: refs, want: "CN=Boss,OU=Users"},
		{name: "manager DN without manager ignores the error", transform: managerDN, refs: fakeResolver{}, want: ""},
		{
			name:      "without ignoreErrors the error surfaces",
			transform: `{"type":"firstValid","attributes":{"values":[{"type":"static","attributes":{"value":"$identity.manager.attributes.networkDn"}},""]}}`,
			refs:      fakeResolver{},
			wantErr:   ErrReferenceNotFound,
		},
	})
}

func TestGoldenText(t *testing.T) {
	t.Parallel()
	runGolden(t, []goldenCase{
		{name: "index: lower Foo", transform: `{"type":"lower"}`, identity: map[string]any{subject: "Foo"}, want: "foo"},
		{name: "index: concat Foo Bar", transform: `{"type":"concat","attributes":{"values":["Foo","Bar"]}}`, want: "FooBar"},
		{
			name:      "index: nested concat lower",
			transform: `{"type":"lower","attributes":{"input":{"type":"concat","attributes":{"values":["Foo","Bar"]}}}}`,
			want:      "foobar",
		},
		{
			name: "index: replace inside concat inside lower",
			transform: `{"type":"lower","attributes":{"input":{"type":"concat","attributes":{"values":["Foo",
				{"type":"replace","attributes":{"input":"Bar","regex":"Bar","replacement":"Baz"}}]}}}}`,
			want: "foobaz",
		},
		{
			name:      "index: implicit input",
			transform: `{"type":"lower","attributes":{}}`,
			identity:  map[string]any{subject: "Services"},
			want:      "services",
		},
		{
			name:      "index: explicit input wins",
			transform: `{"type":"lower","attributes":{"input":{"type":"accountAttribute","attributes":{"attributeName":"department","sourceName":"Source 2"}}}}`,
			identity:  map[string]any{subject: "Services"},
			account:   map[string]any{"Source 2": map[string]any{"department": "Engineering"}},
			want:      "engineering",
		},
		{name: "lower ACTIVE", transform: `{"type":"lower","attributes":{"input":{"type":"static","attributes":{"value":"ACTIVE"}}}}`, want: "active"},
		{name: "lower All-Access", transform: `{"type":"lower","attributes":{"input":{"type":"static","attributes":{"value":"All-Access"}}}}`, want: "all-access"},
		{name: "lower null", transform: `{"type":"lower"}`, want: nil},
		{name: "upper inactive", transform: `{"type":"upper","attributes":{"input":{"type":"static","attributes":{"value":"inactive"}}}}`, want: "INACTIVE"},
		{name: "upper Everyone", transform: `{"type":"upper","attributes":{"input":{"type":"static","attributes":{"value":"Everyone"}}}}`, want: "EVERYONE"},
		{name: "trim leading", transform: `{"type":"trim","attributes":{"input":{"type":"static","attributes":{"value":" Vice President"}}}}`, want: "Vice President"},
		{name: "trim trailing", transform: `{"type":"trim","attributes":{"input":{"type":"static","attributes":{"value":"Austin, Texas "}}}}`, want: "Austin, Texas"},
		{name: "concat structure", transform: `{"type":"concat","attributes":{"values":["John"," ","Smith"]}}`, want: "John Smith"},
		{
			name: "concat contractor",
			transform: `{"type":"concat","attributes":{"values":[
				{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"FirstName"}}," ",
				{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"LastName"}}," (Contractor)"]}}`,
			account: hr(map[string]any{"FirstName": "John", "LastName": "Smith"}),
			want:    "John Smith (Contractor)",
		},
		{
			name: "concat job title and code",
			transform: `{"type":"concat","attributes":{"values":[
				{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"JobTitle"}},"-",
				{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"JobCode"}}]}}`,
			account: hr(map[string]any{"JobTitle": "Engineer", "JobCode": 42.0}),
			want:    "Engineer-42",
		},
		{name: "concat list item is an error", transform: `{"type":"concat","attributes":{"values":["a",["b"]]}}`, wantErr: ErrInvalidValue},
		{name: "normalize von", transform: `{"type":"normalizeNames","attributes":{"input":{"type":"static","attributes":{"value":"jOHN VON SmITh"}}}}`, want: "John von Smith"},
		{
			name:      "normalize O'Brien",
			transform: `{"type":"normalizeNames","attributes":{"input":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"LastName"}}}}`,
			account:   hr(map[string]any{"LastName": "Dr. JOHN D. O'BRIEN"}),
			want:      "Dr. John D. O'Brien",
		},
		{name: "normalize Mc Mac hyphen numeral", transform: `{"type":"normalizeNames"}`, identity: map[string]any{subject: "ronald MCDONALD-MACARTHUR iii"}, want: "Ronald McDonald-MacArthur III"},
		{name: "normalize particles", transform: `{"type":"normalizeNames"}`, identity: map[string]any{subject: "MARIA DE LA CRUZ Y LOPEZ"}, want: "Maria de la Cruz y Lopez"},
	})
}

func TestGoldenSubstringFamily(t *testing.T) {
	t.Parallel()
	in := map[string]any{subject: "abcdef"}
	runGolden(t, []goldenCase{
		{name: "substring cd", transform: `{"type":"substring","attributes":{"begin":2,"end":4}}`, identity: in, want: "cd"},
		{name: "substring offsets cde", transform: `{"type":"substring","attributes":{"begin":1,"end":3,"beginOffset":1,"endOffset":2}}`, identity: in, want: "cde"},
		{name: "substring structure begin only", transform: `{"type":"substring","attributes":{"begin":4}}`, identity: in, want: "ef"},
		{name: "substring begin -1 ignores offset", transform: `{"type":"substring","attributes":{"begin":-1,"beginOffset":3,"end":2}}`, identity: in, want: "ab"},
		{name: "substring end -1", transform: `{"type":"substring","attributes":{"begin":"3","end":"-1"}}`, identity: in, want: "def"},
		{name: "substring clamps", transform: `{"type":"substring","attributes":{"begin":4,"end":40}}`, identity: in, want: "ef"},
		{name: "substring runes", transform: `{"type":"substring","attributes":{"begin":1,"end":3}}`, identity: map[string]any{subject: "Piñon"}, want: "iñ"},
		{
			name:      "substring begin from indexOf",
			transform: `{"type":"substring","attributes":{"begin":{"type":"indexOf","attributes":{"substring":"_"}},"beginOffset":1}}`,
			identity:  map[string]any{subject: "admin_jsmith"},
			want:      "jsmith",
		},
		{name: "indexOf admin_", transform: `{"type":"indexOf","attributes":{"substring":"admin_"}}`, identity: map[string]any{subject: "admin_jsmith"}, want: "0"},
		{name: "indexOf b", transform: `{"type":"indexOf","attributes":{"substring":"b"}}`, identity: map[string]any{subject: "abcabcabc"}, want: "1"},
		{name: "indexOf missing", transform: `{"type":"indexOf","attributes":{"substring":"z"}}`, identity: map[string]any{subject: "abc"}, want: "-1"},
		{name: "split colon", transform: `{"type":"split","attributes":{"delimiter":":","index":1}}`, identity: map[string]any{subject: "abc:123"}, want: "123"},
		{
			name:      "split explicit input",
			transform: `{"type":"split","attributes":{"input":"The quick brown fox jumped over 10 lazy dogs","delimiter":" ","index":3,"throws":true}}`,
			want:      "fox",
		},
		{name: "split structure out of range throws", transform: `{"type":"split","attributes":{"delimiter":",","index":5}}`, identity: map[string]any{subject: "a,b"}, wantErr: ErrIndexOutOfRange},
		{name: "split out of range null", transform: `{"type":"split","attributes":{"delimiter":",","index":5,"throws":"false"}}`, identity: map[string]any{subject: "a,b"}, want: nil},
		{name: "split regex", transform: `{"type":"split","attributes":{"delimiter":"[,;]\\s*","index":2}}`, identity: map[string]any{subject: "a, b;c"}, want: "c"},
		{name: "split single char is literal", transform: `{"type":"split","attributes":{"delimiter":".","index":1}}`, identity: map[string]any{subject: "a.b"}, want: "b"},
		{
			name:      "getEndOfString",
			transform: `{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"getEndOfString","numChars":"4"}}`,
			identity:  map[string]any{subject: "abcd1234"},
			want:      "1234",
		},
		{
			name:      "getEndOfString too short is null",
			transform: `{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"getEndOfString","numChars":"16","input":"This is a test."}}`,
			want:      nil,
		},
		{
			name:      "rule doc: deployment utility over trimmed implicit input",
			transform: `{"type":"rule","attributes":{"name":"Cloud Services Deployment Utility","operation":"getEndOfString","input":{"type":"trim"},"numChars":"3"}}`,
			identity:  map[string]any{subject: "  hello world  "},
			want:      "rld",
		},
	})
}

func TestGoldenPadAndReplace(t *testing.T) {
	t.Parallel()
	runGolden(t, []goldenCase{
		{name: "leftPad structure", transform: `{"type":"leftPad","attributes":{"padding":"0","length":"5"}}`, identity: map[string]any{subject: "1234"}, want: "01234"},
		{name: "leftPad zeros", transform: `{"type":"leftPad","attributes":{"padding":"0","length":"8"}}`, identity: map[string]any{subject: "1234"}, want: "00001234"},
		{
			name:      "leftPad x from HR",
			transform: `{"type":"leftPad","attributes":{"padding":"x","length":"7","input":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"employeeID"}}}}`,
			account:   hr(map[string]any{"employeeID": "1234"}),
			want:      "xxx1234",
		},
		{name: "leftPad default space", transform: `{"type":"leftPad","attributes":{"length":3}}`, identity: map[string]any{subject: "7"}, want: "  7"},
		{name: "leftPad null stays null", transform: `{"type":"leftPad","attributes":{"length":3}}`, want: nil},
		{name: "leftPad longer input unchanged", transform: `{"type":"leftPad","attributes":{"length":2}}`, identity: map[string]any{subject: "1234"}, want: "1234"},
		{name: "rightPad structure", transform: `{"type":"rightPad","attributes":{"padding":"0","length":"5"}}`, identity: map[string]any{subject: "1234"}, want: "12340"},
		{name: "rightPad zeros", transform: `{"type":"rightPad","attributes":{"padding":"0","length":"8"}}`, identity: map[string]any{subject: "1234"}, want: "12340000"},
		{
			name:      "rightPad x from HR",
			transform: `{"type":"rightPad","attributes":{"padding":"x","length":"7","input":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"employeeID"}}}}`,
			account:   hr(map[string]any{"employeeID": "1234"}),
			want:      "1234xxx",
		},
		{name: "rightPad multi-char padding", transform: `{"type":"rightPad","attributes":{"padding":"ab","length":"5"}}`, identity: map[string]any{subject: "1"}, want: "1abab"},
		{
			name:      "replace IIQ",
			transform: `{"type":"replace","attributes":{"regex":"IIQ","replacement":"Identity Security Cloud"}}`,
			identity:  map[string]any{subject: "Working with IIQ is fun"},
			want:      "Working with Identity Security Cloud is fun",
		},
		{
			name:      "replace non-alphabet",
			transform: `{"type":"replace","attributes":{"input":"The quick brown fox jumped over 10 lazy dogs","regex":"[^a-zA-Z]","replacement":""}}`,
			want:      "Thequickbrownfoxjumpedoverlazydogs",
		},
		{
			name:      "replace java group reference",
			transform: `{"type":"replace","attributes":{"regex":"(\\w+)@(\\w+)","replacement":"$2\\\\$1x"}}`,
			identity:  map[string]any{subject: "jdoe@corp"},
			want:      "corp\\jdoex",
		},
		{
			// The doc's request body uses "." as a key but its output
			// replaces "-" with " " as the structure example does; "." is a
			// regex matching any character, so the structure table is the
			// one that yields the documented output.
			name:      "replaceAll special characters",
			transform: `{"type":"replaceAll","attributes":{"table":{"-":" ","\"":"'","ñ":"n"}}}`,
			identity:  map[string]any{subject: "Enrique Jose-Piñon"},
			want:      "Enrique Jose Pinon",
		},
		{
			name:      "replaceAll request body as printed: dot is a regex",
			transform: `{"type":"replaceAll","attributes":{"table":{".":"-","\"":"'","ñ":"n"}}}`,
			identity:  map[string]any{subject: "José"},
			want:      "----",
		},
		{
			name:      "replaceAll phone cleanup with empty input",
			transform: `{"type":"replaceAll","attributes":{"input":"","table":{"[.]":"-","[a-zA-z]":""}}}`,
			identity:  map[string]any{subject: "ad512.777.1234"},
			want:      "512-777-1234",
		},
		{name: "replaceAll without table", transform: `{"type":"replaceAll"}`, identity: map[string]any{subject: "same"}, want: "same"},
	})
}

func TestGoldenChoice(t *testing.T) {
	t.Parallel()
	firstValid := `{"type":"firstValid","attributes":{"values":[
		{"type":"accountAttribute","attributes":{"sourceName":"Active Directory","attributeName":"sAMAccountName"}},
		{"type":"accountAttribute","attributes":{"sourceName":"Okta","attributeName":"login"}},
		{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"employeeID"}}]}}`
	mail := `{"type":"firstValid","attributes":{"values":[
		{"type":"accountAttribute","attributes":{"sourceName":"Active Directory","attributeName":"mail"}},
		{"type":"static","attributes":{"value":"none"}}]}}`
	science := `{"type":"conditional","attributes":{"expression":"$department eq Science","positiveCondition":"true","negativeCondition":"false",
		"department":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"department"}}}}`
	building := `{"type":"conditional","attributes":{"expression":"$department eq Science",
		"positiveCondition":"$scienceBuilding","negativeCondition":"$adminBuilding",
		"department":{"type":"accountAttribute","attributes":{"sourceName":"HR Source","attributeName":"department"}},
		"scienceBuilding":{"type":"static","attributes":{"value":"Building S"}},
		"adminBuilding":{"type":"static","attributes":{"value":"Building A"}}}}`
	runGolden(t, []goldenCase{
		{name: "firstValid AD", transform: firstValid, account: map[string]any{"Active Directory": map[string]any{"sAMAccountName": "jdoe"}, "HR Source": map[string]any{"employeeID": "E1"}}, want: "jdoe"},
		{name: "firstValid Okta", transform: firstValid, account: map[string]any{"Okta": map[string]any{"login": "john@okta"}, "HR Source": map[string]any{"employeeID": "E1"}}, want: "john@okta"},
		{name: "firstValid HR", transform: firstValid, account: hr(map[string]any{"employeeID": "E1"}), want: "E1"},
		{name: "firstValid all null", transform: firstValid, want: nil},
		{name: "firstValid mail", transform: mail, account: map[string]any{"Active Directory": map[string]any{"mail": "j@x.com"}}, want: "j@x.com"},
		{name: "firstValid none", transform: mail, want: "none"},
		{name: "conditional structure", transform: `{"type":"conditional","attributes":{"expression":"foo eq foo","positiveCondition":"true","negativeCondition":"false"}}`, want: "true"},
		{name: "conditional science", transform: science, account: hr(map[string]any{"department": "Science"}), want: "true"},
		{name: "conditional not science", transform: science, account: hr(map[string]any{"department": "Arts"}), want: "false"},
		{name: "conditional is case sensitive", transform: science, account: hr(map[string]any{"department": "science"}), want: "false"},
		{name: "conditional null operand", transform: science, wantErr: ErrInvalidValue},
		{name: "conditional science building", transform: building, account: hr(map[string]any{"department": "Science"}), want: "Building S"},
		{name: "conditional admin building", transform: building, account: hr(map[string]any{"department": "Law"}), want: "Building A"},
	})
}

func TestGoldenDateEncodingPhone(t *testing.T) {
	t.Parallel()
	runGolden(t, []goldenCase{
		{
			// The doc prints "…190-00", which its own ISO8601 pattern
			// ("yyyy-MM-dd'T'HH:mm:ss.SSSZ") cannot produce; Z renders the
			// UTC offset as +0000.
			name:      "epoch millis to ISO8601",
			transform: `{"type":"dateFormat","attributes":{"inputFormat":"EPOCH_TIME_JAVA","outputFormat":"ISO8601"}}`,
			identity:  map[string]any{subject: 144642632190.0},
			want:      "1974-08-02T02:30:32.190+0000",
		},
		{name: "US date to database date", transform: `{"type":"dateFormat","attributes":{"inputFormat":"M/d/yyyy","outputFormat":"yyyy-MM-dd"}}`, identity: map[string]any{subject: "4/1/1975"}, want: "1975-04-01"},
		{name: "ISO8601 default formats", transform: `{"type":"dateFormat"}`, identity: map[string]any{subject: "2023-12-13T10:11:12.345+0000"}, want: "2023-12-13T10:11:12.345+0000"},
		{name: "lenient ISO8601 input", transform: `{"type":"dateFormat","attributes":{"outputFormat":"PEOPLE_SOFT"}}`, identity: map[string]any{subject: "2023-12-13"}, want: "12/13/2023"},
		{name: "win32 epoch", transform: `{"type":"dateFormat","attributes":{"inputFormat":"EPOCH_TIME_WIN32","outputFormat":"yyyy-MM-dd HH:mm"}}`, identity: map[string]any{subject: "116444736000000000"}, want: "1970-01-01 00:00"},
		{name: "to win32 epoch", transform: `{"type":"dateFormat","attributes":{"inputFormat":"yyyyMMdd","outputFormat":"EPOCH_TIME_WIN32"}}`, identity: map[string]any{subject: "19700102"}, want: "116445600000000000"},
		{name: "text month and zone", transform: `{"type":"dateFormat","attributes":{"inputFormat":"dd MMM yyyy hh:mm a XXX","outputFormat":"EEEE, MMMM d yyyy HH:mm"}}`, identity: map[string]any{subject: "05 Mar 2024 01:30 PM +02:00"}, want: "Tuesday, March 5 2024 11:30"},
		{name: "LDAP output", transform: `{"type":"dateFormat","attributes":{"inputFormat":"yyyy-MM-dd","outputFormat":"LDAP"}}`, identity: map[string]any{subject: "2024-03-05"}, want: "20240305000000.+0000"},
		{name: "LDAP generalized time input", transform: `{"type":"dateFormat","attributes":{"inputFormat":"LDAP","outputFormat":"yyyy-MM-dd"}}`, identity: map[string]any{subject: "20240305101112Z"}, want: "2024-03-05"},
		{name: "unparsable date", transform: `{"type":"dateFormat","attributes":{"inputFormat":"yyyy-MM-dd"}}`, identity: map[string]any{subject: "yesterday"}, wantErr: ErrInvalidValue},
		{name: "invalid month", transform: `{"type":"dateFormat","attributes":{"inputFormat":"yyyy-MM-dd"}}`, identity: map[string]any{subject: "2024-13-01"}, wantErr: ErrInvalidValue},
		{name: "base64 encode 1234", transform: `{"type":"base64Encode"}`, identity: map[string]any{subject: "1234"}, want: "MTIzNA=="},
		{name: "base64 decode 1234", transform: `{"type":"base64Decode"}`, identity: map[string]any{subject: "MTIzNA=="}, want: "1234"},
		{name: "base64 decode unpadded", transform: `{"type":"base64Decode"}`, identity: map[string]any{subject: "MTIzNA"}, want: "1234"},
		{name: "base64 decode invalid", transform: `{"type":"base64Decode"}`, identity: map[string]any{subject: "!!!"}, wantErr: ErrInvalidValue},
		{name: "base64 encode null", transform: `{"type":"base64Encode"}`, want: nil},
		{
			// The doc prints "+1512459222", which is not the number it
			// started from; E.164 of 512-777-2222 is +15127772222.
			name:      "e164 dashes",
			transform: `{"type":"e164phone","attributes":{"input":{"type":"static","attributes":{"value":"512-777-2222"}}}}`,
			want:      "+15127772222",
		},
		{name: "e164 dots", transform: `{"type":"e164phone","attributes":{"input":{"type":"static","attributes":{"value":"779.284.2727"}}}}`, want: "+17792842727"},
		{name: "e164 AU", transform: `{"type":"e164phone","attributes":{"input":{"type":"static","attributes":{"value":"0412345678"}},"defaultRegion":"AU"}}`, want: "+61412345678"},
		{name: "e164 index example", transform: `{"type":"e164phone"}`, identity: map[string]any{subject: "(512) 346-2000"}, want: "+15123462000"},
		{name: "e164 invalid is null", transform: `{"type":"e164phone"}`, identity: map[string]any{subject: "12"}, want: nil},
	})
}

func TestBase64BinaryRoundTrip(t *testing.T) {
	t.Parallel()
	// The docs' second base64 examples encode and decode a PNG image; a
	// PNG signature plus arbitrary bytes exercises the same binary path.
	png := "\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\xff\xfe"
	prog, err := Compile(decodeFields(t, `[
		{"name":"encoded","transform":{"type":"base64Encode","attributes":{"input":"$png"}}},
		{"name":"decoded","transform":{"type":"base64Decode","attributes":{"input":"$encoded"}}}]`))
	require.NoError(t, err)
	res, err := prog.Evaluate(t.Context(), Input{Identity: map[string]any{"png": png}})
	require.NoError(t, err)
	want := map[string]any{"encoded": "iVBORw0KGgoAAAANSUhEUv/+", "decoded": png}
	if diff := cmp.Diff(want, res.Attributes); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestPhoneWarning(t *testing.T) {
	t.Parallel()
	got, res, err := evalOne(t, `{"type":"e164phone"}`, Input{Identity: map[string]any{subject: "not a phone"}})
	require.NoError(t, err)
	require.Nil(t, got)
	require.Len(t, res.Warnings, 1)
	require.Contains(t, res.Warnings[0], "not a valid phone number")
}

func TestGoldenRandom(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name      string
		transform string
		pattern   string
	}{
		{"uuid", `{"type":"uuid"}`, `^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$`},
		{"randomAlphaNumeric default 32", `{"type":"randomAlphaNumeric"}`, `^[A-Za-z0-9]{32}$`},
		{"randomAlphaNumeric 10", `{"type":"randomAlphaNumeric","attributes":{"length":"10"}}`, `^[A-Za-z0-9]{10}$`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			first, _, err := evalOne(t, tc.transform, Input{Random: seeded(7)})
			require.NoError(t, err)
			require.Regexp(t, tc.pattern, first)
			again, _, err := evalOne(t, tc.transform, Input{Random: seeded(7)})
			require.NoError(t, err)
			require.Equal(t, first, again, "a seeded source must reproduce the value")
			other, _, err := evalOne(t, tc.transform, Input{Random: seeded(8)})
			require.NoError(t, err)
			require.NotEqual(t, first, other)
			fromCrypto, _, err := evalOne(t, tc.transform, Input{})
			require.NoError(t, err)
			require.Regexp(t, tc.pattern, fromCrypto)
		})
	}
}
