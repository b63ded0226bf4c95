// Package actionexecution is the action-execution service: action chains of scripts run as
// durable background jobs against target systems. NewSpec tells the service runner how to
// open, register and run it.
package actionexecution

import (
	"github.com/riverqueue/river"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/timeline"
	"github.com/accessflow/accessflow/services/action-execution/internal/actions"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/gitlab"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/ldap"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/rest"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/scim"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/slack"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/smtp"
	"github.com/accessflow/accessflow/services/action-execution/internal/engine"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.ActionExecution

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9094"

// connectors are the connectors of this build, one per kind; each goes through guard.
func connectors(cfg *Config, guard *outbound.Guard) []connector.Connector {
	return []connector.Connector{
		rest.New(guard, rest.WithTimeout(cfg.ScriptTimeout)),
		ldap.New(guard, ldap.WithTimeout(cfg.ScriptTimeout)),
		scim.New(guard, scim.WithTimeout(cfg.ScriptTimeout)),
		smtp.New(guard, smtp.WithTimeout(cfg.ScriptTimeout)),
		slack.New(guard, slack.WithTimeout(cfg.ScriptTimeout)),
		gitlab.New(guard, gitlab.WithTimeout(cfg.ScriptTimeout)),
	}
}

// Spec describes the service with its own default configuration, bound to its flags.
func Spec() service.Spec {
	cfg := DefaultConfig()
	return NewSpec(&cfg)
}

// NewSpec describes the service configured by *cfg, which its flags set and which is read
// when the service opens: set it (or parse flags into it) before then.
func NewSpec(cfg *Config) service.Spec {
	// River needs the workers when the backend opens, before the store they use exists;
	// Register attaches the store, and no job runs before the service does.
	var eng *engine.Engine
	newEngine := func() *engine.Engine {
		return engine.New(engine.Config{ScriptTimeout: cfg.ScriptTimeout, ApprovalBaseURL: cfg.ApprovalBaseURL})
	}
	return service.Spec{
		Name:       Name,
		Migrations: store.Migrations,
		Timeline:   func(b storage.Backend) timeline.Source { return store.New(b).Timeline },
		BindFlags:  cfg.Bind,
		Validate:   cfg.Validate,
		Jobs: func() jobs.Config {
			eng = newEngine()
			workers := river.NewWorkers()
			eng.AddWorkers(workers)
			jc := jobs.DefaultConfig()
			jc.Workers = workers
			jc.Queues = map[string]river.QueueConfig{jobargs.Queue: {MaxWorkers: cfg.Workers}}
			jc.JobTimeout = eng.JobTimeout()
			jc.RescueStuckJobsAfter = eng.RescueAfter()
			return jc
		},
		Register: func(srv *grpcserver.Server, deps service.Deps) error {
			if eng == nil {
				eng = newEngine()
			}
			reg, err := connector.NewRegistry(connectors(cfg, outbound.NewGuard(cfg.OutboundAllowCIDRs...))...)
			if err != nil {
				return err
			}
			st := store.New(deps.Backend)
			policyConn, err := deps.Peers.Conn(service.Policy, "af:policies:evaluate", "af:reservations:manage")
			if err != nil {
				return err
			}
			triggerConn, err := deps.Peers.Conn(service.TriggerIngest, "af:events:publish")
			if err != nil {
				return err
			}
			eng.Attach(st, reg, deps.Secrets, engine.Peers{
				Policies:   policyv1.NewProvisioningPolicyServiceClient(policyConn),
				Uniqueness: policyv1.NewUniquenessServiceClient(policyConn),
				Events:     triggerv1.NewEventServiceClient(triggerConn),
			}, deps.Logger)
			srv.Register(&actionv1.ActionService_ServiceDesc, actions.New(st, eng, reg, deps.Secrets))
			return nil
		},
	}
}
