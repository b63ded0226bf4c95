// Package triggeringest is the trigger-ingest service: the event-trigger catalogue,
// subscriptions, event ingestion and durable delivery to subscribers. NewSpec tells the
// service runner how to open, register and run it.
package triggeringest

import (
	"fmt"

	"github.com/riverqueue/river"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/timeline"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/delivery"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/eventsources"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/fanout"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/ingest"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/invocations"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/jobargs"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/subscriptions"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/triggers"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/workflows"
)

// Name of the service: its SQLite file and PostgreSQL schema.
const Name = service.TriggerIngest

// DefaultGRPCAddr is the service's default gRPC listen address.
const DefaultGRPCAddr = ":9092"

// Spec describes the service with its own default configuration, bound to its flags.
func Spec() service.Spec {
	cfg := DefaultConfig()
	return NewSpec(&cfg)
}

// NewSpec describes the service configured by *cfg, which its flags set and which is read
// when the service opens: set it (or parse flags into it) before then.
func NewSpec(cfg *Config) service.Spec {
	// River needs the delivery workers when the backend opens, before the store they use
	// exists; Register attaches the store, and no job runs before the service does.
	var deliverer *delivery.Deliverer
	newDeliverer := func() *delivery.Deliverer {
		return delivery.New(delivery.Config{
			RetrySchedule:                cfg.RetrySchedule,
			Timeout:                      cfg.DeliveryTimeout,
			MaxConcurrentPerSubscription: cfg.MaxConcurrentPerSubscription,
			AutoDisableAfter:             cfg.AutoDisableAfter,
			CallbackBaseURL:              cfg.CallbackBaseURL,
			Retention:                    cfg.EventRetention,
			Guard:                        outbound.NewGuard(cfg.OutboundAllowCIDRs...),
		})
	}
	return service.Spec{
		Name:       Name,
		Migrations: store.Migrations,
		Timeline:   func(b storage.Backend) timeline.Source { return store.New(b).Timeline },
		BindFlags:  cfg.Bind,
		Validate:   cfg.Validate,
		Jobs: func() jobs.Config {
			deliverer = newDeliverer()
			workers := river.NewWorkers()
			deliverer.AddWorkers(workers)
			jc := jobs.DefaultConfig()
			jc.Workers = workers
			jc.Queues = map[string]river.QueueConfig{
				jobargs.Queue:      {MaxWorkers: cfg.DeliveryWorkers},
				river.QueueDefault: {MaxWorkers: 2},
			}
			jc.PeriodicJobs = deliverer.PeriodicJobs()
			// A job that set no limit of its own (invocation deadlines) gets the delivery's;
			// a job still running past RescueAfter is presumed lost with its process.
			jc.JobTimeout = delivery.JobTimeout(cfg.DeliveryTimeout)
			jc.RescueStuckJobsAfter = cfg.RescueAfter()
			return jc
		},
		Register: func(srv *grpcserver.Server, deps service.Deps) error {
			cat, err := catalogue.New()
			if err != nil {
				return err
			}
			st := store.New(deps.Backend)
			if deliverer == nil {
				deliverer = newDeliverer()
			}
			deliverer.Attach(st, cat, deps.Secrets, workflows.NewRunner(deps.Peers), deps.Logger)
			planner := fanout.New(cat, deps.Secrets, fanout.WithLogger(deps.Logger))
			triggerSvc, err := triggers.New(cat)
			if err != nil {
				return err
			}
			subs, err := subscriptions.New(st, cat, deps.Secrets, planner, subscriptions.WithGuard(outbound.NewGuard(cfg.OutboundAllowCIDRs...)))
			if err != nil {
				return fmt.Errorf("subscriptions: %w", err)
			}
			srv.Register(&triggerv1.TriggerService_ServiceDesc, triggerSvc)
			srv.Register(&triggerv1.SubscriptionService_ServiceDesc, subs)
			srv.Register(&triggerv1.EventService_ServiceDesc, ingest.New(st, cat, deps.Secrets, planner))
			srv.Register(&triggerv1.InvocationService_ServiceDesc, invocations.New(st, cat, deps.Secrets, planner))
			srv.Register(&triggerv1.EventSourceService_ServiceDesc, eventsources.New(st, deps.Secrets))
			return nil
		},
	}
}
