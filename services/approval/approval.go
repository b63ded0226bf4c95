// Package approval is the approval service: approvable relationships, approval chains,
// identities and groups, access requests and their approval flows. Spec tells the service
// runner how to open, register and run it.
package approval

import (
	"github.com/riverqueue/river"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/timeline"
	"github.com/accessflow/accessflow/services/approval/internal/server"
	"github.com/accessflow/accessflow/services/approval/internal/sources"
	"github.com/accessflow/accessflow/services/approval/internal/store"
	"github.com/accessflow/accessflow/services/approval/internal/workers"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.Approval

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9093"

// Spec describes the service to the service runner.
func Spec() service.Spec {
	// River needs the workers when the backend opens, before the store they use exists;
	// Register attaches the store, and no job runs before the service does.
	w := workers.New()
	return service.Spec{
		Name:       Name,
		Migrations: store.Migrations,
		Timeline:   func(b storage.Backend) timeline.Source { return store.New(b).Timeline },
		Jobs: func() jobs.Config {
			rw := river.NewWorkers()
			w.Add(rw)
			jc := jobs.DefaultConfig()
			jc.Workers = rw
			return jc
		},
		Register: func(srv *grpcserver.Server, deps service.Deps) error {
			st := store.New(deps.Backend)
			w.Attach(st, deps.Peers, deps.Logger)
			srv.Register(&approvalv1.ApprovalService_ServiceDesc, server.New(st, server.WithSources(sources.New(deps.Peers))))
			return nil
		},
	}
}
