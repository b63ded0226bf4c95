// Package sources implements accessflow.policy.v1.SourceService: the target systems that
// provisioning policies belong to.
package sources

import (
	"context"
	"strconv"
	"time"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// Service serves SourceService from a store.
type Service struct {
	policyv1.UnimplementedSourceServiceServer

	store *store.Store
	now   func() time.Time
}

// Option configures a Service.
type Option func(*Service)

// WithClock sets the clock stamping created and modified (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(s *Service) { s.now = now } }

// New returns the service.
func New(st *store.Store, opts ...Option) *Service {
	s := &Service{store: st, now: time.Now}
	for _, opt := range opts {
		opt(s)
	}
	return s
}

// CreateSource assigns the id and timestamps and stores the source.
func (s *Service) CreateSource(ctx context.Context, req *policyv1.CreateSourceRequest) (*policyv1.CreateSourceResponse, error) {
	src := proto.CloneOf(req.GetSource())
	now := s.timestamp()
	src.Id = ids.New()
	src.Created, src.Modified = now, now
	normalize(src)
	if err := s.store.CreateSource(ctx, src); err != nil {
		return nil, err
	}
	return &policyv1.CreateSourceResponse{Source: src}, nil
}

// GetSource returns one source.
func (s *Service) GetSource(ctx context.Context, req *policyv1.GetSourceRequest) (*policyv1.GetSourceResponse, error) {
	src, err := s.store.GetSource(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &policyv1.GetSourceResponse{Source: src}, nil
}

// ListSources returns a page of sources and, when asked, their total count in the
// x-total-count response header.
func (s *Service) ListSources(ctx context.Context, req *policyv1.ListSourcesRequest) (*policyv1.ListSourcesResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.SourceFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.SourceQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset())}
	list, err := s.store.ListSources(ctx, q)
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountSources(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n))); err != nil {
			return nil, err
		}
	}
	return &policyv1.ListSourcesResponse{Sources: list}, nil
}

// UpdateSource replaces a source's writable fields; id and created stay.
func (s *Service) UpdateSource(ctx context.Context, req *policyv1.UpdateSourceRequest) (*policyv1.UpdateSourceResponse, error) {
	src := proto.CloneOf(req.GetSource())
	src.Id = req.GetId()
	src.Modified = s.timestamp()
	normalize(src)
	stored, err := s.store.UpdateSource(ctx, src)
	if err != nil {
		return nil, err
	}
	return &policyv1.UpdateSourceResponse{Source: stored}, nil
}

// TaskResultType is the reference type of the task result a deletion answers with.
const TaskResultType = "TASK_RESULT"

// DeleteSource deletes a source. The reference API deletes asynchronously and answers with a
// task result reference; here the deletion is done when it answers, under a new task id.
func (s *Service) DeleteSource(ctx context.Context, req *policyv1.DeleteSourceRequest) (*policyv1.DeleteSourceResponse, error) {
	if err := s.store.DeleteSource(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &policyv1.DeleteSourceResponse{Task: &typev1.Reference{Type: TaskResultType, Id: ids.New()}}, nil
}

// timestamp is now at the precision the reference API shows (milliseconds).
func (s *Service) timestamp() *timestamppb.Timestamp {
	return timestamppb.New(s.now().UTC().Truncate(time.Millisecond))
}

// normalize fills defaults the reference documents: an owner's type is IDENTITY.
func normalize(src *policyv1.Source) {
	if o := src.GetOwner(); o != nil && o.GetType() == "" {
		o.Type = "IDENTITY"
	}
}
