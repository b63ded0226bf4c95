package workflows

import (
	"testing"

	"github.com/stretchr/testify/require"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
)

func TestValidate(t *testing.T) {
	grant := func(mod func(c *triggerv1.WorkflowConfig)) *triggerv1.WorkflowConfig {
		c := &triggerv1.WorkflowConfig{WorkflowId: "joiner", Kind: GrantRelationships, RelationshipIds: []string{"rel-1"}, RecipientIdPath: "$.identity.id"}
		if mod != nil {
			mod(c)
		}
		return c
	}
	for _, tc := range []struct {
		name  string
		cfg   *triggerv1.WorkflowConfig
		field string // "" when valid
	}{
		{"grant", grant(nil), ""},
		{"revoke by path and map", grant(func(c *triggerv1.WorkflowConfig) {
			c.Kind, c.RelationshipIds = RevokeRelationships, nil
			c.RelationshipIdsPath, c.RelationshipMap = `$.changes[?(@.attribute == "department")].oldValue`, map[string]string{"sales": "rel-sales"}
		}), ""},
		{"run chain", &triggerv1.WorkflowConfig{WorkflowId: "w", Kind: RunActionChain, ActionChainId: "c1", RecipientIdPath: "$.identity.id", Inputs: map[string]string{"email": "$.attributes.email"}}, ""},
		{"no kind", grant(func(c *triggerv1.WorkflowConfig) { c.Kind = "" }), "wc.kind"},
		{"no recipient", grant(func(c *triggerv1.WorkflowConfig) { c.RecipientIdPath = "" }), "wc.recipientIdPath"},
		{"bad recipient path", grant(func(c *triggerv1.WorkflowConfig) { c.RecipientIdPath = "$.[" }), "wc.recipientIdPath"},
		{"bad requester path", grant(func(c *triggerv1.WorkflowConfig) { c.RequesterIdPath = "nope(" }), "wc.requesterIdPath"},
		{"no relationships", grant(func(c *triggerv1.WorkflowConfig) { c.RelationshipIds = nil }), "wc.relationshipIds"},
		{"map without path", grant(func(c *triggerv1.WorkflowConfig) { c.RelationshipMap = map[string]string{"a": "b"} }), "wc.relationshipMap"},
		{"grant with chain", grant(func(c *triggerv1.WorkflowConfig) { c.ActionChainId = "c1" }), "wc.actionChainId"},
		{"chain without id", &triggerv1.WorkflowConfig{WorkflowId: "w", Kind: RunActionChain, RecipientIdPath: "$.a"}, "wc.actionChainId"},
		{"chain with relationships", &triggerv1.WorkflowConfig{WorkflowId: "w", Kind: RunActionChain, ActionChainId: "c", RecipientIdPath: "$.a", RelationshipIds: []string{"r"}}, "wc.relationshipIds"},
		{"bad input path", &triggerv1.WorkflowConfig{WorkflowId: "w", Kind: RunActionChain, ActionChainId: "c", RecipientIdPath: "$.a", Inputs: map[string]string{"x": "$..["}}, "wc.inputs.x"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := Validate(tc.cfg, "wc")
			if tc.field == "" {
				require.NoError(t, err)
				return
			}
			var fe *apierror.InvalidFieldsError
			require.ErrorAs(t, err, &fe)
			require.Equal(t, tc.field, fe.Violations[0].Field, err.Error())
		})
	}
}

const moverEvent = `{"identity": {"id": "ee76", "name": "john.doe", "type": "IDENTITY"},
 "changes": [
  {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
  {"attribute": "email", "oldValue": "a@x", "newValue": "b@x"}]}`

func TestInputs(t *testing.T) {
	for _, tc := range []struct {
		name    string
		cfg     *triggerv1.WorkflowConfig
		payload string
		want    inputs
		err     bool
	}{
		{
			"fixed relationships, recipient requests", &triggerv1.WorkflowConfig{Kind: GrantRelationships, RelationshipIds: []string{"r1"}, RecipientIdPath: "$.identity.id"},
			moverEvent,
			inputs{recipient: "ee76", requester: "ee76", relationships: []string{"r1"}},
			false,
		},
		{
			"old department mapped", &triggerv1.WorkflowConfig{
				Kind: RevokeRelationships, RecipientIdPath: "$.identity.id", RequesterIdPath: "$.identity.name",
				RelationshipIdsPath: `$.changes[?(@.attribute == "department")].oldValue`,
				RelationshipMap:     map[string]string{"sales": "rel-sales", "marketing": "rel-mkt"},
			},
			moverEvent,
			inputs{recipient: "ee76", requester: "john.doe", relationships: []string{"rel-sales"}},
			false,
		},
		{
			"unmapped value names nothing", &triggerv1.WorkflowConfig{
				Kind: GrantRelationships, RecipientIdPath: "$.identity.id",
				RelationshipIdsPath: `$.changes[?(@.attribute == "department")].newValue`, RelationshipMap: map[string]string{"sales": "rel-sales"},
			},
			moverEvent,
			inputs{},
			true,
		},
		{
			"no recipient in event", &triggerv1.WorkflowConfig{Kind: GrantRelationships, RelationshipIds: []string{"r1"}, RecipientIdPath: "$.nobody.id"},
			moverEvent,
			inputs{},
			true,
		},
		{
			"chain inputs", &triggerv1.WorkflowConfig{Kind: RunActionChain, ActionChainId: "c", RecipientIdPath: "$.identity.id", Inputs: map[string]string{"dept": "$.changes[0].newValue", "none": "$.missing"}},
			moverEvent,
			inputs{recipient: "ee76", requester: "ee76", relationships: []string{}, chain: map[string]any{"dept": "marketing"}},
			false,
		},
	} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := Run{Config: tc.cfg, Payload: []byte(tc.payload)}.inputs(t.Context())
			if tc.err {
				require.Error(t, err)
				require.ErrorIs(t, err, ErrInputs)
				return
			}
			require.NoError(t, err)
			if tc.want.relationships == nil {
				tc.want.relationships = []string{}
			}
			if got.relationships == nil {
				got.relationships = []string{}
			}
			require.Equal(t, tc.want, got)
		})
	}
}

func TestKeyIsPerEventAndSubscription(t *testing.T) {
	a := Run{EventID: "e1", SubscriptionID: "s1"}.key()
	require.Equal(t, a, Run{EventID: "e1", SubscriptionID: "s1"}.key())
	require.NotEqual(t, a, Run{EventID: "e2", SubscriptionID: "s1"}.key())
	require.NotEqual(t, a, Run{EventID: "e1", SubscriptionID: "s2"}.key())
}
