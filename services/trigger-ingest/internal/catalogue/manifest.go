package catalogue

// definition is the hand-maintained part of a trigger; its schemas and
// examples are found in the embedded files by slug.
type definition struct {
	id          string
	name        string
	typ         Type
	description string
}

// definitions lists every shipped trigger. It returns a fresh slice each
// call so there is no package-level mutable state to guard.
func definitions() []definition {
	return []definition{
		{
			"idn:access-request-dynamic-approver", "Access Request Dynamic Approver", RequestResponse,
			"Asks the subscriber, when an access request is submitted, for one extra identity or governance group to append to its approvers.",
		},
		{
			"idn:access-request-post-approval", "Access Request Post Approval", FireAndForget,
			"Reports the final approval decision for each item of an access request.",
		},
		{
			"idn:access-request-pre-approval", "Access Request Pre Approval", RequestResponse,
			"Asks the subscriber to approve or deny a newly submitted access request before it reaches human approvers.",
		},
		{
			"idn:account-created", "Account Created", FireAndForget,
			"Reports an account that aggregation or provisioning created on a source.",
		},
		{
			"idn:account-deleted", "Account Deleted", FireAndForget,
			"Reports an account that aggregation or provisioning removed from a source.",
		},
		{
			"idn:account-updated", "Account Updated", FireAndForget,
			"Reports attribute and entitlement changes on an account, with old and new values.",
		},
		{
			"idn:identity-attributes-changed", "Identity Attributes Changed", FireAndForget,
			"Reports the identity attributes whose values changed during an identity refresh.",
		},
		{
			"idn:identity-created", "Identity Created", FireAndForget,
			"Reports a new identity found on an authoritative source, with its mapped attributes.",
		},
		{
			"idn:identity-deleted", "Identity Deleted", FireAndForget,
			"Reports an identity that was removed once nothing referenced it any more.",
		},
		{
			"idn:post-provisioning", "Provisioning Completed", FireAndForget,
			"Reports the outcome of a provisioning transaction for each account and attribute it touched.",
		},
		{
			"idn:source-created", "Source Created", FireAndForget,
			"Reports a source created through the API or admin UI, and who created it.",
		},
		{
			"idn:source-deleted", "Source Deleted", FireAndForget,
			"Reports a source deleted through the API or admin UI, and who deleted it.",
		},
		{
			"idn:source-updated", "Source Updated", FireAndForget,
			"Reports a configuration change to a source, and who made it.",
		},
	}
}
