package catalogue

import (
	"bytes"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
)

func TestUnknownTrigger(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	err := c.ValidateInput("idn:nope", map[string]any{})
	require.ErrorIs(t, err, ErrUnknownTrigger)
	require.NotErrorIs(t, err, ErrInvalidPayload)
	require.Contains(t, err.Error(), "idn:nope")

	require.ErrorIs(t, c.ValidateOutput("idn:nope", map[string]any{}), ErrUnknownTrigger)
}

func TestValidateOutputOfFireAndForget(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	err := c.ValidateOutput("idn:post-provisioning", map[string]any{})
	require.ErrorIs(t, err, ErrNoOutputSchema)
	require.NotErrorIs(t, err, ErrInvalidPayload)
}

func TestValidationErrorFields(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	err := c.ValidateOutput("idn:access-request-pre-approval", map[string]any{"approved": "yes", "comment": "ok"})
	var verr *ValidationError
	require.ErrorAs(t, err, &verr)
	require.Equal(t, "idn:access-request-pre-approval", verr.TriggerID)
	require.Equal(t, Output, verr.Direction)
	require.Equal(t, []Violation{
		{Path: "/approved", Message: "got string, want boolean"},
		{Path: "/approver", Message: "missing property"},
	}, verr.Violations)
	require.Zero(t, verr.Omitted)
	require.Equal(t,
		"catalogue: idn:access-request-pre-approval output does not match schema: "+
			"/approved: got string, want boolean; /approver: missing property",
		err.Error())
}

func TestRootViolationIsNamed(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	err := c.ValidateInput("idn:identity-created", nil)
	requireViolation(t, err, "", "got null, want object")
	require.Contains(t, err.Error(), "(root): got null, want object")
}

func TestViolationsAreCapped(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	changes := make([]any, maxViolations+10)
	for i := range changes {
		changes[i] = map[string]any{"oldValue": "a"}
	}
	p := exampleInput(t, c, "idn:identity-attributes-changed")
	p["changes"] = changes

	var verr *ValidationError
	require.ErrorAs(t, c.ValidateInput("idn:identity-attributes-changed", p), &verr)
	require.Len(t, verr.Violations, maxViolations)
	require.Equal(t, 10, verr.Omitted)
	require.True(t, strings.HasSuffix(verr.Error(), "(and 10 more)"))
}

func TestNonJSONGoValuesAreViolations(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	err := c.ValidateInput("idn:identity-created", map[string]string{"identity": "x"})
	requireViolation(t, err, "", "unsupported Go value of type map[string]string")
}

// Callers that decode with UseNumber (to keep large integers exact) must
// get the same answers.
func TestJSONNumberPayloads(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	useNumber := func(text string) any {
		d := json.NewDecoder(strings.NewReader(text))
		d.UseNumber()
		var v any
		require.NoError(t, d.Decode(&v))
		return v
	}

	tr, _ := c.Get("idn:account-updated") // its example carries a 13-digit integer
	require.NoError(t, c.ValidateInput(tr.ID, useNumber(string(tr.ExampleInput))))

	err := c.ValidateInput("idn:identity-attributes-changed",
		useNumber(`{"identity":{"id":"i","name":"n","type":"IDENTITY"},"changes":[{"attribute":"a","oldValue":7}]}`))
	requireViolation(t, err, "/changes/0/oldValue", "got number")
}

func TestSourceTimestampsAreCheckedAsDateTime(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	for id, field := range map[string]string{
		"idn:source-created": "created",
		"idn:source-updated": "modified",
		"idn:source-deleted": "deleted",
	} {
		p := exampleInput(t, c, id)
		p[field] = "yesterday"
		requireViolation(t, c.ValidateInput(id, p), "/"+field, "date-time")
	}
}

func TestSourceUpdatedActorIDIsOptional(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)

	p := exampleInput(t, c, "idn:source-updated")
	delete(obj(t, p, "actor"), "id")
	require.NoError(t, c.ValidateInput("idn:source-updated", p))

	p = exampleInput(t, c, "idn:source-created")
	delete(obj(t, p, "actor"), "id")
	requireViolation(t, c.ValidateInput("idn:source-created", p), "/actor/id", "missing property")
}

func TestAccountUpdatedNullables(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	const id = "idn:account-updated"

	for _, field := range []string{"singleValueAttributeChanges", "multiValueAttributeChanges", "entitlementChanges"} {
		p := exampleInput(t, c, id)
		p[field] = nil
		require.NoError(t, c.ValidateInput(id, p), field)

		p = exampleInput(t, c, id)
		delete(p, field)
		requireViolation(t, c.ValidateInput(id, p), "/"+field, "missing property")
	}

	p := exampleInput(t, c, id)
	single := arr(t, p, "singleValueAttributeChanges")[1].(map[string]any)
	single["oldValue"] = 12.0
	single["newValue"] = []any{"a"}
	obj(t, p, "account")["uuid"] = nil
	obj(t, p, "account")["attributes"] = nil
	require.NoError(t, c.ValidateInput(id, p))

	p = exampleInput(t, c, id)
	single = arr(t, p, "singleValueAttributeChanges")[0].(map[string]any)
	single["oldValue"] = map[string]any{}
	requireViolation(t, c.ValidateInput(id, p), "/singleValueAttributeChanges/0/oldValue", "got object")

	p = exampleInput(t, c, id)
	obj(t, p, "event")["cause"] = "PASSWORD_CHANGE"
	require.NoError(t, c.ValidateInput(id, p))
	obj(t, p, "event")["type"] = "ACCOUNT_CREATED_V2"
	requireViolation(t, c.ValidateInput(id, p), "/event/type", "ACCOUNT_UPDATED_V2")
}

func TestAccessRequestRequestedForShapes(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	person := func(id string) map[string]any {
		return map[string]any{"type": "IDENTITY", "id": id, "name": "Name " + id}
	}
	for _, id := range []string{
		"idn:access-request-pre-approval",
		"idn:access-request-dynamic-approver",
		"idn:access-request-post-approval",
	} {
		t.Run(id, func(t *testing.T) {
			t.Parallel()
			p := exampleInput(t, c, id)
			p["requestedFor"] = []any{person("a"), person("b")}
			require.NoError(t, c.ValidateInput(id, p), "array form")

			p["requestedFor"] = []any{}
			requireViolation(t, c.ValidateInput(id, p), "/requestedFor", "minItems")

			eleven := make([]any, 11)
			for i := range eleven {
				eleven[i] = person(fmt.Sprint(i))
			}
			p["requestedFor"] = eleven
			requireViolation(t, c.ValidateInput(id, p), "/requestedFor", "maxItems")

			p["requestedFor"] = []any{map[string]any{"type": "IDENTITY", "id": "a"}}
			requireViolation(t, c.ValidateInput(id, p), "/requestedFor/0/name", "missing property")

			p["requestedFor"] = map[string]any{"type": "IDENTITY", "name": "a"}
			requireViolation(t, c.ValidateInput(id, p), "/requestedFor/id", "missing property")

			p["requestedFor"] = "a"
			requireViolation(t, c.ValidateInput(id, p), "/requestedFor", "got string, want object or array")

			p = exampleInput(t, c, id)
			delete(p, "requestedBy")
			requireViolation(t, c.ValidateInput(id, p), "/requestedBy", "missing property")
		})
	}
}

func TestAccessRequestItems(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	const id = "idn:access-request-pre-approval"
	item := func(t testing.TB, p map[string]any) map[string]any {
		return arr(t, p, "requestedItems")[0].(map[string]any)
	}

	p := exampleInput(t, c, id)
	item(t, p)["description"] = nil
	item(t, p)["comment"] = nil
	item(t, p)["form"] = map[string]any{
		"formDefinitionId": "f", "formInstanceId": nil,
		"formData":     map[string]any{"platforms": []any{"AWS"}, "notify": true},
		"formElements": []any{map[string]any{"id": "e"}},
	}
	require.NoError(t, c.ValidateInput(id, p))
	item(t, p)["form"] = nil
	require.NoError(t, c.ValidateInput(id, p))
	item(t, p)["form"] = "filled"
	requireViolation(t, c.ValidateInput(id, p), "/requestedItems/0/form", "got string")

	p = exampleInput(t, c, id)
	item(t, p)["type"] = "APPLICATION"
	requireViolation(t, c.ValidateInput(id, p), "/requestedItems/0/type", "ACCESS_PROFILE")

	p = exampleInput(t, c, id)
	item(t, p)["operation"] = "add"
	requireViolation(t, c.ValidateInput(id, p), "/requestedItems/0/operation", "Remove")

	p = exampleInput(t, c, id)
	p["requestedItems"] = []any{}
	requireViolation(t, c.ValidateInput(id, p), "/requestedItems", "minItems")
}

func TestAccessRequestPostApprovalDecisions(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	const id = "idn:access-request-post-approval"
	approval := func(t testing.TB, p map[string]any) map[string]any {
		status := arr(t, p, "requestedItemsStatus")[0].(map[string]any)
		return arr(t, status, "approvalInfo")[0].(map[string]any)
	}

	p := exampleInput(t, c, id)
	approval(t, p)["approvalComment"] = nil
	approval(t, p)["approvalDecision"] = "DENIED"
	require.NoError(t, c.ValidateInput(id, p))

	approval(t, p)["approvalDecision"] = "MAYBE"
	requireViolation(t, c.ValidateInput(id, p), "/requestedItemsStatus/0/approvalInfo/0/approvalDecision", "APPROVED")

	p = exampleInput(t, c, id)
	delete(approval(t, p), "approver")
	requireViolation(t, c.ValidateInput(id, p), "/requestedItemsStatus/0/approvalInfo/0/approver", "missing property")

	p = exampleInput(t, c, id)
	arr(t, p, "requestedItemsStatus")[0].(map[string]any)["clientMetadata"] = nil
	require.NoError(t, c.ValidateInput(id, p))
}

func TestDynamicApproverOutput(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	const id = "idn:access-request-dynamic-approver"

	for _, ok := range []string{
		`{"id":"2c91808b6ef1d43e016efba0ce470906","name":"Adam Adams","type":"IDENTITY"}`,
		`{"id":"2c91808b6ef1d43e016efba0ce470907","name":"Audit Committee","type":"GOVERNANCE_GROUP"}`,
		`{"id":"","name":"","type":""}`,
		`{}`,
		`null`,
	} {
		require.NoError(t, c.ValidateOutput(id, decode(t, ok)), ok)
	}

	for _, bad := range []struct{ payload, path, msg string }{
		{`{"id":"a","name":"b","type":"ROLE"}`, "/type", "GOVERNANCE_GROUP"},
		{`{"id":"a","name":"b","type":""}`, "/type", "IDENTITY"},
		{`{"id":"a","type":"IDENTITY"}`, "/name", "missing property"},
		{`{"id":"","name":""}`, "/type", "missing property"},
		{`"Adam Adams"`, "", "got string, want null or object"},
	} {
		requireViolation(t, c.ValidateOutput(id, decode(t, bad.payload)), bad.path, bad.msg)
	}
}

func TestPreApprovalOutput(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	const id = "idn:access-request-pre-approval"

	require.NoError(t, c.ValidateOutput(id, decode(t, `{"approved":false,"comment":"SOD violation","approver":"Acme"}`)))
	requireViolation(t, c.ValidateOutput(id, decode(t, `{"approved":true,"comment":null,"approver":"Acme"}`)), "/comment", "got null, want string")
	requireViolation(t, c.ValidateOutput(id, decode(t, `{"comment":"c","approver":"Acme"}`)), "/approved", "missing property")
	requireViolation(t, c.ValidateOutput(id, decode(t, `null`)), "", "got null, want object")
}

// Violations come back in a stable order even though the library walks
// object properties in map order.
func TestViolationOrderIsStable(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	payload := decode(t, `{"identity":{"type":"USER"},"changes":[{"oldValue":1},{}]}`)
	first := c.ValidateInput("idn:identity-attributes-changed", payload).Error()
	for range 20 {
		require.Equal(t, first, c.ValidateInput("idn:identity-attributes-changed", payload).Error())
	}
}

func TestConcurrentValidation(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	good := exampleInput(t, c, "idn:identity-attributes-changed")
	bad := decode(t, `{"identity":{"type":"USER"}}`)

	var wg sync.WaitGroup
	errs := make(chan error, 64)
	for i := range 8 {
		wg.Go(func() {
			for range 50 {
				if err := c.ValidateInput("idn:identity-attributes-changed", good); err != nil {
					errs <- err
					return
				}
				if err := c.ValidateInput("idn:identity-attributes-changed", bad); err == nil {
					errs <- fmt.Errorf("worker %d: invalid payload accepted", i)
					return
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	var all bytes.Buffer
	for err := range errs {
		all.WriteString(err.Error() + "\n")
	}
	require.Empty(t, all.String())
}
