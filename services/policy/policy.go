// Package policy is the policy service: sources (target systems) and their provisioning
// policies. Spec tells the service runner how to open, register and run it.
package policy

import (
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/services/policy/internal/sources"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = "policy"

// DefaultGRPCAddr is the policy service's default gRPC listen address.
const DefaultGRPCAddr = ":9091"

// Spec describes the policy service to the service runner.
func Spec() service.Spec {
	return service.Spec{
		Name:       Name,
		Migrations: store.Migrations,
		Register: func(srv *grpcserver.Server, deps service.Deps) error {
			srv.Register(&policyv1.SourceService_ServiceDesc, sources.New(store.New(deps.Backend)))
			return nil
		},
	}
}
