package policies_test

import (
	"fmt"
	"sync"
	"testing"

	"github.com/google/go-cmp/cmp"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/testing/protocmp"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/services/policy/internal/policytest"
)

var usageTypes = []string{
	"CREATE", "UPDATE", "ENABLE", "DISABLE", "DELETE", "ASSIGN", "UNASSIGN", "CREATE_GROUP", "UPDATE_GROUP",
	"DELETE_GROUP", "REGISTER", "CREATE_IDENTITY", "UPDATE_IDENTITY", "EDIT_GROUP", "UNLOCK", "CHANGE_PASSWORD",
}

// wantStatus checks a gRPC error's code, ErrorInfo reason and that its message contains each
// of texts.
func wantStatus(t *testing.T, err error, code codes.Code, reason typev1.ErrorReason, texts ...string) {
	t.Helper()
	require.Error(t, err)
	require.Equal(t, code, status.Code(err), err.Error())
	require.Equal(t, reason.String(), policytest.Reason(err), err.Error())
	for _, text := range texts {
		require.Contains(t, status.Convert(err).Message(), text)
	}
}

// seed returns the seed policy as the service stores it: a field's absent transform is {}.
func seed(t *testing.T) *policyv1.ProvisioningPolicy {
	return policytest.Policy(t, policytest.SeedPolicy)
}

// minimal is a valid policy of usageType without unique fields.
func minimal(usageType string) *policyv1.ProvisioningPolicy {
	return &policyv1.ProvisioningPolicy{Name: "minimal " + usageType, UsageType: usageType, Fields: []*policyv1.FieldDetails{{
		Name:      "displayName",
		Transform: mustStruct(map[string]any{"type": "identityAttribute", "attributes": map[string]any{"name": "displayName"}}),
		Type:      "string",
	}}}
}

func mustStruct(m map[string]any) *structpb.Struct {
	s, err := structpb.NewStruct(m)
	if err != nil {
		panic(err)
	}
	return s
}

func create(t *testing.T, s *policytest.Server, sourceID string, p *policyv1.ProvisioningPolicy) string {
	t.Helper()
	var header metadata.MD
	_, err := s.Policies().CreateProvisioningPolicy(t.Context(), &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: p}, grpc.Header(&header))
	require.NoError(t, err)
	return etagOf(t, header)
}

func etagOf(t *testing.T, header metadata.MD) string {
	t.Helper()
	tags := header.Get("etag")
	require.Len(t, tags, 1, "one ETag")
	require.Regexp(t, `^"[^"]+"$`, tags[0], "a strong entity tag")
	return tags[0]
}

func pairs(key string, values []string) []string {
	out := make([]string, 0, 2*len(values))
	for _, v := range values {
		out = append(out, key, v)
	}
	return out
}

func TestProvisioningPolicies(t *testing.T) {
	policytest.Backends(t, func(t *testing.T, s *policytest.Server) {
		client := s.Policies()

		t.Run("the seed policy round-trips through replace and get", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, minimal("CREATE"))
			put, err := client.ReplaceProvisioningPolicy(t.Context(), &policyv1.ReplaceProvisioningPolicyRequest{
				SourceId: sourceID, UsageType: "CREATE", Policy: seed(t),
			})
			require.NoError(t, err)
			if diff := cmp.Diff(seed(t), put.GetPolicy(), protocmp.Transform()); diff != "" {
				t.Errorf("ReplaceProvisioningPolicy (-want +got):\n%s", diff)
			}
			got, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
			require.NoError(t, err)
			if diff := cmp.Diff(seed(t), got.GetPolicy(), protocmp.Transform()); diff != "" {
				t.Errorf("GetProvisioningPolicy (-want +got):\n%s", diff)
			}
		})

		t.Run("one policy per usage type, all sixteen of them", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			for _, u := range usageTypes {
				create(t, s, sourceID, minimal(u))
			}
			_, err := client.CreateProvisioningPolicy(t.Context(), &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: minimal("UNLOCK")})
			wantStatus(t, err, codes.AlreadyExists, typev1.ErrorReason_ERROR_REASON_ALREADY_EXISTS, "already has a provisioning policy UNLOCK")

			var header metadata.MD
			list, err := client.ListProvisioningPolicies(t.Context(), &policyv1.ListProvisioningPoliciesRequest{SourceId: sourceID, Count: true}, grpc.Header(&header))
			require.NoError(t, err)
			require.Equal(t, []string{"16"}, header.Get("x-total-count"))
			var got []string
			for _, p := range list.GetPolicies() {
				got = append(got, p.GetUsageType())
			}
			require.ElementsMatch(t, usageTypes, got)
			require.IsNonDecreasing(t, got, "ordered by usage type")

			limit := int32(3)
			page, err := client.ListProvisioningPolicies(t.Context(), &policyv1.ListProvisioningPoliciesRequest{SourceId: sourceID, Limit: &limit, Offset: 2})
			require.NoError(t, err)
			require.Len(t, page.GetPolicies(), 3)
			require.Equal(t, got[2], page.GetPolicies()[0].GetUsageType())
		})

		t.Run("create errors", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			noUsage := minimal("")
			cases := []struct {
				name   string
				req    *policyv1.CreateProvisioningPolicyRequest
				code   codes.Code
				reason typev1.ErrorReason
				texts  []string
			}{
				{
					"usage type missing", &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: noUsage},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policy.usageType", "CREATE, UPDATE", "CHANGE_PASSWORD"},
				},
				{
					"unknown usage type names the allowed ones", &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: minimal("TELEPORT")},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policy.usageType", "CREATE", "CHANGE_PASSWORD"},
				},
				{
					"unknown source", &policyv1.CreateProvisioningPolicyRequest{SourceId: ids.New(), Policy: minimal("CREATE")},
					codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND,
					[]string{"source"},
				},
				{
					"no policy", &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policy"},
				},
				{
					"no name", &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: &policyv1.ProvisioningPolicy{UsageType: "CREATE"}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policy.name"},
				},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := client.CreateProvisioningPolicy(t.Context(), tc.req)
					wantStatus(t, err, tc.code, tc.reason, tc.texts...)
				})
			}
		})

		t.Run("every write is validated by compiling the policy", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, minimal("CREATE"))
			withField := func(f map[string]any) *policyv1.ProvisioningPolicy {
				p := minimal("CREATE")
				fd := &policyv1.FieldDetails{Name: f["name"].(string), Type: "string"}
				if tr, ok := f["transform"].(map[string]any); ok {
					fd.Transform = mustStruct(tr)
				}
				if a, ok := f["attributes"].(map[string]any); ok {
					fd.Attributes = mustStruct(a)
				}
				p.Fields = append(p.Fields, fd)
				return p
			}
			generator := map[string]any{"type": "rule", "attributes": map[string]any{"name": "Create Unique LDAP Attribute"}}
			cases := []struct {
				name   string
				policy *policyv1.ProvisioningPolicy
				texts  []string
			}{
				{
					"unknown transform type", withField(map[string]any{"name": "mail", "transform": map[string]any{"type": "upperCase"}}),
					[]string{"policy.fields[1].transform", `field "mail"`, "unknown transform type", "upperCase"},
				},
				{
					"malformed template", withField(map[string]any{"name": "userName", "transform": generator, "attributes": map[string]any{"template": "${firstname"}}),
					[]string{"policy.fields[1].attributes.template", `field "userName"`, "invalid template"},
				},
				{
					"negative size", withField(map[string]any{"name": "userName", "transform": generator, "attributes": map[string]any{"template": "$fn", "cloudMaxSize": "-3"}}),
					[]string{"policy.fields[1].attributes.cloudMaxSize", `field "userName"`, "-3"},
				},
				{
					"non-numeric size", withField(map[string]any{"name": "userName", "transform": generator, "attributes": map[string]any{"template": "$fn", "cloudMaxUniqueChecks": "many"}}),
					[]string{"policy.fields[1].attributes.cloudMaxUniqueChecks", `field "userName"`},
				},
				{
					"duplicate field names", withField(map[string]any{"name": "displayName"}),
					[]string{"policy.fields[1]", `field "displayName"`, "duplicate field name"},
				},
				{"cycle", func() *policyv1.ProvisioningPolicy {
					p := withField(map[string]any{"name": "a", "transform": map[string]any{"type": "static", "attributes": map[string]any{"value": "$b"}}})
					p.Fields = append(p.Fields, &policyv1.FieldDetails{Name: "b", Transform: mustStruct(map[string]any{"type": "static", "attributes": map[string]any{"value": "$a"}})})
					return p
				}(), []string{"reference cycle"}},
				{"unknown attribute type", func() *policyv1.ProvisioningPolicy {
					p := minimal("CREATE")
					p.Fields[0].Type = "float"
					return p
				}(), []string{"policy.fields[0].type"}},
				{"field without name", withField(map[string]any{"name": ""}), []string{"policy.fields[1].name"}},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := client.ReplaceProvisioningPolicy(t.Context(), &policyv1.ReplaceProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE", Policy: tc.policy})
					wantStatus(t, err, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, tc.texts...)
					p := proto.CloneOf(tc.policy)
					p.UsageType = "UPDATE"
					_, err = client.CreateProvisioningPolicy(t.Context(), &policyv1.CreateProvisioningPolicyRequest{SourceId: sourceID, Policy: p})
					wantStatus(t, err, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, tc.texts...)
				})
			}
			got, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
			require.NoError(t, err)
			require.Len(t, got.GetPolicy().GetFields(), 1, "no invalid write was stored")
		})

		t.Run("get, replace and delete of what does not exist", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			for _, source := range []string{sourceID, ids.New()} {
				_, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: source, UsageType: "ENABLE"})
				wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
				_, err = client.ReplaceProvisioningPolicy(t.Context(), &policyv1.ReplaceProvisioningPolicyRequest{SourceId: source, UsageType: "ENABLE", Policy: minimal("ENABLE")})
				wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
				_, err = client.PatchProvisioningPolicy(t.Context(), &policyv1.PatchProvisioningPolicyRequest{
					SourceId: source, UsageType: "ENABLE",
					Operations: []*policyv1.JsonPatchOperation{{Op: "remove", Path: "/description"}},
				})
				wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
				_, err = client.DeleteProvisioningPolicy(t.Context(), &policyv1.DeleteProvisioningPolicyRequest{SourceId: source, UsageType: "ENABLE"})
				wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
			}
			_, err := client.ListProvisioningPolicies(t.Context(), &policyv1.ListProvisioningPoliciesRequest{SourceId: ids.New()})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, "source")
			_, err = client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "bulk-update"})
			wantStatus(t, err, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, "usageType", "CHANGE_PASSWORD")
		})

		t.Run("replace honours If-Match", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			created := create(t, s, sourceID, minimal("CREATE"))
			replace := func(p *policyv1.ProvisioningPolicy, tags ...string) (string, error) {
				ctx := metadata.NewOutgoingContext(t.Context(), metadata.Pairs(pairs("if-match", tags)...))
				var header metadata.MD
				_, err := client.ReplaceProvisioningPolicy(ctx, &policyv1.ReplaceProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE", Policy: p}, grpc.Header(&header))
				if err != nil {
					return "", err
				}
				return etagOf(t, header), nil
			}
			second, err := replace(seed(t), created)
			require.NoError(t, err)
			require.NotEqual(t, created, second)

			_, err = replace(minimal("CREATE"), created)
			wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED, "has changed since it was read")
			_, err = replace(minimal("CREATE"), "W/"+second)
			wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED, "If-Match")
			_, err = replace(minimal("CREATE"), "not-a-tag")
			wantStatus(t, err, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, "If-Match")
			third, err := replace(minimal("CREATE"), `"stale", `+second)
			require.NoError(t, err, "any tag of a list may match")
			fourth, err := replace(seed(t), "*")
			require.NoError(t, err)
			require.NotEqual(t, third, fourth)
			_, err = replace(seed(t))
			require.NoError(t, err, "no If-Match: unconditional")

			var header metadata.MD
			_, err = client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"}, grpc.Header(&header))
			require.NoError(t, err)
			current := etagOf(t, header)
			_, err = replace(minimal("CREATE"), current)
			require.NoError(t, err, "the ETag GET returns is the one If-Match takes")

			mismatch := minimal("UPDATE")
			_, err = replace(mismatch)
			wantStatus(t, err, codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, "policy.usageType", `"UPDATE"`, `"CREATE"`)
		})

		t.Run("concurrent replaces with one ETag: one wins, the rest fail", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			tag := create(t, s, sourceID, minimal("CREATE"))
			const writers = 8
			var (
				wg           sync.WaitGroup
				mu           sync.Mutex
				won, refused int
			)
			for i := range writers {
				wg.Go(func() {
					p := minimal("CREATE")
					p.Description = fmt.Sprint(i)
					ctx := metadata.NewOutgoingContext(t.Context(), metadata.Pairs("if-match", tag))
					_, err := client.ReplaceProvisioningPolicy(ctx, &policyv1.ReplaceProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE", Policy: p})
					mu.Lock()
					defer mu.Unlock()
					switch status.Code(err) {
					case codes.OK:
						won++
					case codes.FailedPrecondition:
						refused++
					default:
						t.Errorf("replace: %v", err)
					}
				})
			}
			wg.Wait()
			require.Equal(t, 1, won)
			require.Equal(t, writers-1, refused)
		})

		t.Run("patch", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			tag := create(t, s, sourceID, seed(t))
			patch := func(tags []string, ops ...*policyv1.JsonPatchOperation) (*policyv1.ProvisioningPolicy, string, error) {
				ctx := metadata.NewOutgoingContext(t.Context(), metadata.Pairs(pairs("if-match", tags)...))
				var header metadata.MD
				resp, err := client.PatchProvisioningPolicy(ctx, &policyv1.PatchProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE", Operations: ops}, grpc.Header(&header))
				if err != nil {
					return nil, "", err
				}
				return resp.GetPolicy(), etagOf(t, header), nil
			}
			email := structpb.NewStructValue(mustStruct(map[string]any{
				"name": "email", "transform": map[string]any{"type": "identityAttribute", "attributes": map[string]any{"name": "email"}},
				"attributes": map[string]any{}, "isRequired": false, "type": "string", "isMultiValued": false,
			}))
			got, next, err := patch([]string{tag},
				&policyv1.JsonPatchOperation{Op: "replace", Path: "/description", Value: structpb.NewStringValue("patched")},
				&policyv1.JsonPatchOperation{Op: "add", Path: "/fields/0", Value: email},
				&policyv1.JsonPatchOperation{Op: "test", Path: "/fields/1/name", Value: structpb.NewStringValue("userName")},
			)
			require.NoError(t, err)
			require.Equal(t, "patched", got.GetDescription())
			require.Equal(t, []string{"email", "userName"}, []string{got.GetFields()[0].GetName(), got.GetFields()[1].GetName()})
			require.NotEqual(t, tag, next)

			cases := []struct {
				name   string
				tags   []string
				ops    []*policyv1.JsonPatchOperation
				code   codes.Code
				reason typev1.ErrorReason
				texts  []string
			}{
				{
					"stale If-Match",
					[]string{tag},
					[]*policyv1.JsonPatchOperation{{Op: "remove", Path: "/description"}},
					codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED,
					[]string{"has changed"},
				},
				{
					"failed test", nil,
					[]*policyv1.JsonPatchOperation{{Op: "test", Path: "/name", Value: structpb.NewStringValue("other")}},
					codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED,
					[]string{"operations[0]", "test failed"},
				},
				{
					"missing path", nil,
					[]*policyv1.JsonPatchOperation{{Op: "remove", Path: "/description"}, {Op: "replace", Path: "/fields/9/name", Value: structpb.NewStringValue("x")}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"operations[1]"},
				},
				{
					"add without value", nil,
					[]*policyv1.JsonPatchOperation{{Op: "add", Path: "/description"}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"operations"},
				},
				{
					"unknown op", nil,
					[]*policyv1.JsonPatchOperation{{Op: "merge", Path: "/description"}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"operations[0].op"},
				},
				{
					"no operations", nil, nil,
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"operations"},
				},
				{
					"a field the policy does not have", nil,
					[]*policyv1.JsonPatchOperation{{Op: "add", Path: "/colour", Value: structpb.NewStringValue("blue")}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"colour"},
				},
				{
					"a result that does not compile", nil,
					[]*policyv1.JsonPatchOperation{{Op: "replace", Path: "/fields/1/attributes/cloudMaxSize", Value: structpb.NewStringValue("-1")}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policy.fields[1].attributes.cloudMaxSize", `field "userName"`},
				},
				{
					"a result that fails validation", nil,
					[]*policyv1.JsonPatchOperation{{Op: "replace", Path: "/fields/0/type", Value: structpb.NewStringValue("float")}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"fields[0].type"},
				},
				{
					"changing the usage type", nil,
					[]*policyv1.JsonPatchOperation{{Op: "replace", Path: "/usageType", Value: structpb.NewStringValue("UPDATE")}},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"usageType", "cannot change"},
				},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, _, err := patch(tc.tags, tc.ops...)
					wantStatus(t, err, tc.code, tc.reason, tc.texts...)
				})
			}
			current, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
			require.NoError(t, err)
			if diff := cmp.Diff(got, current.GetPolicy(), protocmp.Transform()); diff != "" {
				t.Errorf("failed patches changed the policy (-want +got):\n%s", diff)
			}
			_, _, err = patch([]string{next}, &policyv1.JsonPatchOperation{Op: "remove", Path: "/fields/0"})
			require.NoError(t, err, "the latest ETag matches")
		})

		t.Run("concurrent patches without If-Match are all applied", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, minimal("CREATE"))
			const writers = 8
			var wg sync.WaitGroup
			for i := range writers {
				wg.Go(func() {
					field := structpb.NewStructValue(mustStruct(map[string]any{"name": fmt.Sprintf("f%d", i)}))
					_, err := client.PatchProvisioningPolicy(t.Context(), &policyv1.PatchProvisioningPolicyRequest{
						SourceId: sourceID, UsageType: "CREATE",
						Operations: []*policyv1.JsonPatchOperation{{Op: "add", Path: "/fields/-", Value: field}},
					})
					require.NoError(t, err)
				})
			}
			wg.Wait()
			got, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
			require.NoError(t, err)
			require.Len(t, got.GetPolicy().GetFields(), 1+writers, "no patch lost")
		})

		t.Run("delete", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			tag := create(t, s, sourceID, minimal("DELETE"))
			_, err := client.PatchProvisioningPolicy(t.Context(), &policyv1.PatchProvisioningPolicyRequest{
				SourceId: sourceID, UsageType: "DELETE",
				Operations: []*policyv1.JsonPatchOperation{{Op: "replace", Path: "/name", Value: structpb.NewStringValue("renamed")}},
			})
			require.NoError(t, err)
			stale := metadata.NewOutgoingContext(t.Context(), metadata.Pairs("if-match", tag))
			_, err = client.DeleteProvisioningPolicy(stale, &policyv1.DeleteProvisioningPolicyRequest{SourceId: sourceID, UsageType: "DELETE"})
			wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_PRECONDITION_FAILED)
			_, err = client.DeleteProvisioningPolicy(t.Context(), &policyv1.DeleteProvisioningPolicyRequest{SourceId: sourceID, UsageType: "DELETE"})
			require.NoError(t, err)
			_, err = client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "DELETE"})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND)
			again := create(t, s, sourceID, minimal("DELETE"))
			require.NotEqual(t, tag, again, "a re-created policy never matches an old ETag")
		})

		t.Run("bulk update is all or nothing", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			for _, u := range []string{"CREATE", "UPDATE"} {
				create(t, s, sourceID, minimal(u))
			}
			changed := func(u string) *policyv1.ProvisioningPolicy {
				p := minimal(u)
				p.Description = "bulk"
				return p
			}
			broken := changed("UPDATE")
			broken.Fields[0].Transform = mustStruct(map[string]any{"type": "nope"})
			cases := []struct {
				name     string
				source   string
				policies []*policyv1.ProvisioningPolicy
				code     codes.Code
				reason   typev1.ErrorReason
				texts    []string
			}{
				{
					"one missing", sourceID,
					[]*policyv1.ProvisioningPolicy{changed("CREATE"), changed("ENABLE")},
					codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND,
					[]string{"ENABLE"},
				},
				{
					"one invalid", sourceID,
					[]*policyv1.ProvisioningPolicy{changed("CREATE"), broken},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policies[1].fields[0].transform", "nope"},
				},
				{
					"a usage type twice", sourceID,
					[]*policyv1.ProvisioningPolicy{changed("CREATE"), changed("CREATE")},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policies[1].usageType", "policies[0]"},
				},
				{
					"no usage type", sourceID,
					[]*policyv1.ProvisioningPolicy{changed("")},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policies[0].usageType"},
				},
				{
					"unknown source", ids.New(),
					[]*policyv1.ProvisioningPolicy{changed("CREATE")},
					codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND,
					[]string{"source"},
				},
				{
					"empty", sourceID, nil,
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"policies"},
				},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := client.BulkUpdateProvisioningPolicies(t.Context(), &policyv1.BulkUpdateProvisioningPoliciesRequest{SourceId: tc.source, Policies: tc.policies})
					wantStatus(t, err, tc.code, tc.reason, tc.texts...)
					got, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
					require.NoError(t, err)
					require.Empty(t, got.GetPolicy().GetDescription(), "nothing changed")
				})
			}
			resp, err := client.BulkUpdateProvisioningPolicies(t.Context(), &policyv1.BulkUpdateProvisioningPoliciesRequest{
				SourceId: sourceID,
				Policies: []*policyv1.ProvisioningPolicy{changed("UPDATE"), changed("CREATE")},
			})
			require.NoError(t, err)
			require.Len(t, resp.GetPolicies(), 2)
			for i, u := range []string{"UPDATE", "CREATE"} {
				require.Equal(t, u, resp.GetPolicies()[i].GetUsageType())
				got, err := client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: u})
				require.NoError(t, err)
				require.Equal(t, "bulk", got.GetPolicy().GetDescription())
			}
		})

		t.Run("deleting a source deletes its policies", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, minimal("CREATE"))
			_, err := s.Sources().DeleteSource(t.Context(), &policyv1.DeleteSourceRequest{Id: sourceID})
			require.NoError(t, err)
			_, err = client.GetProvisioningPolicy(t.Context(), &policyv1.GetProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"})
			wantStatus(t, err, codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, "source")
		})
	})
}
