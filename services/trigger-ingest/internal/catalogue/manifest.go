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
			"idn:access-requested", "Access Requested", FireAndForget,
			"Reports a submitted access request, with what was requested, for whom and by whom; unlike Access Request Pre Approval it expects no reply.",
		},
		{
			"idn:account-aggregation-completed", "Account Aggregation Completed", FireAndForget,
			"Reports the end of an account aggregation, whether it succeeded, failed or was terminated, with its statistics.",
		},
		{
			"idn:account-attributes-changed", "Account Attributes Changed", FireAndForget,
			"Reports the account attributes whose values an aggregation found changed, with old and new values.",
		},
		{
			"idn:account-correlated", "Account Correlated", FireAndForget,
			"Reports an account that was correlated to an identity.",
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
			"idn:account-uncorrelated", "Account Uncorrelated", FireAndForget,
			"Reports an account that was removed from the identity it was correlated to.",
		},
		{
			"idn:account-updated", "Account Updated", FireAndForget,
			"Reports an account whose attributes or entitlements aggregation or provisioning changed.",
		},
		{
			"idn:aggregation-accounts-collected", "Accounts Collected for Aggregation", FireAndForget,
			"Reports the new, changed and deleted accounts an aggregation collected before processing them.",
		},
		{
			"idn:campaign-activated", "Campaign Activated", FireAndForget,
			"Reports a certification campaign that was activated.",
		},
		{
			"idn:campaign-ended", "Campaign Ended", FireAndForget,
			"Reports a certification campaign that ended.",
		},
		{
			"idn:campaign-generated", "Campaign Generated", FireAndForget,
			"Reports a certification campaign that finished generating.",
		},
		{
			"idn:certification-signed-off", "Certification Signed Off", FireAndForget,
			"Reports a certification that its reviewer signed off.",
		},
		{
			"idn:form-submitted", "Form Submitted", FireAndForget,
			"Reports a custom form that a user submitted, with the answers it holds.",
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
			"idn:machine-identity-created", "Machine Identity Created", FireAndForget,
			"Reports a machine identity that was created, aggregated or mapped.",
		},
		{
			"idn:machine-identity-deleted", "Machine Identity Deleted", FireAndForget,
			"Reports a machine identity that was deleted.",
		},
		{
			"idn:machine-identity-updated", "Machine Identity Updated", FireAndForget,
			"Reports the changes made to a machine identity.",
		},
		{
			"idn:native-change-account-created", "Native Change Account Created", FireAndForget,
			"Reports an account created directly on a source with native change detection, outside the platform.",
		},
		{
			"idn:native-change-account-deleted", "Native Change Account Deleted", FireAndForget,
			"Reports an account deleted directly on a source with native change detection, outside the platform.",
		},
		{
			"idn:native-change-account-updated", "Native Change Account Updated", FireAndForget,
			"Reports an account changed directly on a source with native change detection, outside the platform.",
		},
		{
			"idn:outlier-detected", "Outlier Detected", FireAndForget,
			"Reports an identity whose access is unusual compared with its peers, with a score from 0 to 1.",
		},
		{
			"idn:post-provisioning", "Provisioning Completed", FireAndForget,
			"Reports the outcome of a provisioning transaction for each account and attribute it touched.",
		},
		{
			"idn:saved-search-complete", "Scheduled Search", FireAndForget,
			"Reports a scheduled search that ran, with its result counts and a link to the results.",
		},
		{
			"idn:source-account-created", "Source Account Created", FireAndForget,
			"Reports an account created on a source, with its attributes and correlated identity.",
		},
		{
			"idn:source-account-deleted", "Source Account Deleted", FireAndForget,
			"Reports an account deleted from a source, with its last attributes and correlated identity.",
		},
		{
			"idn:source-account-updated", "Source Account Updated", FireAndForget,
			"Reports an account updated on a source, with its attributes and correlated identity.",
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
		{
			"idn:va-cluster-status-change", "VA Cluster Status Change", FireAndForget,
			"Reports a change in the health status of a virtual appliance cluster.",
		},
	}
}
