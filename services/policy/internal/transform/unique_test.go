package transform

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
)

// seedPolicy is the provisioning policy of the seed issue.
const seedPolicy = `[{
	"name": "userName",
	"transform": {"type": "rule", "attributes": {"name": "Create Unique LDAP Attribute"}},
	"attributes": {"template": "${firstname}.${lastname}${uniqueCounter}",
		"cloudMaxUniqueChecks": "50", "cloudMaxSize": "20", "cloudRequired": "true"},
	"type": "string", "isMultiValued": false}]`

// recordingClaimer wraps a MemoryClaimer and records every call, so tests can
// assert the candidate list and that each field claims exactly once.
type recordingClaimer struct {
	*MemoryClaimer
	mu    sync.Mutex
	calls map[string][][]string
}

func newRecorder() *recordingClaimer {
	return &recordingClaimer{MemoryClaimer: NewMemoryClaimer(), calls: map[string][][]string{}}
}

func (r *recordingClaimer) Claim(ctx context.Context, attribute string, candidates []string) (string, error) {
	r.mu.Lock()
	r.calls[attribute] = append(r.calls[attribute], append([]string(nil), candidates...))
	r.mu.Unlock()
	return r.MemoryClaimer.Claim(ctx, attribute, candidates)
}

func generatorField(template string, attrs string) string {
	return fmt.Sprintf(`[{"name":"userName","transform":{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}},
		"attributes":{"template":%q%s}}]`, template, attrs)
}

func evalPolicy(t *testing.T, policy string, in Input) (*Result, error) {
	t.Helper()
	prog, err := Compile(decodeFields(t, policy))
	require.NoError(t, err)
	return prog.Evaluate(t.Context(), in)
}

var johnSmith = map[string]any{"firstname": "John", "lastname": "Smith"}

func TestSeedPolicyCounterSequence(t *testing.T) {
	t.Parallel()
	cases := []struct {
		name  string
		taken []string
		want  string
	}{
		{"free base name", nil, "John.Smith"},
		{"base taken", []string{"John.Smith"}, "John.Smith1"},
		{"three taken", []string{"John.Smith", "John.Smith1", "John.Smith2"}, "John.Smith3"},
		{"gap is reused", []string{"John.Smith", "John.Smith2"}, "John.Smith1"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claimer := newRecorder()
			claimer.Reserve("userName", tc.taken...)
			res, err := evalPolicy(t, seedPolicy, Input{Identity: johnSmith, Claimer: claimer})
			require.NoError(t, err)
			require.Equal(t, tc.want, res.Attributes["userName"])
			if diff := cmp.Diff([]Claim{{Attribute: "userName", Value: tc.want}}, res.Claims); diff != "" {
				t.Errorf("claims (-want +got):\n%s", diff)
			}
			calls := claimer.calls["userName"]
			require.Len(t, calls, 1, "the engine must claim once per field")
			require.Len(t, calls[0], 50)
			require.Equal(t, "John.Smith", calls[0][0], "first attempt has an empty counter")
			require.Equal(t, "John.Smith49", calls[0][49])
		})
	}
}

func TestCandidateLists(t *testing.T) {
	t.Parallel()
	dn := `[{"name":"distinguishedName","transform":{"type":"usernameGenerator","attributes":{"sourceCheck":true,
		"patterns":["CN=$fi.$ln,OU=Users,DC=YourDomain,DC=com","CN=$fn.$ln,OU=Users,DC=YourDomain,DC=com",
			"CN=$fn.$mi.$ln${uniqueCounter},OU=Users,DC=YourDomain,DC=com"],
		"fn":{"type":"identityAttribute","attributes":{"name":"firstname"}},
		"ln":{"type":"identityAttribute","attributes":{"name":"lastname"}},
		"fi":{"type":"substring","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"firstname"}},"begin":0,"end":1}},
		"mi":{"type":"substring","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"middlename"}},"begin":0,"end":1}}}},
		"attributes":{"cloudMaxSize":"100","cloudMaxUniqueChecks":"5","cloudRequired":"true"}}]`
	jdoe := `[{"name":"userId","transform":{"type":"usernameGenerator","attributes":{"sourceCheck":true,"patterns":["$fi$ln${uniqueCounter}"],
		"ln":{"type":"identityAttribute","attributes":{"name":"lastname"}},
		"fi":{"type":"substring","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"firstname"}},"begin":0,"end":1}}}},
		"attributes":{"cloudMaxSize":"100","cloudMaxUniqueChecks":"25","cloudRequired":"true"}}]`
	adam := `[{"name":"accountId","transform":{"type":"usernameGenerator","attributes":{"sourceCheck":true,"patterns":["$fn.$ln${uniqueCounter}"],
		"fn":{"type":"identityAttribute","attributes":{"name":"firstname"}},
		"ln":{"type":"identityAttribute","attributes":{"name":"lastname"}}}},
		"attributes":{"cloudMaxSize":"100","cloudMaxUniqueChecks":"10","cloudRequired":"true"}}]`
	seq := func(base string, n int) []string {
		out := []string{base}
		for i := 1; i < n; i++ {
			out = append(out, fmt.Sprint(base, i))
		}
		return out
	}
	cases := []struct {
		name     string
		policy   string
		field    string
		identity map[string]any
		want     []string
	}{
		{
			name:     "DN patterns then counter, 5 checks",
			policy:   dn,
			field:    "distinguishedName",
			identity: map[string]any{"firstname": "John", "lastname": "Doe", "middlename": "Quincy"},
			want: []string{
				"CN=J.Doe,OU=Users,DC=YourDomain,DC=com", "CN=John.Doe,OU=Users,DC=YourDomain,DC=com",
				"CN=John.Q.Doe,OU=Users,DC=YourDomain,DC=com", "CN=John.Q.Doe1,OU=Users,DC=YourDomain,DC=com",
				"CN=John.Q.Doe2,OU=Users,DC=YourDomain,DC=com",
			},
		},
		{
			// Doc: "first try jdoe … then jdoe1, jdoe2" with 25 checks;
			// every attempt counts, so the last one is jdoe24.
			name: "jdoe with 25 checks", policy: jdoe, field: "userId",
			identity: map[string]any{"firstname": "john", "lastname": "doe"}, want: seq("jdoe", 25),
		},
		{
			name: "adam.smith with 10 checks", policy: adam, field: "accountId",
			identity: map[string]any{"firstname": "adam", "lastname": "smith"}, want: seq("adam.smith", 10),
		},
		{
			name:     "missing middle name skips the pattern",
			policy:   dn,
			field:    "distinguishedName",
			identity: map[string]any{"firstname": "John", "lastname": "Doe"},
			want:     []string{"CN=J.Doe,OU=Users,DC=YourDomain,DC=com", "CN=John.Doe,OU=Users,DC=YourDomain,DC=com"},
		},
		{
			name:     "truncation keeps base plus counter within cloudMaxSize",
			policy:   generatorField("${firstname}.${lastname}${uniqueCounter}", `,"cloudMaxSize":"10","cloudMaxUniqueChecks":"12"`),
			field:    "userName",
			identity: map[string]any{"firstname": "christopher", "lastname": "wellington"},
			want: []string{
				"christophe", "christoph1", "christoph2", "christoph3", "christoph4", "christoph5",
				"christoph6", "christoph7", "christoph8", "christoph9", "christop10", "christop11",
			},
		},
		{
			name:     "truncation counts characters, not bytes",
			policy:   generatorField("${firstname}${uniqueCounter}", `,"cloudMaxSize":"4","cloudMaxUniqueChecks":"2"`),
			field:    "userName",
			identity: map[string]any{"firstname": "Jößéph"},
			want:     []string{"Jößé", "Jöß1"},
		},
		{
			name:     "truncation collisions are dropped",
			policy:   generatorField("${code}${uniqueCounter}", `,"cloudMaxSize":"3","cloudMaxUniqueChecks":"4"`),
			field:    "userName",
			identity: map[string]any{"code": "ab1"},
			want:     []string{"ab1", "ab2", "ab3"},
		},
		{
			name: "case-insensitive duplicates across patterns are dropped",
			policy: `[{"name":"uid","transform":{"type":"usernameGenerator","attributes":{
				"patterns":["$fn.$ln","$lfn.$ln${uniqueCounter}"],
				"fn":{"type":"identityAttribute","attributes":{"name":"firstname"}},
				"lfn":{"type":"lower","attributes":{"input":"$fn"}},
				"ln":{"type":"lower","attributes":{"input":{"type":"identityAttribute","attributes":{"name":"lastname"}}}}}},
				"attributes":{"cloudMaxUniqueChecks":"4"}}]`,
			field:    "uid",
			identity: johnSmith,
			want:     []string{"John.smith", "john.smith1", "john.smith2"},
		},
		{
			name:     "counter in the middle of the last pattern",
			policy:   generatorField("${firstname}${uniqueCounter}@corp", `,"cloudMaxSize":"9","cloudMaxUniqueChecks":"3"`),
			field:    "userName",
			identity: map[string]any{"firstname": "maximilian"},
			want:     []string{"maxi@corp", "max1@corp", "max2@corp"},
		},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			claimer := newRecorder()
			res, err := evalPolicy(t, tc.policy, Input{Identity: tc.identity, Claimer: claimer})
			require.NoError(t, err)
			calls := claimer.calls[tc.field]
			require.Len(t, calls, 1)
			if diff := cmp.Diff(tc.want, calls[0]); diff != "" {
				t.Errorf("candidates (-want +got):\n%s", diff)
			}
			require.Equal(t, tc.want[0], res.Attributes[tc.field])
		})
	}
}

func TestUniqueExhaustion(t *testing.T) {
	t.Parallel()
	claimer := NewMemoryClaimer()
	claimer.Reserve("userName", "john.smith", "JOHN.SMITH1", "John.Smith2")
	res, err := evalPolicy(t, generatorField("${firstname}.${lastname}${uniqueCounter}", `,"cloudMaxUniqueChecks":"3"`),
		Input{Identity: johnSmith, Claimer: claimer})
	require.ErrorIs(t, err, ErrUniqueValuesExhausted)
	var fe *FieldError
	require.ErrorAs(t, err, &fe)
	require.Equal(t, "userName", fe.Field)
	require.Contains(t, err.Error(), `field "userName"`)
	require.NotNil(t, res)
	require.Empty(t, res.Claims)
}

func TestUniqueCaseInsensitiveClaims(t *testing.T) {
	t.Parallel()
	claimer := NewMemoryClaimer()
	claimer.Reserve("userName", "JOHN.SMITH", "john.SMITH1")
	res, err := evalPolicy(t, seedPolicy, Input{Identity: johnSmith, Claimer: claimer})
	require.NoError(t, err)
	require.Equal(t, "John.Smith2", res.Attributes["userName"])
	require.True(t, claimer.Taken("userName", "john.smith2"))
	require.False(t, claimer.Taken("other", "john.smith2"), "claims are per attribute")
}

func TestUniqueNoCandidates(t *testing.T) {
	t.Parallel()
	policy := func(required string) string {
		return generatorField("${firstname}.${lastname}${uniqueCounter}", `,"cloudRequired":"`+required+`"`)
	}
	_, err := evalPolicy(t, policy("true"), Input{Identity: map[string]any{"firstname": "John"}, Claimer: NewMemoryClaimer()})
	require.ErrorIs(t, err, ErrNoCandidates)

	res, err := evalPolicy(t, policy("false"), Input{Identity: map[string]any{"firstname": "John"}, Claimer: NewMemoryClaimer()})
	require.NoError(t, err)
	require.Nil(t, res.Attributes["userName"])
	require.Len(t, res.Warnings, 2)
	require.Contains(t, res.Warnings[0], "$lastname is empty")
}

func TestUniqueDependencies(t *testing.T) {
	t.Parallel()
	_, err := evalPolicy(t, seedPolicy, Input{Identity: johnSmith})
	require.ErrorIs(t, err, ErrMissingDependency)

	_, err = evalPolicy(t, seedPolicy, Input{Identity: johnSmith, Claimer: liar{}})
	require.ErrorIs(t, err, ErrClaimerContract)

	boom := errors.New("store down")
	_, err = evalPolicy(t, seedPolicy, Input{Identity: johnSmith, Claimer: failing{boom}})
	require.ErrorIs(t, err, boom)
}

type liar struct{}

func (liar) Claim(context.Context, string, []string) (string, error) { return "someone.else", nil }

type failing struct{ err error }

func (f failing) Claim(context.Context, string, []string) (string, error) { return "", f.err }

func TestUniqueAccountIDRuleAndFieldReferences(t *testing.T) {
	t.Parallel()
	policy := `[
		{"name":"mail","transform":{"type":"static","attributes":{"value":"${accountId}@corp.example"}}},
		{"name":"accountId","transform":{"type":"rule","attributes":{"name":"Create Unique Account ID"}},
			"attributes":{"template":"${fi}${lastname}${uniqueCounter}","cloudMaxUniqueChecks":"5"}},
		{"name":"fi","transform":{"type":"lower","attributes":{"input":{"type":"substring","attributes":{"input":"$firstname","begin":0,"end":1}}}}}]`
	claimer := NewMemoryClaimer()
	claimer.Reserve("accountId", "jSmith")
	prog, err := Compile(decodeFields(t, policy))
	require.NoError(t, err)
	require.Equal(t, []string{"fi", "accountId", "mail"}, prog.Order())
	res, err := prog.Evaluate(t.Context(), Input{Identity: johnSmith, Claimer: claimer})
	require.NoError(t, err)
	want := map[string]any{"fi": "j", "accountId": "jSmith1", "mail": "jSmith1@corp.example"}
	if diff := cmp.Diff(want, res.Attributes); diff != "" {
		t.Errorf("(-want +got):\n%s", diff)
	}
}

func TestGeneratorsRunLastAndPartialClaimsAreReported(t *testing.T) {
	t.Parallel()
	policy := `[
		{"name":"login","transform":{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}},
			"attributes":{"template":"${lastname}${uniqueCounter}","cloudMaxUniqueChecks":"2"}},
		{"name":"userName","transform":{"type":"rule","attributes":{"name":"Create Unique LDAP Attribute"}},
			"attributes":{"template":"${firstname}${uniqueCounter}","cloudMaxUniqueChecks":"2"}},
		{"name":"display","transform":{"type":"static","attributes":{"value":"$firstname $lastname"}}}]`
	prog, err := Compile(decodeFields(t, policy))
	require.NoError(t, err)
	require.Equal(t, []string{"display", "login", "userName"}, prog.Order())
	claimer := NewMemoryClaimer()
	claimer.Reserve("userName", "John", "John1")
	res, err := prog.Evaluate(t.Context(), Input{Identity: johnSmith, Claimer: claimer})
	require.ErrorIs(t, err, ErrUniqueValuesExhausted)
	if diff := cmp.Diff([]Claim{{Attribute: "login", Value: "Smith"}}, res.Claims); diff != "" {
		t.Errorf("claims to release (-want +got):\n%s", diff)
	}
}

func TestMemoryClaimerConcurrent(t *testing.T) {
	t.Parallel()
	prog, err := Compile(decodeFields(t, seedPolicy))
	require.NoError(t, err)
	claimer := NewMemoryClaimer()
	const workers = 50
	got := make([]string, workers)
	var wg sync.WaitGroup
	for i := range workers {
		wg.Go(func() {
			res, err := prog.Evaluate(context.Background(), Input{Identity: johnSmith, Claimer: claimer})
			if err == nil {
				got[i] = res.Attributes["userName"].(string)
			}
		})
	}
	wg.Wait()
	seen := map[string]bool{}
	for _, v := range got {
		require.NotEmpty(t, v, "50 checks suffice for 50 concurrent identical identities")
		require.False(t, seen[strings.ToLower(v)], "value %q claimed twice", v)
		seen[strings.ToLower(v)] = true
	}
	_, err = prog.Evaluate(t.Context(), Input{Identity: johnSmith, Claimer: claimer})
	require.ErrorIs(t, err, ErrUniqueValuesExhausted)

	claimer.Release("userName", "JOHN.SMITH7")
	res, err := prog.Evaluate(t.Context(), Input{Identity: johnSmith, Claimer: claimer})
	require.NoError(t, err)
	require.Equal(t, "John.Smith7", res.Attributes["userName"])
}

func TestFoldKey(t *testing.T) {
	t.Parallel()
	cases := []struct{ a, b string }{
		{"John.Smith", "JOHN.SMITH"},
		{"kelvin", "\u212Aelvin"},
		{"ΣΊΣΥΦΟΣ", "σίσυφος"},
		{"straße", "STRAßE"},
	}
	for _, tc := range cases {
		require.True(t, strings.EqualFold(tc.a, tc.b))
		require.Equal(t, FoldKey(tc.a), FoldKey(tc.b), "%q vs %q", tc.a, tc.b)
	}
	require.NotEqual(t, FoldKey("john"), FoldKey("jon"))
	s := "already.lower"
	require.Equal(t, s, FoldKey(s))
}
