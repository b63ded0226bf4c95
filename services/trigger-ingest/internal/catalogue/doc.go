// Package catalogue is the static list of event triggers that trigger-ingest
// ships, together with the JSON Schemas every ingested event (and every
// REQUEST_RESPONSE reply) is validated against.
//
// # Source of truth
//
// Each trigger has a hand-written JSON Schema (draft 2020-12) under
// schemas/<slug>.input.json and, for REQUEST_RESPONSE triggers only,
// schemas/<slug>.output.json, where <slug> is the trigger id without its
// "idn:" prefix. Example payloads live under examples/ with the same names.
// Both directories are embedded with go:embed; the checked-in files are the
// source of truth and there is no generator. The schemas were derived from
// the reference OpenAPI 3.0 trigger schemas, with every $ref inlined so
// each file stands alone, translated as follows:
//
//   - "nullable: true" becomes a type union with "null" (or an anyOf with a
//     {"type": "null"} branch when the nullable value is a $ref).
//   - oneOf becomes anyOf where the upstream branches overlap (strings of
//     several formats, number and integer), and allOf is merged into one
//     object.
//   - OpenAPI-only keywords (example, format int32/int64) are dropped.
//   - A nullable oneOf whose branches are disjoint primitive/array/object
//     types becomes a single type union. The upstream identity attribute
//     value also lists both "number" and "integer" inside a oneOf, which can
//     never match an integer; the union expresses the evident intent.
//   - required, enum, minItems/maxItems and format are kept; format is
//     asserted (date-time is checked), not just annotated.
//   - No additionalProperties: false anywhere: upstream allows extra fields
//     and REQUEST_RESPONSE deliveries carry a "_metadata" object.
//
// Each example is the reference's: the example input printed in the
// trigger's page of the event-trigger documentation, or, for triggers the
// documentation has no page for (Account Attributes Changed, Account
// Correlated, Account Uncorrelated, Accounts Collected for Aggregation and
// the Source Account triggers), the example values of the API schema put
// together. Every example validates against its own schema (a test checks).
//
// # Invented ids
//
// The reference API lists ids for 19 triggers. For the others it documents
// we use "idn:" plus the kebab-case trigger name: idn:identity-deleted,
// idn:account-created, idn:account-updated, idn:account-deleted,
// idn:account-uncorrelated, idn:source-account-created|updated|deleted,
// idn:native-change-account-created|updated|deleted,
// idn:machine-identity-created|updated|deleted, idn:form-submitted and
// idn:outlier-detected. idn:access-requested, which
// the reference uses in its subscription examples, is the fire-and-forget
// counterpart of Access Request Pre Approval with the same input; the
// approval service publishes it for every new request.
//
// # Deliberate deviations from the reference
//
//   - Native Change Account Created/Updated/Deleted, Form Submitted and
//     Outlier Detected have no schema in the API reference; theirs are
//     written from the documentation's field notes and examples (for native
//     change: identity, source, account, the attribute and entitlement
//     changes, accountChangeTypes, and eventType fixed per trigger).
//   - The three CIEM triggers are not served: their documentation prints a
//     schema where the example input should be, so there is no reference
//     example to serve.
//   - Where a documented example contradicts its API schema, the schema is
//     widened to accept it: Account Aggregation Completed's source.type also
//     allows IDENTITY; Certification Signed Off's campaignRef does not
//     require correlatedStatus and mandatoryCommentRequirement; Scheduled
//     Search's searchResults counts may be integers as well as strings.
//   - requestedFor (pre-approval, dynamic approver, post-approval): the
//     OpenAPI schema declares an array of 1–10 identities, but the triggers'
//     own published inputSchema and every documented example send a single
//     identity object. Both shapes are accepted.
//   - requestedBy in the dynamic approver input requires id, type and name,
//     as the trigger's published inputSchema does, although its OpenAPI
//     schema omits the list (the other two access request triggers have it).
//   - The dynamic approver output also accepts the two documented "add no
//     approver" replies, {"id":"","name":"","type":""} and {}, which the
//     upstream required list and type enum would otherwise reject; null is
//     accepted because upstream marks the output nullable.
//
// # Using it
//
// Build one Catalogue with New at start-up and share it: it is immutable
// and safe for concurrent use, and every schema is compiled exactly once.
// ValidateInput and ValidateOutput take a JSON-decoded value (the result of
// json.Unmarshal into an any, optionally with json.Decoder.UseNumber);
// typed Go structs are reported as violations rather than reflected over.
// Validation cost grows with payload size and this package does not cap it,
// so callers must bound request body size before decoding.
package catalogue
