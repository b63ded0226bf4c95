package gateway

import (
	"context"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
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
}
