// Package policies implements accessflow.policy.v1.ProvisioningPolicyService: the provisioning
// policies of sources, validated by compiling them on every write, and their evaluation for an
// identity, which reserves generated unique values in the store.
package policies

import (
	"context"
	"fmt"
	"log/slog"
	"strconv"
	"time"

	"buf.build/go/protovalidate"
	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/services/policy/internal/store"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// DefaultReservationTTL is how long an evaluation's reservations hold their values unless
// confirmed.
const DefaultReservationTTL = time.Hour

// Service serves ProvisioningPolicyService from a store.
type Service struct {
	policyv1.UnimplementedProvisioningPolicyServiceServer

	store     *store.Store
	validator protovalidate.Validator
	ttl       time.Duration
	logger    *slog.Logger
	programs  programs
}

// Option configures a Service.
type Option func(*Service)

// WithReservationTTL sets how long reservations hold their values (default 1h).
func WithReservationTTL(d time.Duration) Option { return func(s *Service) { s.ttl = d } }

// WithLogger sets the logger (default: discard).
func WithLogger(l *slog.Logger) Option { return func(s *Service) { s.logger = l } }

// New returns the service.
func New(st *store.Store, opts ...Option) (*Service, error) {
	v, err := protovalidate.New()
	if err != nil {
		return nil, fmt.Errorf("protovalidate: %w", err)
	}
	s := &Service{store: st, validator: v, ttl: DefaultReservationTTL, logger: logging.Discard()}
	for _, opt := range opts {
		opt(s)
	}
	s.programs.m = map[programKey]*compiled{}
	return s, nil
}

// ListProvisioningPolicies returns a page of a source's policies and, when asked, their total
// count in the x-total-count response header.
func (s *Service) ListProvisioningPolicies(ctx context.Context, req *policyv1.ListProvisioningPoliciesRequest) (*policyv1.ListProvisioningPoliciesResponse, error) {
	list, err := s.store.ListPolicies(ctx, req.GetSourceId(), collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountPolicies(ctx, req.GetSourceId())
		if err != nil {
			return nil, err
		}
		if err := grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n))); err != nil {
			return nil, fmt.Errorf("set count header: %w", err)
		}
	}
	out := make([]*policyv1.ProvisioningPolicy, len(list))
	for i, p := range list {
		out[i] = p.Policy
	}
	return &policyv1.ListProvisioningPoliciesResponse{Policies: out}, nil
}

// CreateProvisioningPolicy validates and stores a new policy.
func (s *Service) CreateProvisioningPolicy(ctx context.Context, req *policyv1.CreateProvisioningPolicyRequest) (*policyv1.CreateProvisioningPolicyResponse, error) {
	p := proto.CloneOf(req.GetPolicy())
	if p.GetUsageType() == "" {
		return nil, apierror.InvalidField("policy.usageType", "is required, one of: %s", usageTypes())
	}
	normalize(p)
	prog, err := compile(p, "policy")
	if err != nil {
		return nil, err
	}
	stored, err := s.store.CreatePolicy(ctx, req.GetSourceId(), p)
	if err != nil {
		return nil, err
	}
	s.programs.put(programKey{req.GetSourceId(), p.GetUsageType()}, stored.Version, prog)
	if err := setETag(ctx, stored.Version); err != nil {
		return nil, err
	}
	return &policyv1.CreateProvisioningPolicyResponse{Policy: stored.Policy}, nil
}

// GetProvisioningPolicy returns a policy and its ETag.
func (s *Service) GetProvisioningPolicy(ctx context.Context, req *policyv1.GetProvisioningPolicyRequest) (*policyv1.GetProvisioningPolicyResponse, error) {
	stored, err := s.store.GetPolicy(ctx, req.GetSourceId(), req.GetUsageType())
	if err != nil {
		return nil, err
	}
	if err := setETag(ctx, stored.Version); err != nil {
		return nil, err
	}
	return &policyv1.GetProvisioningPolicyResponse{Policy: stored.Policy}, nil
}

// ReplaceProvisioningPolicy replaces an existing policy, if its ETag still matches If-Match.
func (s *Service) ReplaceProvisioningPolicy(ctx context.Context, req *policyv1.ReplaceProvisioningPolicyRequest) (*policyv1.ReplaceProvisioningPolicyResponse, error) {
	cond, err := preconditionFrom(ctx)
	if err != nil {
		return nil, err
	}
	p := proto.CloneOf(req.GetPolicy())
	if err := withUsageType(p, req.GetUsageType(), "policy.usageType"); err != nil {
		return nil, err
	}
	normalize(p)
	prog, err := compile(p, "policy")
	if err != nil {
		return nil, err
	}
	stored, err := s.store.UpdatePolicy(ctx, req.GetSourceId(), req.GetUsageType(), func(current store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) {
		return p, cond.check(describe(req.GetSourceId(), req.GetUsageType()), current.Version)
	})
	if err != nil {
		return nil, err
	}
	s.programs.put(programKey{req.GetSourceId(), req.GetUsageType()}, stored.Version, prog)
	if err := setETag(ctx, stored.Version); err != nil {
		return nil, err
	}
	return &policyv1.ReplaceProvisioningPolicyResponse{Policy: stored.Policy}, nil
}

// PatchProvisioningPolicy applies a JSON Patch to a policy, if its ETag still matches
// If-Match; without If-Match the patch applies to the latest state.
func (s *Service) PatchProvisioningPolicy(ctx context.Context, req *policyv1.PatchProvisioningPolicyRequest) (*policyv1.PatchProvisioningPolicyResponse, error) {
	cond, err := preconditionFrom(ctx)
	if err != nil {
		return nil, err
	}
	patch, err := decodePatch(req.GetOperations())
	if err != nil {
		return nil, err
	}
	var prog *transform.Program
	stored, err := s.store.UpdatePolicy(ctx, req.GetSourceId(), req.GetUsageType(), func(current store.StoredPolicy) (*policyv1.ProvisioningPolicy, error) {
		if err := cond.check(describe(req.GetSourceId(), req.GetUsageType()), current.Version); err != nil {
			return nil, err
		}
		next, err := applyPatch(current.Policy, patch)
		if err != nil {
			return nil, err
		}
		if err := withUsageType(next, req.GetUsageType(), "usageType"); err != nil {
			return nil, err
		}
		normalize(next)
		if err := s.validator.Validate(next); err != nil {
			return nil, fmt.Errorf("patched provisioning policy: %w", err)
		}
		if prog, err = compile(next, "policy"); err != nil {
			return nil, err
		}
		return next, nil
	})
	if err != nil {
		return nil, err
	}
	s.programs.put(programKey{req.GetSourceId(), req.GetUsageType()}, stored.Version, prog)
	if err := setETag(ctx, stored.Version); err != nil {
		return nil, err
	}
	return &policyv1.PatchProvisioningPolicyResponse{Policy: stored.Policy}, nil
}

// DeleteProvisioningPolicy deletes a policy, if its ETag still matches If-Match.
func (s *Service) DeleteProvisioningPolicy(ctx context.Context, req *policyv1.DeleteProvisioningPolicyRequest) (*policyv1.DeleteProvisioningPolicyResponse, error) {
	cond, err := preconditionFrom(ctx)
	if err != nil {
		return nil, err
	}
	err = s.store.DeletePolicy(ctx, req.GetSourceId(), req.GetUsageType(), func(current store.StoredPolicy) error {
		return cond.check(describe(req.GetSourceId(), req.GetUsageType()), current.Version)
	})
	if err != nil {
		return nil, err
	}
	s.programs.forget(programKey{req.GetSourceId(), req.GetUsageType()})
	return &policyv1.DeleteProvisioningPolicyResponse{}, nil
}

// BulkUpdateProvisioningPolicies validates every policy, then replaces them all in one
// transaction.
func (s *Service) BulkUpdateProvisioningPolicies(ctx context.Context, req *policyv1.BulkUpdateProvisioningPoliciesRequest) (*policyv1.BulkUpdateProvisioningPoliciesResponse, error) {
	policies := make([]*policyv1.ProvisioningPolicy, len(req.GetPolicies()))
	seen := make(map[string]int, len(policies))
	for i, in := range req.GetPolicies() {
		p := proto.CloneOf(in)
		field := fmt.Sprintf("policies[%d]", i)
		if p.GetUsageType() == "" {
			return nil, apierror.InvalidField(field+".usageType", "is required, one of: %s", usageTypes())
		}
		if j, dup := seen[p.GetUsageType()]; dup {
			return nil, apierror.InvalidField(field+".usageType", "%s is also the usage type of policies[%d]; a source has one policy per usage type", p.GetUsageType(), j)
		}
		seen[p.GetUsageType()] = i
		normalize(p)
		if _, err := compile(p, field); err != nil {
			return nil, err
		}
		policies[i] = p
	}
	stored, err := s.store.ReplacePolicies(ctx, req.GetSourceId(), policies)
	if err != nil {
		return nil, err
	}
	out := make([]*policyv1.ProvisioningPolicy, len(stored))
	for i, p := range stored {
		out[i] = p.Policy
	}
	return &policyv1.BulkUpdateProvisioningPoliciesResponse{Policies: out}, nil
}

func describe(sourceID, usageType string) string {
	return fmt.Sprintf("provisioning policy %s of source %q", usageType, sourceID)
}
