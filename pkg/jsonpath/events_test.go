package jsonpath_test

import (
	"encoding/json"
	"testing"

	"github.com/stretchr/testify/require"
)

// identityAttributesChanged is the Identity Attribute Changed example event
// (idn:identity-attributes-changed).
const identityAttributesChanged = `{
  "identity": {
    "id": "ee769173319b41d19ccec6cea52f237b",
    "name": "john.doe",
    "type": "IDENTITY"
  },
  "changes": [
    {"attribute": "department", "oldValue": "sales", "newValue": "marketing"},
    {
      "attribute": "manager",
      "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "nice.guy", "type": "IDENTITY"},
      "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mean.guy", "type": "IDENTITY"}
    },
    {"attribute": "email", "oldValue": "john.doe@hotmail.com", "newValue": "john.doe@gmail.com"}
  ]
}`

// provisioningCompleted is the Provisioning Completed example event
// (idn:post-provisioning).
const provisioningCompleted = `{
  "trackingNumber": "4b4d982dddff4267ab12f0f1e72b5a6d",
  "sources": "Corp AD, Corp LDAP, Corp Salesforce",
  "action": "IdentityRefresh",
  "errors": ["Connector AD Failed"],
  "warnings": ["Notification Skipped due to invalid email"],
  "recipient": {"type": "IDENTITY", "id": "2c91808568c529c60168cca6f90c1313", "name": "William Wilson"},
  "requester": {"type": "IDENTITY", "id": "2c91808568c529c60168cca6f90c1313", "name": "William Wilson"},
  "accountRequests": [
    {
      "source": {"id": "4e4d982dddff4267ab12f0f1e72b5a6d", "type": "SOURCE", "name": "Corporate Active Directory"},
      "accountId": "CN=Rob.Robertson,ou=csm,ou=sales,dc=helpco,dc=com",
      "accountOperation": "Modify",
      "provisioningResult": "SUCCESS",
      "provisioningTarget": "Corp AD",
      "ticketId": "72619262",
      "attributeRequests": [
        {"attributeName": "memberOf", "attributeValue": "CN=sales,DC=helpco,DC=com", "operation": "Add"}
      ]
    }
  ]
}`

// docsIdentityAttributesChanged is the variant of the event used by the
// examples in the filtering-events guide (john.doe moving from Sales to
// Marketing and being terminated).
const docsIdentityAttributesChanged = `{
  "identity": {"id": "ee769173319b41d19ccec6cea52f237b", "name": "john.doe", "type": "IDENTITY"},
  "changes": [
    {"attribute": "department", "oldValue": "Sales", "newValue": "Marketing"},
    {
      "attribute": "manager",
      "oldValue": {"id": "ee769173319b41d19ccec6c235423237b", "name": "robert.brown", "type": "IDENTITY"},
      "newValue": {"id": "ee769173319b41d19ccec6c235423236c", "name": "mary.johnson", "type": "IDENTITY"}
    },
    {"attribute": "cloudLifecycleState", "oldValue": "active", "newValue": "terminated"}
  ]
}`

func decode(t testing.TB, s string) any {
	t.Helper()
	var v any
	require.NoError(t, json.Unmarshal([]byte(s), &v))
	return v
}
