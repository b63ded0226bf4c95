package actions

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/action-execution/internal/engine"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// StartActionFlow instantiates a chain as a flow and enqueues its first script, once per
// idempotency key.
func (s *Service) StartActionFlow(ctx context.Context, req *actionv1.StartActionFlowRequest) (*actionv1.StartActionFlowResponse, error) {
	chain, err := s.store.GetChain(ctx, req.GetChainId())
	if errors.Is(err, storage.ErrNotFound) {
		return nil, apierror.InvalidField("chainId", "no action chain %q", req.GetChainId())
	}
	if err != nil {
		return nil, err
	}
	hash, err := requestHash(req)
	if err != nil {
		return nil, err
	}
	n, _ := tracking.FromContext(ctx)
	st := engine.Instantiate(chain, proto.CloneOf(req.GetContext()), req.GetIdempotencyKey(), hash, n.String(), s.stamp())
	out, created, err := s.store.StartFlow(ctx, st)
	if err != nil {
		return nil, err
	}
	flow, err := presentFlow(out)
	if err != nil {
		return nil, err
	}
	return &actionv1.StartActionFlowResponse{Flow: flow, Created: created}, nil
}

// requestHash identifies what a StartActionFlow asked for, so that a reused idempotency key
// with another request is told apart from a retry.
func requestHash(req *actionv1.StartActionFlowRequest) (string, error) {
	b, err := proto.MarshalOptions{Deterministic: true}.Marshal(&actionv1.StartActionFlowRequest{ChainId: req.GetChainId(), Context: req.GetContext()})
	if err != nil {
		return "", fmt.Errorf("hash request: %w", err)
	}
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:]), nil
}

// GetActionFlow returns a flow with its scripts.
func (s *Service) GetActionFlow(ctx context.Context, req *actionv1.GetActionFlowRequest) (*actionv1.GetActionFlowResponse, error) {
	st, err := s.store.GetFlow(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	flow, err := presentFlow(st)
	if err != nil {
		return nil, err
	}
	return &actionv1.GetActionFlowResponse{Flow: flow}, nil
}

// ListActionFlows pages through flows, newest first.
func (s *Service) ListActionFlows(ctx context.Context, req *actionv1.ListActionFlowsRequest) (*actionv1.ListActionFlowsResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.FlowFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.FlowQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset())}
	flows, err := s.store.ListFlows(ctx, q)
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountFlows(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := setTotal(ctx, n); err != nil {
			return nil, err
		}
	}
	out := make([]*actionv1.ActionFlow, len(flows))
	for i := range flows {
		if out[i], err = presentFlow(flows[i]); err != nil {
			return nil, err
		}
	}
	return &actionv1.ListActionFlowsResponse{Flows: out}, nil
}

// CancelActionFlow cancels a flow that has not ended.
func (s *Service) CancelActionFlow(ctx context.Context, req *actionv1.CancelActionFlowRequest) (*actionv1.CancelActionFlowResponse, error) {
	st, err := s.engine.Cancel(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	flow, err := presentFlow(st)
	if err != nil {
		return nil, err
	}
	return &actionv1.CancelActionFlowResponse{Flow: flow}, nil
}

// RetryActionFlow runs a failed flow again from its first failed script.
func (s *Service) RetryActionFlow(ctx context.Context, req *actionv1.RetryActionFlowRequest) (*actionv1.RetryActionFlowResponse, error) {
	st, err := s.engine.Retry(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	flow, err := presentFlow(st)
	if err != nil {
		return nil, err
	}
	return &actionv1.RetryActionFlowResponse{Flow: flow}, nil
}

// DecideActionApproval records the answer a signed approval link carries.
func (s *Service) DecideActionApproval(ctx context.Context, req *actionv1.DecideActionApprovalRequest) (*actionv1.DecideActionApprovalResponse, error) {
	d, err := s.engine.Decide(ctx, req.GetToken())
	if err != nil {
		return nil, err
	}
	return &actionv1.DecideActionApprovalResponse{FlowId: d.FlowID, Script: d.Script, Decision: d.Decision}, nil
}

func presentFlow(st store.FlowState) (*actionv1.ActionFlow, error) {
	f := st.Flow
	out := &actionv1.ActionFlow{
		Id: f.ID, ChainId: f.ChainID, Status: f.Status, IdempotencyKey: f.IdempotencyKey, TrackingNumber: f.TrackingNumber,
		Context: f.Context, Created: timestamppb.New(f.Created), Modified: timestamppb.New(f.Modified),
		Errors: f.Errors, Warnings: f.Warnings, Runs: int32(min(f.Runs, 1<<30)), //nolint:gosec // bounded above
	}
	if !f.Completed.IsZero() {
		out.Completed = timestamppb.New(f.Completed)
	}
	for i := range st.Scripts {
		sc := &st.Scripts[i]
		fs := &actionv1.ActionFlowScript{
			Id: sc.ID, Name: sc.Name, Type: sc.Type, Status: sc.Status, Attempts: int32(min(sc.Attempts, 1<<30)), //nolint:gosec // bounded above
			Error: sc.Error, AccountId: sc.State.AccountID, Compensation: sc.Compensation,
		}
		if len(sc.State.Output) > 0 {
			o, err := structpb.NewStruct(sc.State.Output)
			if err != nil {
				return nil, fmt.Errorf("encode output of script %s: %w", sc.Name, err)
			}
			fs.Output = o
		}
		if !sc.Started.IsZero() {
			fs.Started = timestamppb.New(sc.Started)
		}
		if !sc.Finished.IsZero() {
			fs.Finished = timestamppb.New(sc.Finished)
		}
		out.Scripts = append(out.Scripts, fs)
	}
	return out, nil
}
