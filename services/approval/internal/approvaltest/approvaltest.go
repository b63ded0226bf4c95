// Package approvaltest serves the approval service in-process for tests and benchmarks, opened
// by the service runner (service.Open with approval.Spec: migrations, River jobs, token auth,
// audit) on SQLite or PostgreSQL, with gRPC test doubles of action-execution's ActionService
// and trigger-ingest's EventService on loopback listeners that record every call. It can stop
// the service and open it again on the same database (a restart).
package approvaltest

import (
	"context"
	"fmt"
	"net"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/grpcserver"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/services/approval"
)

// Actions is a test double of action-execution's ActionService: it records StartActionFlow
// calls and answers idempotently on the key, as the real service does.
type Actions struct {
	actionv1.UnimplementedActionServiceServer

	mu    sync.Mutex
	calls []*actionv1.StartActionFlowRequest
	flows map[string]string
}

// StartActionFlow records the call and answers the flow of its key.
func (a *Actions) StartActionFlow(_ context.Context, req *actionv1.StartActionFlowRequest) (*actionv1.StartActionFlowResponse, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	a.calls = append(a.calls, req)
	if a.flows == nil {
		a.flows = map[string]string{}
	}
	id, seen := a.flows[req.GetIdempotencyKey()]
	if !seen {
		id = ids.New()
		a.flows[req.GetIdempotencyKey()] = id
	}
	return &actionv1.StartActionFlowResponse{Flow: &actionv1.ActionFlow{Id: id, ChainId: req.GetChainId(), Status: "PENDING"}, Created: !seen}, nil
}

// Calls returns the StartActionFlow calls so far.
func (a *Actions) Calls() []*actionv1.StartActionFlowRequest {
	a.mu.Lock()
	defer a.mu.Unlock()
	return append([]*actionv1.StartActionFlowRequest(nil), a.calls...)
}

// FlowID returns the action flow started for an idempotency key.
func (a *Actions) FlowID(key string) string {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.flows[key]
}

// CallsFor returns the calls for one approval flow.
func (a *Actions) CallsFor(flowID string) []*actionv1.StartActionFlowRequest {
	var out []*actionv1.StartActionFlowRequest
	for _, c := range a.Calls() {
		if c.GetContext().GetApprovalFlowId() == flowID {
			out = append(out, c)
		}
	}
	return out
}

// Events is a test double of trigger-ingest's EventService that records published events
// (idempotently on their keys) and plays REQUEST_RESPONSE subscribers: the answer set for a
// trigger gives the delivery of each of its events (status and output); a trigger without one
// has no subscriber.
type Events struct {
	triggerv1.UnimplementedEventServiceServer

	mu      sync.Mutex
	events  []*triggerv1.PublishEventRequest
	keys    map[string]string
	trigger map[string]string // trigger of each event id
	answers map[string]func() (status string, output map[string]any)
}

// SetAnswer sets how trigger's subscriber answers (nil: no subscriber).
func (e *Events) SetAnswer(trigger string, fn func() (string, map[string]any)) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.answers == nil {
		e.answers = map[string]func() (string, map[string]any){}
	}
	e.answers[trigger] = fn
}

// SetPreApproval sets the idn:access-request-pre-approval subscriber's answers.
func (e *Events) SetPreApproval(fn func() (string, map[string]any)) {
	e.SetAnswer("idn:access-request-pre-approval", fn)
}

// PublishEvent records the event once per idempotency key.
func (e *Events) PublishEvent(_ context.Context, req *triggerv1.PublishEventRequest) (*triggerv1.PublishEventResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if e.keys == nil {
		e.keys, e.trigger = map[string]string{}, map[string]string{}
	}
	if id, ok := e.keys[req.GetIdempotencyKey()]; ok && req.GetIdempotencyKey() != "" {
		return &triggerv1.PublishEventResponse{Id: id}, nil
	}
	id := ids.New()
	e.keys[req.GetIdempotencyKey()] = id
	e.events = append(e.events, req)
	e.trigger[id] = req.GetTriggerId()
	return &triggerv1.PublishEventResponse{Id: id}, nil
}

// ListDeliveries answers the delivery of a REQUEST_RESPONSE event (filters: eventId eq "<id>").
func (e *Events) ListDeliveries(_ context.Context, req *triggerv1.ListDeliveriesRequest) (*triggerv1.ListDeliveriesResponse, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	var id string
	if _, err := fmt.Sscanf(req.GetFilters(), "eventId eq %q", &id); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "filters: %v", err)
	}
	answer := e.answers[e.trigger[id]]
	if answer == nil {
		return &triggerv1.ListDeliveriesResponse{}, nil
	}
	st, out := answer()
	d := &triggerv1.Delivery{Id: ids.New(), EventId: id, TriggerId: e.trigger[id], Status: st}
	if st == "FAILED" {
		d.Error = "deadline passed"
	}
	if out != nil {
		v, err := structpb.NewValue(out)
		if err != nil {
			return nil, err
		}
		d.Output = v
	}
	return &triggerv1.ListDeliveriesResponse{Deliveries: []*triggerv1.Delivery{d}}, nil
}

// Published returns the events published for a trigger.
func (e *Events) Published(trigger string) []*triggerv1.PublishEventRequest {
	e.mu.Lock()
	defer e.mu.Unlock()
	var out []*triggerv1.PublishEventRequest
	for _, ev := range e.events {
		if ev.GetTriggerId() == trigger {
			out = append(out, ev)
		}
	}
	return out
}

// Sources is a test double of the policy service's SourceService: the sources in Known exist.
type Sources struct {
	policyv1.UnimplementedSourceServiceServer

	Known map[string]bool
}

// GetSource answers the known sources and NotFound for the others.
func (s *Sources) GetSource(_ context.Context, req *policyv1.GetSourceRequest) (*policyv1.GetSourceResponse, error) {
	if !s.Known[req.GetId()] {
		return nil, status.Errorf(codes.NotFound, "source %q not found", req.GetId())
	}
	return &policyv1.GetSourceResponse{Source: &policyv1.Source{Id: req.GetId(), Name: req.GetId()}}, nil
}

// Server is the approval service serving on one backend, with its peers' doubles.
type Server struct {
	Backend string
	Actions *Actions
	Events  *Events
	// Sources are the policy service's sources ("corp-ad" exists).
	Sources *Sources
	// Addr is the service's loopback address.
	Addr string

	tb     testing.TB
	cfg    service.Config
	issuer *auth.Issuer
	stop   func()
}

// Peers are the doubles of the services the approval service calls, on one loopback listener.
type Peers struct {
	Actions *Actions
	Events  *Events
	Sources *Sources
	Addr    string
}

// Targets point every peer service at the doubles.
func (p *Peers) Targets() service.Targets {
	return service.Targets{service.ActionExecution: p.Addr, service.TriggerIngest: p.Addr, service.Policy: p.Addr}
}

// StartPeers serves the doubles until tb ends.
func StartPeers(tb testing.TB) *Peers {
	tb.Helper()
	p := &Peers{Actions: &Actions{}, Events: &Events{}, Sources: &Sources{Known: map[string]bool{"corp-ad": true}}}
	srv := grpc.NewServer()
	actionv1.RegisterActionServiceServer(srv, p.Actions)
	triggerv1.RegisterEventServiceServer(srv, p.Events)
	policyv1.RegisterSourceServiceServer(srv, p.Sources)
	lis, err := (&net.ListenConfig{}).Listen(tb.Context(), "tcp", "127.0.0.1:0")
	require.NoError(tb, err)
	p.Addr = lis.Addr().String()
	go func() { _ = srv.Serve(lis) }()
	tb.Cleanup(srv.Stop)
	return p
}

// Start serves the approval service on backend (storage.BackendSQLite or BackendPostgres,
// which skips without ACCESSFLOW_TEST_DATABASE_URL) until tb ends.
func Start(tb testing.TB, backend string) *Server {
	tb.Helper()
	peers := StartPeers(tb)
	s := &Server{Backend: backend, Actions: peers.Actions, Events: peers.Events, Sources: peers.Sources, tb: tb}
	s.cfg = service.DefaultConfig()
	s.cfg.Storage.DataDir = tb.TempDir()
	if backend == storage.BackendPostgres {
		s.cfg.Storage.DatabaseURL = storagetest.NewPostgresDatabase(tb, "approvalsvc", nil, func(context.Context, string) error { return nil })
		s.cfg.SecretKeys = TestSecretKeys
	}
	s.cfg.Targets = peers.Targets()
	var err error
	s.issuer, err = Issuer(s.cfg)
	require.NoError(tb, err)
	s.Restart()
	tb.Cleanup(func() { s.stop() })
	return s
}

// TestSecretKeys is a key ring for services on PostgreSQL in tests.
var TestSecretKeys = "test=" + strings.Repeat("ab", 32)

// Issuer mints tokens the service configured by cfg trusts (keys in its data dir).
func Issuer(cfg service.Config) (*auth.Issuer, error) {
	keys, err := cfg.KeySet()
	if err != nil {
		return nil, err
	}
	return auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
}

// Dial connects to an approval service at addr with tokens from issuer for subject
// "client:<subject>" with levels.
func Dial(tb testing.TB, addr string, issuer *auth.Issuer, subject string, levels ...string) approvalv1.ApprovalServiceClient {
	tb.Helper()
	conn, err := grpc.NewClient(addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(&userToken{issuer: issuer, subject: "client:" + subject, levels: levels, scopes: auth.NewRules().Scopes()}))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close() })
	return approvalv1.NewApprovalServiceClient(conn)
}

// Restart stops the service (when running) and opens it again on the same database and port.
func (s *Server) Restart() {
	tb := s.tb
	tb.Helper()
	if s.stop != nil {
		s.stop()
	}
	addr := s.Addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	svc, err := service.Open(tb.Context(), approval.Spec(), s.cfg, logging.Discard(), grpcserver.WithDrainTimeout(time.Second))
	require.NoError(tb, err)
	var lis net.Listener
	require.Eventually(tb, func() bool {
		lis, err = (&net.ListenConfig{}).Listen(tb.Context(), "tcp", addr)
		return err == nil
	}, 10*time.Second, 10*time.Millisecond, "listen on %s", addr)
	s.Addr = lis.Addr().String()
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- svc.Run(ctx, lis) }()
	s.stop = func() {
		cancel()
		require.NoError(tb, <-done)
		s.stop = func() {}
	}
	conn := s.Conn("approvaltest-health")
	health := healthpb.NewHealthClient(conn)
	require.Eventually(tb, func() bool {
		resp, err := health.Check(tb.Context(), &healthpb.HealthCheckRequest{})
		return err == nil && resp.GetStatus() == healthpb.HealthCheckResponse_SERVING
	}, 30*time.Second, 5*time.Millisecond, "the service turns SERVING")
}

// Conn is a connection whose calls carry a token with every scope, subject "client:<subject>"
// and the given user levels (none: an administrator client).
func (s *Server) Conn(subject string, levels ...string) *grpc.ClientConn {
	tb := s.tb
	tb.Helper()
	conn, err := grpc.NewClient(s.Addr,
		grpc.WithTransportCredentials(insecure.NewCredentials()),
		grpc.WithPerRPCCredentials(&userToken{issuer: s.issuer, subject: "client:" + subject, levels: levels, scopes: auth.NewRules().Scopes()}))
	require.NoError(tb, err)
	tb.Cleanup(func() { _ = conn.Close() })
	return conn
}

// Client is an ApprovalService client acting as subject with levels.
func (s *Server) Client(subject string, levels ...string) approvalv1.ApprovalServiceClient {
	return approvalv1.NewApprovalServiceClient(s.Conn(subject, levels...))
}

type userToken struct {
	issuer  *auth.Issuer
	subject string
	levels  []string
	scopes  []string
}

func (u *userToken) GetRequestMetadata(context.Context, ...string) (map[string]string, error) {
	tok, _, err := u.issuer.Issue(u.subject, strings.TrimPrefix(u.subject, "client:"), u.scopes, u.levels, time.Hour)
	if err != nil {
		return nil, err
	}
	return map[string]string{"authorization": "Bearer " + tok}, nil
}

func (*userToken) RequireTransportSecurity() bool { return false }
