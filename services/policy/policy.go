// Package policy is the policy service: sources (target systems), their provisioning policies
// and the unique values that evaluating the policies reserves. Spec tells the service runner
// how to open, register and run it.
package policy

import (
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/timeline"
	"github.com/accessflow/accessflow/services/policy/internal/policies"
	"github.com/accessflow/accessflow/services/policy/internal/sources"
	"github.com/accessflow/accessflow/services/policy/internal/store"
	"github.com/accessflow/accessflow/services/policy/internal/uniqueness"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.Policy

// DefaultGRPCAddr is the policy service's default gRPC listen address.
const DefaultGRPCAddr = ":9091"

// Spec describes the policy service to the service runner, with its own configuration at
// the defaults until its flags (BindFlags) are parsed.
func Spec() service.Spec {
	cfg := DefaultConfig()
	return NewSpec(&cfg)
}

// NewSpec describes the service configured by *cfg, which its flags set and which is read
// when the service opens: set it (or parse flags into it) before then.
func NewSpec(cfg *Config) service.Spec {
	// River needs the sweep worker when the backend opens, before the store it uses exists;
	// Register binds the store, and no job runs before the service does.
	sweeper := uniqueness.NewSweeper()
	return service.Spec{
		Name:       Name,
		Migrations: store.Migrations,
		Timeline:   func(b storage.Backend) timeline.Source { return store.New(b).Timeline },
		BindFlags:  cfg.Bind,
		Validate:   func() error { return cfg.Validate() }, // read when the service opens, after flags
		Jobs:       func() jobs.Config { return uniqueness.JobsConfig(sweeper, cfg.ReservationTTL) },
		Register: func(srv *grpcserver.Server, deps service.Deps) error {
			st := store.New(deps.Backend)
			sweeper.Bind(st, deps.Logger)
			pp, err := policies.New(st, policies.WithReservationTTL(cfg.ReservationTTL), policies.WithLogger(deps.Logger))
			if err != nil {
				return err
			}
			srv.Register(&policyv1.SourceService_ServiceDesc, sources.New(st))
			srv.Register(&policyv1.ProvisioningPolicyService_ServiceDesc, pp)
			srv.Register(&policyv1.UniquenessService_ServiceDesc, uniqueness.New(st))
			return nil
		},
	}
}
