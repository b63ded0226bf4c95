// Package suite runs the whole of Accessflow in one process: the four services, each on its own
// gRPC listener and talking to the others over gRPC as if remote, and the REST gateway in front.
// It is the embedded default behind `accessflow` and `make run`.
package suite

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"

	"golang.org/x/sync/errgroup"

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	actionexecution "github.com/accessflow/accessflow/services/action-execution"
	"github.com/accessflow/accessflow/services/approval"
	"github.com/accessflow/accessflow/services/policy"
	triggeringest "github.com/accessflow/accessflow/services/trigger-ingest"
)

// Specs lists the services of the suite, in start order. Each call returns new specs, each with
// its own default configuration.
func Specs() []service.Spec {
	trigger := triggeringest.DefaultConfig()
	return specs(&trigger)
}

func specs(trigger *triggeringest.Config) []service.Spec {
	return []service.Spec{policy.Spec(), triggeringest.NewSpec(trigger), approval.Spec(), actionexecution.Spec()}
}

// Config is the all-in-one's configuration.
type Config struct {
	Service service.Config
	Gateway gateway.Config
	// Addrs are the gRPC listen addresses by service name.
	Addrs map[string]string
	// Specs are the services, whose own flags Bind registers.
	Specs []service.Spec
	// Trigger is the trigger-ingest service's own configuration: its spec in Specs reads it
	// when the suite opens (a pointer, so that flags and callers set what the spec sees).
	Trigger *triggeringest.Config
}

// DefaultConfig is the documented default.
func DefaultConfig() Config {
	trigger := triggeringest.DefaultConfig()
	return Config{
		Trigger: &trigger,
		Service: service.DefaultConfig(),
		Gateway: gateway.DefaultConfig(),
		Addrs: map[string]string{
			policy.Name:          policy.DefaultGRPCAddr,
			triggeringest.Name:   triggeringest.DefaultGRPCAddr,
			approval.Name:        approval.DefaultGRPCAddr,
			actionexecution.Name: actionexecution.DefaultGRPCAddr,
		},
		Specs: specs(&trigger),
	}
}

// Bind registers every flag of the all-in-one on fs.
func (c *Config) Bind(fs *flag.FlagSet) {
	c.Service.Bind(fs)
	c.Gateway.Bind(fs)
	for _, spec := range c.Specs {
		if spec.BindFlags != nil {
			spec.BindFlags(fs)
		}
		addr := c.Addrs[spec.Name]
		fs.Func(service.AddrFlag(spec.Name), "gRPC listen address of the "+spec.Name+" service (default \""+addr+"\")", func(v string) error {
			c.Addrs[spec.Name] = v
			return nil
		})
	}
}

// Validate reports settings that cannot work.
func (c Config) Validate() error {
	return errors.Join(c.Service.Validate(), c.Gateway.Validate())
}

// Suite is an opened all-in-one, ready to Run.
type Suite struct {
	proc      *service.Process
	specs     []service.Spec
	services  []*service.Service
	listeners map[string]net.Listener
	adminLis  net.Listener
	gateway   *gateway.Gateway
	backends  gateway.Backends
	gwLis     net.Listener
	gwStore   storage.Backend
	admin     *gateway.AdminNotice
}

// Open opens every service's store, binds every listener (so port 0 works and the gateway
// dials the real addresses) and builds the gateway. On failure it releases what it acquired.
func Open(ctx context.Context, cfg Config, proc *service.Process) (_ *Suite, err error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("invalid configuration: %w", err)
	}
	s := &Suite{proc: proc, listeners: map[string]net.Listener{}}
	defer func() {
		if err != nil {
			err = errors.Join(err, s.close())
		}
	}()
	s.specs = cfg.Specs
	// Every listener is bound before any service opens, so that services calling each other dial
	// the real (possibly random) ports.
	targets := service.Targets{}
	for _, spec := range cfg.Specs {
		lis, err := service.Listen(ctx, cfg.Addrs[spec.Name])
		if err != nil {
			return nil, err
		}
		s.listeners[spec.Name] = lis
		targets[spec.Name] = dialAddr(lis)
	}
	svcCfg := cfg.Service
	svcCfg.Targets = targets
	for _, spec := range cfg.Specs {
		svc, err := service.Open(ctx, spec, svcCfg, proc.Logger)
		if err != nil {
			return nil, err
		}
		s.services = append(s.services, svc)
	}
	if s.adminLis, err = proc.ListenAdmin(ctx); err != nil {
		return nil, err
	}
	if s.gwLis, err = service.Listen(ctx, cfg.Gateway.Addr); err != nil {
		return nil, err
	}
	dialOpts, err := cfg.Service.DialOptions()
	if err != nil {
		return nil, err
	}
	s.backends, err = gateway.Dial(
		dialAddr(s.listeners[policy.Name]), dialAddr(s.listeners[triggeringest.Name]),
		dialAddr(s.listeners[approval.Name]), dialAddr(s.listeners[actionexecution.Name]), dialOpts...)
	if err != nil {
		return nil, err
	}
	tokens, gwStore, err := gateway.OpenTokenService(ctx, cfg.Service, "http://"+dialAddr(s.gwLis), proc.Logger)
	if err != nil {
		return nil, err
	}
	s.gwStore = gwStore
	s.admin = tokens.CreatedAdmin
	s.gateway, err = gateway.New(ctx, s.backends, gateway.WithLogger(proc.Logger),
		gateway.WithMaxBodyBytes(cfg.Gateway.MaxBodyBytes), gateway.WithDrainTimeout(cfg.Service.DrainTimeout()),
		gateway.WithTokenService(tokens), gateway.WithRateLimit(cfg.Gateway.RateLimit, cfg.Gateway.RateBurst))
	if err != nil {
		return nil, err
	}
	return s, nil
}

// CreatedAdmin is the notice to give the operator when this start created the admin OAuth2
// client (the first start), else nil. Its TokenCommand is the caller's to fill in.
func (s *Suite) CreatedAdmin() *gateway.AdminNotice { return s.admin }

// GatewayAddr is the gateway's bound address.
func (s *Suite) GatewayAddr() string { return s.gwLis.Addr().String() }

// GRPCAddr is the bound gRPC address of the named service.
func (s *Suite) GRPCAddr(name string) string { return s.listeners[name].Addr().String() }

// Run serves everything until ctx ends, then drains and stops it all.
func (s *Suite) Run(ctx context.Context) error {
	defer func() { _ = s.backends.Close() }()
	defer func() { _ = s.gwStore.Close() }()
	g, ctx := errgroup.WithContext(ctx)
	for i, spec := range s.specs {
		svc, lis := s.services[i], s.listeners[spec.Name]
		g.Go(func() error { return svc.Run(ctx, lis) })
	}
	g.Go(func() error { return s.gateway.Run(ctx, s.gwLis) })
	g.Go(func() error { return s.proc.RunAdmin(ctx, s.adminLis) })
	s.proc.Logger.Info("accessflow serving", "gateway", s.GatewayAddr())
	return g.Wait()
}

func (s *Suite) close() error {
	var errs []error
	for _, svc := range s.services {
		errs = append(errs, svc.Close())
	}
	for _, lis := range []net.Listener{s.adminLis, s.gwLis} {
		if lis != nil {
			errs = append(errs, lis.Close())
		}
	}
	for _, lis := range s.listeners {
		errs = append(errs, lis.Close())
	}
	errs = append(errs, s.backends.Close())
	if s.gwStore != nil {
		errs = append(errs, s.gwStore.Close())
	}
	return errors.Join(errs...)
}

// dialAddr turns a listener's address into one to dial: a wildcard host becomes loopback.
func dialAddr(lis net.Listener) string {
	addr := lis.Addr().(*net.TCPAddr)
	if addr.IP.IsUnspecified() {
		return net.JoinHostPort("127.0.0.1", fmt.Sprint(addr.Port))
	}
	return addr.String()
}
