package actions

import (
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/credentials"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// CreateProvider checks a provider with its connector, seals its credentials and stores it.
func (s *Service) CreateProvider(ctx context.Context, req *actionv1.CreateProviderRequest) (*actionv1.CreateProviderResponse, error) {
	in := proto.CloneOf(req.GetProvider())
	creds := in.GetCredentials()
	if err := s.checkProvider(in, creds); err != nil {
		return nil, err
	}
	sealed, err := credentials.Seal(s.ring, in.GetKey(), creds)
	if err != nil {
		return nil, err
	}
	now := s.stamp()
	rec := store.Provider{Provider: strip(in, creds), Secrets: sealed, Created: now, Modified: now}
	if err := s.store.CreateProvider(ctx, rec); err != nil {
		return nil, err
	}
	return &actionv1.CreateProviderResponse{Provider: s.presentProvider(rec)}, nil
}

// GetProvider returns a provider without its credentials.
func (s *Service) GetProvider(ctx context.Context, req *actionv1.GetProviderRequest) (*actionv1.GetProviderResponse, error) {
	rec, err := s.store.GetProvider(ctx, req.GetKey())
	if err != nil {
		return nil, err
	}
	return &actionv1.GetProviderResponse{Provider: s.presentProvider(rec)}, nil
}

// ListProviders pages through providers.
func (s *Service) ListProviders(ctx context.Context, req *actionv1.ListProvidersRequest) (*actionv1.ListProvidersResponse, error) {
	recs, err := s.store.ListProviders(ctx, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountProviders(ctx)
		if err != nil {
			return nil, err
		}
		if err := setTotal(ctx, n); err != nil {
			return nil, err
		}
	}
	out := make([]*actionv1.Provider, len(recs))
	for i, rec := range recs {
		out[i] = s.presentProvider(rec)
	}
	return &actionv1.ListProvidersResponse{Providers: out}, nil
}

// UpdateProvider replaces a provider; credentials left out keep the stored ones.
func (s *Service) UpdateProvider(ctx context.Context, req *actionv1.UpdateProviderRequest) (*actionv1.UpdateProviderResponse, error) {
	in := proto.CloneOf(req.GetProvider())
	if in.GetKey() != "" && in.GetKey() != req.GetKey() {
		return nil, apierror.InvalidField("provider.key", "is immutable")
	}
	in.Key = req.GetKey()
	if err := s.checkChainsStillWork(ctx, in); err != nil {
		return nil, err
	}
	rec, err := s.store.UpdateProvider(ctx, req.GetKey(), func(p *store.Provider) error {
		creds := in.GetCredentials()
		if len(creds) == 0 {
			var err error
			if creds, err = credentials.Open(s.ring, p.Provider.GetKey(), p.Secrets); err != nil {
				return err
			}
		}
		if err := s.checkProvider(in, creds); err != nil {
			return err
		}
		sealed, err := credentials.Seal(s.ring, in.GetKey(), creds)
		if err != nil {
			return err
		}
		p.Provider, p.Secrets, p.Modified = strip(in, creds), sealed, s.stamp()
		return nil
	})
	if err != nil {
		return nil, err
	}
	return &actionv1.UpdateProviderResponse{Provider: s.presentProvider(rec)}, nil
}

// DeleteProvider removes a provider no chain names.
func (s *Service) DeleteProvider(ctx context.Context, req *actionv1.DeleteProviderRequest) (*actionv1.DeleteProviderResponse, error) {
	err := s.store.DeleteProvider(ctx, req.GetKey())
	if errors.Is(err, store.ErrInUse) {
		return nil, fmt.Errorf("%w; update or delete those chains first: %w", err, storage.ErrPreconditionFailed)
	}
	if err != nil {
		return nil, err
	}
	return &actionv1.DeleteProviderResponse{}, nil
}

// checkChainsStillWork refuses a provider change that would break a chain using it (an
// endpoint removed, another kind).
func (s *Service) checkChainsStillWork(ctx context.Context, p *actionv1.Provider) error {
	chains, err := s.store.ChainsUsingProvider(ctx, p.GetKey())
	if err != nil {
		return err
	}
	for _, c := range chains {
		if _, err := s.checkChain(ctx, c, p); err != nil {
			return apierror.InvalidField("provider", "action chain %q (%s) would no longer work: %v", c.GetName(), c.GetId(), err)
		}
	}
	return nil
}

// checkProvider asks the provider's connector whether it can work with the provider.
func (s *Service) checkProvider(p *actionv1.Provider, creds map[string]string) error {
	if p.GetKey() == "" {
		return apierror.InvalidField("provider.key", "is required")
	}
	if p.GetKey() == reservedProviderKey {
		return apierror.InvalidField("provider.key", "%q is reserved: %s<operation> scripts would read as its scripts", reservedProviderKey, script.EveryAccountPrefix)
	}
	if _, ok := s.reg.Get(p.GetKind()); !ok {
		return apierror.InvalidField("provider.kind", "no %s connector in this build (have: %v)", p.GetKind(), s.reg.Kinds())
	}
	c, _ := s.reg.Get(p.GetKind())
	cp := connector.Provider{Key: p.GetKey(), Kind: p.GetKind(), Endpoint: p.GetEndpoint(), Settings: p.GetSettings().AsMap(), Credentials: creds}
	if err := c.ValidateProvider(cp); err != nil {
		return apierror.InvalidField("provider", "%s", strings.TrimPrefix(err.Error(), connector.ErrPermanent.Error()+": "))
	}
	return nil
}

// strip returns p without its credentials, naming them instead.
// reservedProviderKey cannot name a provider: every_account_<operation> is not a provider's.
const reservedProviderKey = "every"

func strip(p *actionv1.Provider, creds map[string]string) *actionv1.Provider {
	out := proto.CloneOf(p)
	out.Credentials = nil
	out.CredentialNames = nil
	for name := range creds {
		out.CredentialNames = append(out.CredentialNames, name)
	}
	sort.Strings(out.GetCredentialNames())
	out.Operations, out.Created, out.Modified = nil, nil, nil
	return out
}

func (s *Service) presentProvider(rec store.Provider) *actionv1.Provider {
	out := proto.CloneOf(rec.Provider)
	out.Credentials = nil
	out.Created, out.Modified = timestamppb.New(rec.Created), timestamppb.New(rec.Modified)
	ops, err := s.reg.Operations(connector.Provider{Key: out.GetKey(), Kind: out.GetKind(), Endpoint: out.GetEndpoint(), Settings: out.GetSettings().AsMap()})
	if err == nil {
		out.Operations = ops
	}
	return out
}

func setTotal(ctx context.Context, n int) error {
	return grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(n)))
}
