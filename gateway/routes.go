package gateway

import (
	"context"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
)

// routes registers every REST route of every service on the gateway's mux: one entry per gRPC
// service that has HTTP annotations.
var routes = []struct {
	service  string
	register func(context.Context, *runtime.ServeMux, Backends) error
}{
	{"accessflow.policy.v1.SourceService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return policyv1.RegisterSourceServiceHandler(ctx, mux, b.Policy)
	}},
	{"accessflow.policy.v1.ProvisioningPolicyService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return policyv1.RegisterProvisioningPolicyServiceHandler(ctx, mux, b.Policy)
	}},
	{"accessflow.policy.v1.UniquenessService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return policyv1.RegisterUniquenessServiceHandler(ctx, mux, b.Policy)
	}},
	{"accessflow.trigger.v1.TriggerService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return triggerv1.RegisterTriggerServiceHandler(ctx, mux, b.Trigger)
	}},
	{"accessflow.trigger.v1.SubscriptionService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return triggerv1.RegisterSubscriptionServiceHandler(ctx, mux, b.Trigger)
	}},
	{"accessflow.trigger.v1.EventService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return triggerv1.RegisterEventServiceHandler(ctx, mux, b.Trigger)
	}},
	{"accessflow.trigger.v1.InvocationService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return triggerv1.RegisterInvocationServiceHandler(ctx, mux, b.Trigger)
	}},
	{"accessflow.trigger.v1.EventSourceService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return triggerv1.RegisterEventSourceServiceHandler(ctx, mux, b.Trigger)
	}},
	{"accessflow.action.v1.ActionService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return actionv1.RegisterActionServiceHandler(ctx, mux, b.Action)
	}},
	{"accessflow.approval.v1.ApprovalService", func(ctx context.Context, mux *runtime.ServeMux, b Backends) error {
		return approvalv1.RegisterApprovalServiceHandler(ctx, mux, b.Approval)
	}},
}
