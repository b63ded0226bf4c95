package service

import (
	"errors"
	"flag"
	"fmt"
	"sync"

	"google.golang.org/grpc"

	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/grpcclient"
)

// The names of the Accessflow services: each one's SQLite file, PostgreSQL schema, flags
// (--<name>-addr, --<name>-target) and service-token subject derive from its name.
const (
	Policy          = "policy"
	TriggerIngest   = "trigger-ingest"
	Approval        = "approval"
	ActionExecution = "action-execution"
)

// Targets are the gRPC addresses of the services, which the processes that call them dial: the
// standalone gateway, and every standalone service that calls another (the all-in-one dials its
// own listeners instead).
type Targets map[string]string

// DefaultTargets are every service's default address on localhost.
func DefaultTargets() Targets {
	return Targets{
		Policy:          "localhost:9091",
		TriggerIngest:   "localhost:9092",
		Approval:        "localhost:9093",
		ActionExecution: "localhost:9094",
	}
}

// targetNames lists the services in a stable order for flags and docs.
var targetNames = []string{Policy, TriggerIngest, Approval, ActionExecution}

// Bind registers one --<service>-target flag per service on fs.
func (t Targets) Bind(fs *flag.FlagSet) {
	for _, name := range targetNames {
		fs.Func(name+"-target", fmt.Sprintf("gRPC address of the %s service, for the standalone gateway and services that call it: host:port, a comma-separated host:port list of its replicas, or dns:///name:port (every address of name, e.g. a Kubernetes headless Service); calls go round-robin over the replicas (default %q)", name, t[name]), func(v string) error {
			if v == "" {
				return errors.New("empty address")
			}
			t[name] = v
			return nil
		})
	}
}

// Peers connects a service to the other services it calls. Each connection is dialled lazily,
// uses mutual TLS when configured, and authenticates every call with a short-lived service token
// (subject service:<caller>) holding only the scopes that connection was asked for.
type Peers struct {
	caller   string
	targets  Targets
	issuer   *auth.Issuer
	dialOpts []grpc.DialOption

	mu    sync.Mutex
	conns []*grpc.ClientConn
}

// NewPeers returns the peers of service caller at targets. issuer signs its service tokens;
// dialOpts (e.g. mutual TLS) apply to every connection.
func NewPeers(caller string, targets Targets, issuer *auth.Issuer, dialOpts ...grpc.DialOption) *Peers {
	return &Peers{caller: caller, targets: targets, issuer: issuer, dialOpts: dialOpts}
}

// Conn returns a connection to the named service whose calls carry a service token with
// scopes. Calls carry the caller's trackingNumber and are retried while the peer is
// unavailable (pkg/grpcclient). The connection lives until Close.
func (p *Peers) Conn(name string, scopes ...string) (*grpc.ClientConn, error) {
	if p == nil {
		return nil, fmt.Errorf("no peers configured: cannot call %s", name)
	}
	target, ok := p.targets[name]
	if !ok || target == "" {
		return nil, fmt.Errorf("no address for service %q (set --%s-target)", name, name)
	}
	opts := append([]grpc.DialOption{}, p.dialOpts...)
	if p.issuer != nil {
		opts = append(opts, grpc.WithPerRPCCredentials(auth.NewServiceTokens(p.issuer, p.caller, scopes...)))
	}
	conn, err := grpcclient.New(target, opts...)
	if err != nil {
		return nil, err
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	p.conns = append(p.conns, conn)
	return conn, nil
}

// Close closes every connection Conn returned.
func (p *Peers) Close() error {
	if p == nil {
		return nil
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	var errs []error
	for _, c := range p.conns {
		errs = append(errs, c.Close())
	}
	p.conns = nil
	return errors.Join(errs...)
}
