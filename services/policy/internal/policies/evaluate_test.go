package policies_test

import (
	"math/rand/v2"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/policy/internal/policytest"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// evaluateRequest asks for the seed policy's CREATE attributes of a person.
func evaluateRequest(sourceID, first, last string) *policyv1.EvaluateProvisioningPolicyRequest {
	return &policyv1.EvaluateProvisioningPolicyRequest{
		SourceId:  sourceID,
		UsageType: "CREATE",
		Identity: &policyv1.EvaluationIdentity{
			Id:         ids.New(),
			Name:       first + " " + last,
			Attributes: mustStruct(map[string]any{"firstname": first, "lastname": last}),
		},
	}
}

func TestEvaluate(t *testing.T) {
	policytest.Backends(t, func(t *testing.T, s *policytest.Server) {
		client, uniq := s.Policies(), s.Uniqueness()

		t.Run("reserves the first free value, under the request's trackingNumber", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, seed(t))
			n := tracking.New()
			ctx := metadata.NewOutgoingContext(t.Context(), metadata.Pairs(tracking.MetadataKey, n.String()))
			req := evaluateRequest(sourceID, "John", "Smith")
			resp, err := client.EvaluateProvisioningPolicy(ctx, req)
			require.NoError(t, err)
			require.Equal(t, map[string]any{"userName": "John.Smith"}, resp.GetAttributes().AsMap())
			require.Empty(t, resp.GetWarnings())
			require.Len(t, resp.GetReservations(), 1)
			r := resp.GetReservations()[0]
			require.Regexp(t, `^[0-9a-f]{32}$`, r.GetId())
			require.Equal(t, "userName", r.GetAttribute())
			require.Equal(t, "John.Smith", r.GetValue())
			require.Equal(t, sourceID, r.GetSourceId())
			require.Equal(t, req.GetIdentity().GetId(), r.GetIdentityId())
			require.Equal(t, n.String(), r.GetTrackingNumber())
			require.WithinDuration(t, time.Now().Add(time.Hour), r.GetExpires().AsTime(), time.Minute, "the default TTL is an hour")
			stored, err := uniq.GetReservation(t.Context(), &policyv1.GetReservationRequest{Id: r.GetId()})
			require.NoError(t, err)
			require.Equal(t, n.String(), stored.GetReservation().GetTrackingNumber())

			next, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "John", "Smith"))
			require.NoError(t, err)
			require.Equal(t, "John.Smith1", next.GetAttributes().AsMap()["userName"])

			// Values on the target are taken too, case-insensitively.
			_, err = uniq.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: sourceID, AccountId: "uid=9", Attributes: map[string]string{"userName": "JOHN.SMITH2"}})
			require.NoError(t, err)
			third, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "john", "smith"))
			require.NoError(t, err)
			require.Equal(t, "john.smith3", third.GetAttributes().AsMap()["userName"])
		})

		t.Run("a dry run reserves nothing", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, seed(t))
			_, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "Jane", "Doe"))
			require.NoError(t, err)
			for range 2 {
				req := evaluateRequest(sourceID, "Jane", "Doe")
				req.DryRun = true
				resp, err := client.EvaluateProvisioningPolicy(t.Context(), req)
				require.NoError(t, err)
				require.Equal(t, "Jane.Doe1", resp.GetAttributes().AsMap()["userName"])
				require.Empty(t, resp.GetReservations())
			}
			resp, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "Jane", "Doe"))
			require.NoError(t, err)
			require.Equal(t, "Jane.Doe1", resp.GetAttributes().AsMap()["userName"])
		})

		t.Run("a failed evaluation releases what it reserved", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			generator := func(name, template string) *policyv1.FieldDetails {
				return &policyv1.FieldDetails{
					Name:       name,
					Transform:  mustStruct(map[string]any{"type": "rule", "attributes": map[string]any{"name": "Create Unique Account ID"}}),
					Attributes: mustStruct(map[string]any{"template": template, "cloudMaxUniqueChecks": "1"}),
				}
			}
			create(t, s, sourceID, &policyv1.ProvisioningPolicy{Name: "two unique fields", UsageType: "CREATE", Fields: []*policyv1.FieldDetails{
				generator("userName", "${firstname}"), generator("login", "${lastname}"),
			}})
			_, err := uniq.RecordAccount(t.Context(), &policyv1.RecordAccountRequest{SourceId: sourceID, AccountId: "a", Attributes: map[string]string{"login": "Smith"}})
			require.NoError(t, err)
			_, err = client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "John", "Smith"))
			wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_UNIQUE_VALUES_EXHAUSTED, `field "login"`)

			dry := evaluateRequest(sourceID, "John", "Smyth")
			dry.DryRun = true
			resp, err := client.EvaluateProvisioningPolicy(t.Context(), dry)
			require.NoError(t, err)
			require.Equal(t, "John", resp.GetAttributes().AsMap()["userName"], "the userName reserved before login failed was released")
		})

		t.Run("evaluation errors", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			create(t, s, sourceID, seed(t))
			noNames := evaluateRequest(sourceID, "", "")
			noNames.Identity.Attributes = mustStruct(map[string]any{"email": "x@example.com"})
			cases := []struct {
				name   string
				req    *policyv1.EvaluateProvisioningPolicyRequest
				code   codes.Code
				reason typev1.ErrorReason
				texts  []string
			}{
				{
					"identity without the attributes the template needs", noNames,
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{`field "userName"`, "no unique value candidates"},
				},
				{"no policy of that usage type", func() *policyv1.EvaluateProvisioningPolicyRequest {
					r := evaluateRequest(sourceID, "a", "b")
					r.UsageType = "UPDATE"
					return r
				}(), codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND, []string{"provisioning policy UPDATE"}},
				{
					"unknown source", evaluateRequest(ids.New(), "a", "b"),
					codes.NotFound, typev1.ErrorReason_ERROR_REASON_NOT_FOUND,
					[]string{"source"},
				},
				{"unknown usage type", func() *policyv1.EvaluateProvisioningPolicyRequest {
					r := evaluateRequest(sourceID, "a", "b")
					r.UsageType = "create"
					return r
				}(), codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT, []string{"usageType", "CREATE"}},
				{
					"no identity", &policyv1.EvaluateProvisioningPolicyRequest{SourceId: sourceID, UsageType: "CREATE"},
					codes.InvalidArgument, typev1.ErrorReason_ERROR_REASON_INVALID_ARGUMENT,
					[]string{"identity"},
				},
			}
			for _, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					_, err := client.EvaluateProvisioningPolicy(t.Context(), tc.req)
					wantStatus(t, err, tc.code, tc.reason, tc.texts...)
				})
			}
		})

		t.Run("account attributes and policy changes", func(t *testing.T) {
			sourceID := policytest.CreateSource(t, s)
			p := minimal("UPDATE")
			p.Fields = append(p.Fields, &policyv1.FieldDetails{Name: "department"})
			create(t, s, sourceID, p)
			req := evaluateRequest(sourceID, "John", "Smith")
			req.UsageType = "UPDATE"
			req.Identity.Attributes.Fields["displayName"] = structpb.NewStringValue("John Smith")
			req.AccountAttributes = mustStruct(map[string]any{"department": "Finance"})
			resp, err := client.EvaluateProvisioningPolicy(t.Context(), req)
			require.NoError(t, err)
			require.Equal(t, map[string]any{"displayName": "John Smith", "department": "Finance"}, resp.GetAttributes().AsMap())

			// A changed policy is evaluated at once (the compiled one is cached by version).
			_, err = client.PatchProvisioningPolicy(t.Context(), &policyv1.PatchProvisioningPolicyRequest{
				SourceId: sourceID, UsageType: "UPDATE",
				Operations: []*policyv1.JsonPatchOperation{{Op: "replace", Path: "/fields/0/transform", Value: structpb.NewStructValue(
					mustStruct(map[string]any{"type": "upper", "attributes": map[string]any{"input": map[string]any{"type": "identityAttribute", "attributes": map[string]any{"name": "displayName"}}}}))}},
			})
			require.NoError(t, err)
			resp, err = client.EvaluateProvisioningPolicy(t.Context(), req)
			require.NoError(t, err)
			require.Equal(t, "JOHN SMITH", resp.GetAttributes().AsMap()["displayName"])
		})
	})
}

// people are the 25 names of the concurrency test; one is long enough for cloudMaxSize (20)
// to truncate its candidates.
var people = [][2]string{
	{"John", "Smith"},
	{"Mary", "Johnson"},
	{"James", "Williams"},
	{"Patricia", "Brown"},
	{"Robert", "Jones"},
	{"Jennifer", "Garcia"},
	{"Michael", "Miller"},
	{"Linda", "Davis"},
	{"William", "Rodriguez"},
	{"Elizabeth", "Martinez"},
	{"David", "Hernandez"},
	{"Barbara", "Lopez"},
	{"Richard", "Gonzalez"},
	{"Susan", "Wilson"},
	{"Joseph", "Anderson"},
	{"Jessica", "Thomas"},
	{"Thomas", "Taylor"},
	{"Sarah", "Moore"},
	{"Charles", "Jackson"},
	{"Karen", "Martin"},
	{"Christopher", "Lee"},
	{"Nancy", "Perez"},
	{"Daniel", "Thompson"},
	{"Lisa", "White"},
	{"Maximilian", "Oppenheimer"},
}

// TestEvaluateConcurrently is the acceptance test of uniqueness: 1,000 evaluations of
// the seed policy (cloudMaxUniqueChecks 50) for identities drawn from 25 names, 40 identities
// per name, run 32 at a time, yield 1,000 distinct usernames; once 50 John Smith usernames are
// taken, the next John Smith gets a clear error, never a duplicate.
func TestEvaluateConcurrently(t *testing.T) {
	policytest.Backends(t, func(t *testing.T, s *policytest.Server) {
		client := s.Policies()
		sourceID := policytest.CreateSource(t, s)
		create(t, s, sourceID, seed(t))

		const perName, parallel = 40, 32
		work := make(chan [2]string, len(people)*perName)
		order := make([][2]string, 0, len(people)*perName)
		for _, p := range people {
			for range perName {
				order = append(order, p)
			}
		}
		rand.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
		for _, p := range order {
			work <- p
		}
		close(work)

		var (
			wg     sync.WaitGroup
			mu     sync.Mutex
			byName = map[[2]string][]string{}
			errs   []error
		)
		start := time.Now()
		for range parallel {
			wg.Go(func() {
				for p := range work {
					resp, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, p[0], p[1]))
					mu.Lock()
					if err != nil {
						errs = append(errs, err)
					} else {
						byName[p] = append(byName[p], resp.GetAttributes().AsMap()["userName"].(string))
					}
					mu.Unlock()
				}
			})
		}
		wg.Wait()
		elapsed := time.Since(start)
		require.Empty(t, errs)

		seen := map[string]string{}
		for p, names := range byName {
			require.Len(t, names, perName, "%v", p)
			for _, n := range names {
				require.LessOrEqual(t, len([]rune(n)), 20, "cloudMaxSize")
				key := transform.FoldKey(n)
				require.NotContains(t, seen, key, "%q handed out twice (also as %q)", n, seen[key])
				seen[key] = n
			}
		}
		require.Len(t, seen, len(people)*perName, "distinct usernames")
		t.Logf("%s: %d evaluations, %d at a time, in %s (%.0f/s)", s.Backend, len(order), parallel, elapsed, float64(len(order))/elapsed.Seconds())

		// John Smith has 40 of his 50 candidates; the next ten get the rest, then none is left.
		for range 50 - perName {
			resp, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "John", "Smith"))
			require.NoError(t, err)
			n := resp.GetAttributes().AsMap()["userName"].(string)
			require.NotContains(t, seen, transform.FoldKey(n))
			seen[transform.FoldKey(n)] = n
		}
		_, err := client.EvaluateProvisioningPolicy(t.Context(), evaluateRequest(sourceID, "John", "Smith"))
		wantStatus(t, err, codes.FailedPrecondition, typev1.ErrorReason_ERROR_REASON_UNIQUE_VALUES_EXHAUSTED,
			`field "userName"`, `all 50 candidate values for "userName" ("John.Smith" … "John.Smith49") are taken`)
		t.Logf("%s: the 51st John Smith: %s: %s", s.Backend, status.Code(err), status.Convert(err).Message())
	})
}
