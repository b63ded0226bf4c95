package actions_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"os"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/riverqueue/river"
	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/action-execution/internal/actions"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/ldap"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/rest"
	"github.com/accessflow/accessflow/services/action-execution/internal/connectors/scim"
	"github.com/accessflow/accessflow/services/action-execution/internal/engine"
	"github.com/accessflow/accessflow/services/action-execution/internal/jobargs"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// harness runs the service's handlers and engine on a real backend with River working, the
// REST connector allowed to reach loopback, and doubles of the policy and trigger-ingest
// clients that record what they were asked.
type harness struct {
	svc    *actions.Service
	st     *store.Store
	events *eventsDouble
	policy *policyDouble
	mail   *mailDouble
}

// backends runs fn once per storage backend.
func backends(t *testing.T, fn func(t *testing.T, h *harness)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newHarness(t, storage.BackendSQLite)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newHarness(t, storage.BackendPostgres)) })
}

func newHarness(t testing.TB, backendName string) *harness {
	t.Helper()
	eng := engine.New(engine.Config{ScriptTimeout: 5 * time.Second})
	workers := river.NewWorkers()
	eng.AddWorkers(workers)
	jc := jobs.DefaultConfig()
	jc.Workers = workers
	jc.Queues = map[string]river.QueueConfig{jobargs.Queue: {MaxWorkers: 50}}
	jc.JobTimeout, jc.RescueStuckJobsAfter = eng.JobTimeout(), eng.RescueAfter()
	migrations, err := store.Migrations(backendName)
	require.NoError(t, err)
	var b storage.Backend
	if backendName == storage.BackendPostgres {
		open := func(ctx context.Context, url string, jc jobs.Config) (*postgres.Backend, error) {
			return postgres.Open(ctx, url, postgres.Options{Schema: "action_execution", Migrations: migrations, Jobs: jc, DrainTimeout: time.Second})
		}
		url := storagetest.NewPostgresDatabase(t, "action_flows", migrations, func(ctx context.Context, url string) error {
			pb, err := open(ctx, url, jobs.Config{})
			if err != nil {
				return err
			}
			return pb.Close()
		})
		b, err = open(t.Context(), url, jc)
	} else {
		b, err = sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Migrations: migrations, Jobs: jc, DrainTimeout: time.Second})
	}
	require.NoError(t, err)
	ring, err := secrets.NewRing(secrets.Key{ID: "test", Bytes: make([]byte, 32)})
	require.NoError(t, err)
	mail := &mailDouble{}
	loopback := outbound.NewGuard(netip.MustParsePrefix("127.0.0.0/8"))
	reg, err := connector.NewRegistry(rest.New(loopback, rest.WithTimeout(2*time.Second)), mail, ldap.New(loopback), scim.New(loopback))
	require.NoError(t, err)
	h := &harness{events: newEventsDouble(t), policy: &policyDouble{}, mail: mail}
	st := store.New(b)
	eng.Attach(st, reg, ring, engine.Peers{Policies: h.policy, Uniqueness: h.policy, Events: h.events}, nil)
	h.svc, h.st = actions.New(st, eng, reg, ring), st
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan error, 1)
	go func() { done <- b.RunJobs(ctx) }()
	t.Cleanup(func() {
		cancel()
		require.NoError(t, <-done)
		require.NoError(t, b.Close())
	})
	return h
}

// waitFlow polls the flow until it has ended.
func (h *harness) waitFlow(t *testing.T, id string) *actionv1.ActionFlow {
	t.Helper()
	var flow *actionv1.ActionFlow
	require.Eventually(t, func() bool {
		resp, err := h.svc.GetActionFlow(t.Context(), &actionv1.GetActionFlowRequest{Id: id})
		require.NoError(t, err)
		flow = resp.GetFlow()
		return store.Ended(flow.GetStatus())
	}, 20*time.Second, 10*time.Millisecond)
	return flow
}

// eventsDouble records the events published, checking each against the catalogue's
// idn:post-provisioning schema (trigger-ingest's own file) and answering a repeated key as
// trigger-ingest does.
type eventsDouble struct {
	triggerv1.EventServiceClient
	schema *jsonschema.Schema

	mu     sync.Mutex
	events []map[string]any
	keys   map[string]int
	// callers are the trackingNumbers the calls came with, by idempotency key.
	callers map[string]string
}

func newEventsDouble(t testing.TB) *eventsDouble {
	t.Helper()
	path := filepath.Join("..", "..", "..", "trigger-ingest", "internal", "catalogue", "schemas", "post-provisioning.input.json")
	f, err := os.Open(path)
	require.NoError(t, err)
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	require.NoError(t, err)
	c := jsonschema.NewCompiler()
	require.NoError(t, c.AddResource("post-provisioning.json", doc))
	sch, err := c.Compile("post-provisioning.json")
	require.NoError(t, err)
	return &eventsDouble{schema: sch, keys: map[string]int{}, callers: map[string]string{}}
}

func (d *eventsDouble) PublishEvent(ctx context.Context, in *triggerv1.PublishEventRequest, _ ...grpc.CallOption) (*triggerv1.PublishEventResponse, error) {
	if in.GetTriggerId() != engine.PostProvisioningTrigger {
		return nil, status.Errorf(codes.InvalidArgument, "unexpected trigger %s", in.GetTriggerId())
	}
	b, err := json.Marshal(in.GetEvent().AsMap())
	if err != nil {
		return nil, err
	}
	v, err := jsonschema.UnmarshalJSON(bytesReader(b))
	if err != nil {
		return nil, err
	}
	if err := d.schema.Validate(v); err != nil {
		return nil, status.Errorf(codes.InvalidArgument, "event does not validate: %v", err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	d.keys[in.GetIdempotencyKey()]++
	if n, ok := tracking.FromContext(ctx); ok {
		d.callers[in.GetIdempotencyKey()] = n.String()
	}
	if d.keys[in.GetIdempotencyKey()] == 1 {
		d.events = append(d.events, in.GetEvent().AsMap())
	}
	return &triggerv1.PublishEventResponse{}, nil
}

// published waits for n distinct events and returns them.
func (d *eventsDouble) published(t *testing.T, n int) []map[string]any {
	t.Helper()
	require.Eventually(t, func() bool {
		d.mu.Lock()
		defer d.mu.Unlock()
		return len(d.events) >= n
	}, 20*time.Second, 10*time.Millisecond)
	d.mu.Lock()
	defer d.mu.Unlock()
	return append([]map[string]any(nil), d.events...)
}

// caller returns the trackingNumber the call with the idempotency key came with.
func (d *eventsDouble) caller(key string) string {
	d.mu.Lock()
	defer d.mu.Unlock()
	return d.callers[key]
}

// policyDouble answers evaluations with fixed attributes and one reservation, and records the
// confirmations, releases and accounts it is told about.
type policyDouble struct {
	policyv1.ProvisioningPolicyServiceClient
	policyv1.UniquenessServiceClient

	mu          sync.Mutex
	evalErr     error // answered to every evaluation when set
	evaluations []*policyv1.EvaluateProvisioningPolicyRequest
	confirmed   map[string]string
	released    []string
	accounts    map[string]map[string]string
}

func (p *policyDouble) EvaluateProvisioningPolicy(_ context.Context, in *policyv1.EvaluateProvisioningPolicyRequest, _ ...grpc.CallOption) (*policyv1.EvaluateProvisioningPolicyResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.evaluations = append(p.evaluations, in)
	if p.evalErr != nil {
		return nil, p.evalErr
	}
	first, _ := in.GetIdentity().GetAttributes().AsMap()["firstname"].(string)
	attrs, err := structpb.NewStruct(map[string]any{"userName": first + ".smith", "mail": first + "@example.com"})
	if err != nil {
		return nil, err
	}
	return &policyv1.EvaluateProvisioningPolicyResponse{
		Attributes:   attrs,
		Reservations: []*policyv1.Reservation{{Id: "res-" + first, Attribute: "userName", Value: first + ".smith", SourceId: in.GetSourceId()}},
	}, nil
}

func (p *policyDouble) ConfirmReservation(_ context.Context, in *policyv1.ConfirmReservationRequest, _ ...grpc.CallOption) (*policyv1.ConfirmReservationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.confirmed == nil {
		p.confirmed = map[string]string{}
	}
	p.confirmed[in.GetId()] = in.GetAccountId()
	return &policyv1.ConfirmReservationResponse{}, nil
}

func (p *policyDouble) ReleaseReservation(_ context.Context, in *policyv1.ReleaseReservationRequest, _ ...grpc.CallOption) (*policyv1.ReleaseReservationResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.released = append(p.released, in.GetId())
	return &policyv1.ReleaseReservationResponse{}, nil
}

func (p *policyDouble) RecordAccount(_ context.Context, in *policyv1.RecordAccountRequest, _ ...grpc.CallOption) (*policyv1.RecordAccountResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.accounts == nil {
		p.accounts = map[string]map[string]string{}
	}
	p.accounts[in.GetSourceId()+"/"+in.GetAccountId()] = in.GetAttributes()
	return &policyv1.RecordAccountResponse{}, nil
}

// target is a REST API that honours Idempotency-Key: a repeated key replays the first answer
// without acting again. It counts the effects per path.
type target struct {
	*httptest.Server
	mu       sync.Mutex
	effects  map[string]int
	seen     map[string][]byte
	requests []recorded
	// fail answers 500 to this many requests per path before succeeding (-1: always).
	fail map[string]int
}

type recorded struct {
	Path, Method, IdempotencyKey, TrackingNumber, Authorization string
	Body                                                        map[string]any
}

func newTarget(t testing.TB) *target {
	t.Helper()
	tg := &target{effects: map[string]int{}, seen: map[string][]byte{}, fail: map[string]int{}}
	tg.Server = httptest.NewServer(http.HandlerFunc(tg.serve))
	t.Cleanup(tg.Close)
	return tg
}

func (tg *target) serve(w http.ResponseWriter, r *http.Request) {
	var body map[string]any
	_ = json.NewDecoder(r.Body).Decode(&body)
	tg.mu.Lock()
	defer tg.mu.Unlock()
	tg.requests = append(tg.requests, recorded{r.URL.Path, r.Method, r.Header.Get("Idempotency-Key"), r.Header.Get("X-Tracking-Number"), r.Header.Get("Authorization"), body})
	if n := tg.fail[r.URL.Path]; n != 0 {
		tg.fail[r.URL.Path] = n - 1
		http.Error(w, `{"error":"backend down"}`, http.StatusInternalServerError)
		return
	}
	key := r.URL.Path + "|" + r.Header.Get("Idempotency-Key")
	if prev, ok := tg.seen[key]; ok {
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		_, _ = w.Write(prev)
		return
	}
	tg.effects[r.URL.Path]++
	out, _ := json.Marshal(map[string]any{"id": "u-" + r.Header.Get("Idempotency-Key")[:8], "path": r.URL.Path, "n": tg.effects[r.URL.Path]})
	tg.seen[key] = out
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(http.StatusCreated)
	_, _ = w.Write(out)
}

func (tg *target) snapshot() (map[string]int, []recorded) {
	tg.mu.Lock()
	defer tg.mu.Unlock()
	effects := map[string]int{}
	for k, v := range tg.effects {
		effects[k] = v
	}
	return effects, append([]recorded(nil), tg.requests...)
}

// mailDouble stands in for the SMTP connector (another package, written apart): it supports
// email_notification and email_approval and records what it was asked to send.
type mailDouble struct {
	mu   sync.Mutex
	sent []connector.Request
}

func (*mailDouble) Kind() string { return connector.KindSMTP }

func (*mailDouble) Operations() []string { return []string{"email_approval", "email_notification"} }

func (*mailDouble) ValidateProvider(connector.Provider) error { return nil }

func (m *mailDouble) Run(_ context.Context, _ connector.Provider, req connector.Request) (connector.Result, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.sent = append(m.sent, req)
	return connector.Result{Output: map[string]any{"messageId": "<" + req.IdempotencyKey + "@test>"}}, nil
}

func (m *mailDouble) requests() []connector.Request {
	m.mu.Lock()
	defer m.mu.Unlock()
	return append([]connector.Request(nil), m.sent...)
}
