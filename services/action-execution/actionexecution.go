// Package actionexecution is the action-execution service: action chains of scripts run as durable background jobs against target systems.
// Spec tells the service runner how to open, register and run it.
package actionexecution

import (
	"io/fs"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/service"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.ActionExecution

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9094"

// Spec describes the service to the service runner. Until its RPCs land, the service owns its
// store (River's tables, migrated at start) and reports health like every other.
func Spec() service.Spec {
	return service.Spec{
		Name:       Name,
		Migrations: func(string) (fs.FS, error) { return nil, nil },
		Register: func(srv *grpcserver.Server, _ service.Deps) error {
			srv.Register(&actionv1.ActionService_ServiceDesc, actionv1.UnimplementedActionServiceServer{})
			return nil
		},
	}
}
