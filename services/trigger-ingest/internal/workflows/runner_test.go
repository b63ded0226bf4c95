package workflows

import (
	"context"
	"net"
	"sync"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	approvalv1 "github.com/accessflow/accessflow/api/accessflow/approval/v1"
	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/service"
)

// peer is a gRPC server standing in for the approval service's identity directory and the
// action-execution service: it records the flows started and the scopes of each call.
type peer struct {
	approvalv1.UnimplementedApprovalServiceServer
	actionv1.UnimplementedActionServiceServer

	keys *auth.KeySet

	mu     sync.Mutex
	scopes map[string][]string // method → the scopes of its token
	starts []*actionv1.StartActionFlowRequest
}

func (p *peer) GetIdentity(_ context.Context, req *approvalv1.GetIdentityRequest) (*approvalv1.GetIdentityResponse, error) {
	switch req.GetId() {
	case "ann":
		attrs, _ := structpb.NewStruct(map[string]any{"department": "sales", "lastname": "able"})
		return &approvalv1.GetIdentityResponse{Identity: &approvalv1.Identity{Id: "ann", Name: "Ann Able", Email: "ann@example.org", Attributes: attrs}}, nil
	case "hr":
		return &approvalv1.GetIdentityResponse{Identity: &approvalv1.Identity{Id: "hr", Name: "HR feed"}}, nil
	case "broken":
		return nil, status.Error(codes.Internal, "directory down")
	}
	return nil, status.Errorf(codes.NotFound, "no identity %q", req.GetId())
}

func (p *peer) StartActionFlow(_ context.Context, req *actionv1.StartActionFlowRequest) (*actionv1.StartActionFlowResponse, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.starts = append(p.starts, req)
	return &actionv1.StartActionFlowResponse{Flow: &actionv1.ActionFlow{Id: "flow-1"}}, nil
}

func (p *peer) record(ctx context.Context, req any, info *grpc.UnaryServerInfo, h grpc.UnaryHandler) (any, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) == 1 {
		if raw, ok := auth.BearerToken(v[0]); ok {
			if claims, err := auth.NewLocalVerifier(p.keys.Public(), "accessflow", "accessflow").Verify(ctx, raw); err == nil {
				p.mu.Lock()
				p.scopes[info.FullMethod] = claims.Scopes
				p.mu.Unlock()
			}
		}
	}
	return h(ctx, req)
}

// TestRunActionChainFillsIdentities: a RUN_ACTION_CHAIN run starts its flow with the recipient
// and requester as the identity directory has them (read with a token holding only the
// directory's read scope); an identity the directory lacks is its id alone; any other error
// fails the run, to be retried.
func TestRunActionChainFillsIdentities(t *testing.T) {
	key, err := auth.NewKey()
	require.NoError(t, err)
	keys, err := auth.NewKeySet(key)
	require.NoError(t, err)
	issuer, err := auth.NewIssuer(keys, "accessflow", "accessflow")
	require.NoError(t, err)
	p := &peer{keys: keys, scopes: map[string][]string{}}
	srv := grpc.NewServer(grpc.UnaryInterceptor(p.record))
	approvalv1.RegisterApprovalServiceServer(srv, p)
	actionv1.RegisterActionServiceServer(srv, p)
	lis, err := (&net.ListenConfig{}).Listen(t.Context(), "tcp", "127.0.0.1:0")
	require.NoError(t, err)
	go func() { _ = srv.Serve(lis) }()
	t.Cleanup(srv.Stop)
	addr := lis.Addr().String()
	peers := service.NewPeers(service.TriggerIngest, service.Targets{service.Approval: addr, service.ActionExecution: addr}, issuer)
	t.Cleanup(func() { _ = peers.Close() })
	rn := NewRunner(peers)

	run := func(event string) error {
		_, err := rn.Run(t.Context(), Run{
			EventID: "e-" + event, SubscriptionID: "s1", Payload: []byte(event),
			Config: &triggerv1.WorkflowConfig{WorkflowId: "w", Kind: RunActionChain, ActionChainId: "c1", RecipientIdPath: "$.who", RequesterIdPath: "$.by"},
		})
		return err
	}
	last := func() *actionv1.FlowContext {
		p.mu.Lock()
		defer p.mu.Unlock()
		return p.starts[len(p.starts)-1].GetContext()
	}

	require.NoError(t, run(`{"who": "ann", "by": "hr"}`))
	attrs, _ := structpb.NewStruct(map[string]any{"department": "sales", "lastname": "able"})
	require.True(t, proto.Equal(&actionv1.Identity{Id: "ann", Name: "Ann Able", Email: "ann@example.org", Attributes: attrs}, last().GetRecipient()), "%v", last().GetRecipient())
	require.True(t, proto.Equal(&actionv1.Identity{Id: "hr", Name: "HR feed"}, last().GetRequester()), "%v", last().GetRequester())

	require.NoError(t, run(`{"who": "nobody", "by": "nobody"}`))
	require.True(t, proto.Equal(&actionv1.Identity{Id: "nobody"}, last().GetRecipient()), "%v", last().GetRecipient())
	require.True(t, proto.Equal(&actionv1.Identity{Id: "nobody"}, last().GetRequester()), "%v", last().GetRequester())

	err = run(`{"who": "broken", "by": "hr"}`)
	require.Error(t, err)
	require.NotErrorIs(t, err, ErrInputs, "a directory error may pass: the run is retried")
	p.mu.Lock()
	defer p.mu.Unlock()
	require.Len(t, p.starts, 2, "no flow without the identity")
	require.Equal(t, []string{scopeIdentities}, p.scopes[approvalv1.ApprovalService_GetIdentity_FullMethodName])
	require.Equal(t, []string{scopeActionFlows}, p.scopes[actionv1.ActionService_StartActionFlow_FullMethodName])
}
