// Package triggeringest is the trigger-ingest service: the event-trigger catalogue, subscriptions, event ingestion and durable delivery to subscribers.
// Spec tells the service runner how to open, register and run it.
package triggeringest

import (
	"io/fs"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/service"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = "trigger-ingest"

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9092"

// Spec describes the service to the service runner. Until its RPCs land, the service owns its
// store (River's tables, migrated at start) and reports health like every other.
func Spec() service.Spec {
	return service.Spec{
		Name:       Name,
		Migrations: func(string) (fs.FS, error) { return nil, nil },
		Register: func(srv *grpcserver.Server, _ service.Deps) error {
			srv.Register(&triggerv1.TriggerService_ServiceDesc, triggerv1.UnimplementedTriggerServiceServer{})
			return nil
		},
	}
}
