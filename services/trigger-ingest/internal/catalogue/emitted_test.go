package catalogue

import (
	"testing"

	"github.com/stretchr/testify/require"
)

// TestEmittedPayloadsValidate checks the triggers Accessflow publishes
// itself against payloads shaped exactly as the approval and
// action-execution services build them, including the edges those
// builders produce: absent comments and descriptions as null, an identity
// reference instead of a list for requestedFor, a null ticket id, a null
// requester, a null attribute value and no account requests at all.
func TestEmittedPayloadsValidate(t *testing.T) {
	t.Parallel()
	c := newCatalogue(t)
	tests := []struct {
		name, trigger, payload string
	}{
		{"access requested", "idn:access-requested", `{
			"accessRequestId": "req-1",
			"requestedFor": {"type": "IDENTITY", "id": "id-1", "name": "Ann"},
			"requestedItems": [
				{"id": "rel-1", "name": "VPN", "description": null, "type": "ENTITLEMENT", "operation": "Add", "comment": null},
				{"id": "rel-2", "name": "Admin", "description": "Admins", "type": "ROLE", "operation": "Remove", "comment": "left"}
			],
			"requestedBy": {"type": "IDENTITY", "id": "id-2", "name": "Bob"}
		}`},
		{"access request post approval", "idn:access-request-post-approval", `{
			"accessRequestId": "req-1",
			"requestedFor": {"type": "IDENTITY", "id": "id-1", "name": "Ann"},
			"requestedItemsStatus": [{
				"id": "rel-1", "name": "VPN", "description": null, "type": "ENTITLEMENT", "operation": "Add", "comment": null,
				"approvalInfo": [
					{"approvalComment": null, "approvalDecision": "APPROVED", "approverName": "Cy", "approver": {"type": "IDENTITY", "id": "id-3", "name": "Cy"}},
					{"approvalComment": "no", "approvalDecision": "DENIED", "approverName": "Di", "approver": {"type": "IDENTITY", "id": "id-4", "name": "Di"}}
				]
			}],
			"requestedBy": {"type": "IDENTITY", "id": "id-2", "name": "Bob"}
		}`},
		{"access request post approval without decisions", "idn:access-request-post-approval", `{
			"accessRequestId": "req-1",
			"requestedFor": {"type": "IDENTITY", "id": "id-1", "name": "Ann"},
			"requestedItemsStatus": [{"id": "rel-1", "name": "VPN", "description": null, "type": "ROLE", "operation": "Remove", "comment": null, "approvalInfo": []}],
			"requestedBy": {"type": "IDENTITY", "id": "id-2", "name": "Bob"}
		}`},
		{"provisioning completed", "idn:post-provisioning", `{
			"trackingNumber": "4b4d982dddff4267ab12f0f1e72b5a6d",
			"sources": "Corp LDAP",
			"action": "AccessRequest",
			"errors": [],
			"warnings": ["slow"],
			"recipient": {"type": "IDENTITY", "id": "id-1", "name": "Ann"},
			"requester": {"type": "IDENTITY", "id": "id-2", "name": "Bob"},
			"accountRequests": [{
				"source": {"id": "src-1", "type": "SOURCE", "name": "Corp LDAP"},
				"accountId": "uid=ann,ou=people",
				"accountOperation": "Create",
				"provisioningResult": "SUCCESS",
				"provisioningTarget": "ldap",
				"ticketId": null,
				"attributeRequests": [
					{"attributeName": "cn", "attributeValue": "Ann", "operation": "Set"},
					{"attributeName": "mail", "attributeValue": null, "operation": "Set"}
				]
			}]
		}`},
		{"provisioning completed, nothing provisioned", "idn:post-provisioning", `{
			"trackingNumber": "4b4d982dddff4267ab12f0f1e72b5a6d",
			"sources": "",
			"action": "Revoke",
			"errors": ["connector down"],
			"warnings": [],
			"recipient": {"type": "IDENTITY", "id": "id-1", "name": "id-1"},
			"requester": null,
			"accountRequests": []
		}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			require.NoError(t, c.ValidateInput(tt.trigger, decode(t, tt.payload)))
		})
	}
}
