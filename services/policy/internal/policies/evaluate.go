package policies

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"

	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/tracking"
	"github.com/accessflow/accessflow/services/policy/internal/store"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// EvaluateProvisioningPolicy computes the attributes a policy gives an identity. Unique values
// are reserved in the store (under the request's trackingNumber) unless this is a dry run; when
// the evaluation fails, what it reserved is released.
func (s *Service) EvaluateProvisioningPolicy(ctx context.Context, req *policyv1.EvaluateProvisioningPolicyRequest) (*policyv1.EvaluateProvisioningPolicyResponse, error) {
	prog, err := s.program(ctx, req.GetSourceId(), req.GetUsageType())
	if err != nil {
		return nil, err
	}
	in := transform.Input{
		Identity: req.GetIdentity().GetAttributes().AsMap(),
		Account:  req.GetAccountAttributes().AsMap(),
	}
	var claimer *store.Claimer
	if req.GetDryRun() {
		in.Claimer = s.store.NewChecker(req.GetSourceId())
	} else {
		n, _ := tracking.FromContext(ctx)
		claimer = s.store.NewClaimer(store.Holder{
			SourceID:       req.GetSourceId(),
			IdentityID:     req.GetIdentity().GetId(),
			TrackingNumber: n.String(),
			TTL:            s.ttl,
		})
		in.Claimer = claimer
	}
	res, err := prog.Evaluate(ctx, in)
	if err != nil {
		if claimer != nil {
			s.release(ctx, claimer.Reservations())
		}
		return nil, evaluationError(err)
	}
	attrs, err := structpb.NewStruct(res.Attributes)
	if err != nil {
		if claimer != nil {
			s.release(ctx, claimer.Reservations())
		}
		return nil, fmt.Errorf("encode evaluated attributes: %w", err)
	}
	out := &policyv1.EvaluateProvisioningPolicyResponse{Attributes: attrs, Warnings: res.Warnings}
	if claimer != nil {
		out.Reservations = claimer.Reservations()
	}
	return out, nil
}

// release frees the reservations of a failed evaluation. It runs even when the request was
// cancelled; if it fails the reservations simply expire.
func (s *Service) release(ctx context.Context, reservations []*policyv1.Reservation) {
	if len(reservations) == 0 {
		return
	}
	ids := make([]string, len(reservations))
	for i, r := range reservations {
		ids[i] = r.GetId()
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if err := s.store.ReleaseReservations(ctx, ids...); err != nil {
		s.logger.WarnContext(ctx, "release reservations of a failed evaluation; they will expire", "reservations", ids, "error", err)
	}
}

// evaluationError turns an evaluation failure into what the caller is told. Every candidate
// taken is FAILED_PRECONDITION (apierror.ErrUniqueValuesExhausted); a field that cannot be
// computed from the identity's data is an invalid argument naming the field; anything else
// (the store, a cancelled request) passes as it is.
func evaluationError(err error) error {
	var ex *store.ExhaustedError
	switch {
	case errors.As(err, &ex):
		return fmt.Errorf("%w: field %q: %w; free some (release reservations, forget deleted accounts) or let the policy generate more candidates (cloudMaxUniqueChecks, patterns)",
			apierror.ErrUniqueValuesExhausted, ex.Attribute, ex)
	case errors.Is(err, transform.ErrMissingDependency):
		return fmt.Errorf("%w: %w (attributes of other identities, such as the manager's, cannot be resolved here)", apierror.ErrInvalidArgument, err)
	case isDataError(err):
		return fmt.Errorf("%w: %w", apierror.ErrInvalidArgument, err)
	default:
		return err
	}
}

// dataErrors are the evaluation failures caused by the identity's (or account's) data.
var dataErrors = []error{
	transform.ErrNoCandidates, transform.ErrRequiredValueMissing, transform.ErrOutputTooLarge,
	transform.ErrIndexOutOfRange, transform.ErrInvalidValue, transform.ErrReferenceNotFound,
}

func isDataError(err error) bool {
	for _, sentinel := range dataErrors {
		if errors.Is(err, sentinel) {
			return true
		}
	}
	return false
}

type programKey struct{ sourceID, usageType string }

type compiled struct {
	version string
	program *transform.Program
}

// programs caches compiled policies by version: an evaluation reads the version (one indexed
// read) and compiles only when the policy changed, on this replica or another.
type programs struct {
	mu sync.RWMutex
	m  map[programKey]*compiled
}

func (p *programs) get(k programKey, version string) *transform.Program {
	p.mu.RLock()
	defer p.mu.RUnlock()
	if c := p.m[k]; c != nil && c.version == version {
		return c.program
	}
	return nil
}

func (p *programs) put(k programKey, version string, prog *transform.Program) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.m[k] = &compiled{version: version, program: prog}
}

func (p *programs) forget(k programKey) {
	p.mu.Lock()
	defer p.mu.Unlock()
	delete(p.m, k)
}

// program returns the compiled current policy of a source's usage type.
func (s *Service) program(ctx context.Context, sourceID, usageType string) (*transform.Program, error) {
	k := programKey{sourceID, usageType}
	version, err := s.store.PolicyVersion(ctx, sourceID, usageType)
	if err != nil {
		return nil, err
	}
	if prog := s.programs.get(k, version); prog != nil {
		return prog, nil
	}
	stored, err := s.store.GetPolicy(ctx, sourceID, usageType)
	if err != nil {
		return nil, err
	}
	prog, err := transform.Compile(fields(stored.Policy))
	if err != nil {
		// Stored policies compiled when written; this one no longer does (an engine change).
		return nil, fmt.Errorf("stored %s does not compile: %w", describe(sourceID, usageType), err)
	}
	s.programs.put(k, stored.Version, prog)
	return prog, nil
}
