// Package approval is the approval service: approvable relationships, approval chains and the approval flows of access requests.
// Spec tells the service runner how to open, register and run it.
package approval

import (
	"io/fs"

	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/service"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.Approval

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9093"

// Spec describes the service to the service runner. Until its RPCs land, the service owns its
// store (River's tables, migrated at start) and reports health like every other.
func Spec() service.Spec {
	return service.Spec{
		Name:       Name,
		Migrations: func(string) (fs.FS, error) { return nil, nil },
		Register: func(srv *grpcserver.Server, _ service.Deps) error {
			srv.Register(&approvalv1.ApprovalService_ServiceDesc, approvalv1.UnimplementedApprovalServiceServer{})
			return nil
		},
	}
}
