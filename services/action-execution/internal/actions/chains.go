package actions

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/timestamppb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
	"github.com/accessflow/accessflow/services/action-execution/internal/engine"
	"github.com/accessflow/accessflow/services/action-execution/internal/script"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// CreateActionChain checks and stores a chain.
func (s *Service) CreateActionChain(ctx context.Context, req *actionv1.CreateActionChainRequest) (*actionv1.CreateActionChainResponse, error) {
	c := proto.CloneOf(req.GetChain())
	keys, err := s.checkChain(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	now := timestamppb.New(s.stamp())
	c.Id, c.Created, c.Modified = ids.New(), now, now
	if err := s.store.CreateChain(ctx, store.Chain{Chain: c, ProviderKeys: keys}); err != nil {
		return nil, err
	}
	return &actionv1.CreateActionChainResponse{Chain: c}, nil
}

// GetActionChain returns a chain.
func (s *Service) GetActionChain(ctx context.Context, req *actionv1.GetActionChainRequest) (*actionv1.GetActionChainResponse, error) {
	c, err := s.store.GetChain(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &actionv1.GetActionChainResponse{Chain: c}, nil
}

// ListActionChains pages through chains.
func (s *Service) ListActionChains(ctx context.Context, req *actionv1.ListActionChainsRequest) (*actionv1.ListActionChainsResponse, error) {
	chains, err := s.store.ListChains(ctx, collection.NewPage(req.Limit, req.GetOffset()))
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountChains(ctx)
		if err != nil {
			return nil, err
		}
		if err := setTotal(ctx, n); err != nil {
			return nil, err
		}
	}
	return &actionv1.ListActionChainsResponse{Chains: chains}, nil
}

// UpdateActionChain checks and replaces a chain; running flows keep their copy.
func (s *Service) UpdateActionChain(ctx context.Context, req *actionv1.UpdateActionChainRequest) (*actionv1.UpdateActionChainResponse, error) {
	c := proto.CloneOf(req.GetChain())
	if c.GetId() != "" && c.GetId() != req.GetId() {
		return nil, apierror.InvalidField("chain.id", "is immutable")
	}
	prev, err := s.store.GetChain(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	keys, err := s.checkChain(ctx, c, nil)
	if err != nil {
		return nil, err
	}
	c.Id, c.Created, c.Modified = req.GetId(), prev.GetCreated(), timestamppb.New(s.stamp())
	if err := s.store.ReplaceChain(ctx, store.Chain{Chain: c, ProviderKeys: keys}); err != nil {
		return nil, err
	}
	return &actionv1.UpdateActionChainResponse{Chain: c}, nil
}

// DeleteActionChain removes a chain.
func (s *Service) DeleteActionChain(ctx context.Context, req *actionv1.DeleteActionChainRequest) (*actionv1.DeleteActionChainResponse, error) {
	if err := s.store.DeleteChain(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &actionv1.DeleteActionChainResponse{}, nil
}

// checkChain checks every script of c — its type, its provider and that provider's support
// for the operation, its templates, its retry and failure settings — and returns the keys of
// the providers c names.
// A non-nil replacing stands for the stored provider with its key (a provider being updated).
func (s *Service) checkChain(ctx context.Context, c *actionv1.ActionChain, replacing *actionv1.Provider) ([]string, error) {
	var (
		keys    []string
		earlier []string
		names   = map[string]bool{}
	)
	for i, sc := range c.GetScripts() {
		at := fmt.Sprintf("chain.scripts[%d]", i)
		key, err := s.checkScript(ctx, at, sc, earlier, names, replacing)
		if err != nil {
			return nil, err
		}
		if key != "" && !slices.Contains(keys, key) {
			keys = append(keys, key)
		}
		comp := sc.GetCompensation()
		switch {
		case sc.GetOnFailure() == engine.OnFailureCompensate && comp == nil:
			return nil, apierror.InvalidField(at+".compensation", "is required when onFailure is COMPENSATE")
		case sc.GetOnFailure() != engine.OnFailureCompensate && comp != nil:
			return nil, apierror.InvalidField(at+".compensation", "runs only when onFailure is COMPENSATE")
		case comp != nil:
			if comp.GetCompensation() != nil {
				return nil, apierror.InvalidField(at+".compensation.compensation", "a compensation cannot have its own")
			}
			key, err := s.checkScript(ctx, at+".compensation", comp, append(slices.Clone(earlier), sc.GetName()), names, replacing)
			if err != nil {
				return nil, err
			}
			if key != "" && !slices.Contains(keys, key) {
				keys = append(keys, key)
			}
		}
		earlier = append(earlier, sc.GetName())
	}
	return keys, nil
}

func (s *Service) checkScript(ctx context.Context, at string, sc *actionv1.ActionChainScript, earlier []string, names map[string]bool, replacing *actionv1.Provider) (string, error) {
	if names[sc.GetName()] {
		return "", apierror.InvalidField(at+".name", "%q names another script of the chain", sc.GetName())
	}
	names[sc.GetName()] = true
	t, err := script.Parse(sc.GetType(), sc.GetProvider())
	if err != nil {
		return "", apierror.InvalidField(at+".type", "%v", err)
	}
	if err := script.Check(sc.GetMetadata().AsMap(), earlier); err != nil {
		return "", apierror.InvalidField(at+".metadata", "%v", err)
	}
	switch t.Class {
	case script.ClassNone:
		return "", nil
	case script.ClassSleep:
		if sc.GetDuration().AsDuration() <= 0 {
			return "", apierror.InvalidField(at+".duration", "a sleep needs a positive duration")
		}
		return "", nil
	case script.ClassEveryAccount:
		// Its providers are the recipient's accounts' at run time: an account whose provider
		// does not support the operation fails then, the others still run.
		return "", nil
	}
	p := replacing
	if p.GetKey() != t.ProviderKey {
		rec, err := s.store.GetProvider(ctx, t.ProviderKey)
		if errors.Is(err, storage.ErrNotFound) {
			return "", apierror.InvalidField(at+".type", "no provider %q: create it first (POST /v1/action-providers)", t.ProviderKey)
		}
		if err != nil {
			return "", err
		}
		p = rec.Provider
	}
	if t.ProviderKind != "" && p.GetKind() != t.ProviderKind {
		return "", apierror.InvalidField(at+".provider", "%s scripts need a %s provider; %q is %s", sc.GetType(), t.ProviderKind, p.GetKey(), p.GetKind())
	}
	cp := connector.Provider{Key: p.GetKey(), Kind: p.GetKind(), Endpoint: p.GetEndpoint(), Settings: p.GetSettings().AsMap()}
	if err := s.reg.Supports(cp, t.Operation); err != nil {
		return "", apierror.InvalidField(at+".type", "%v", err)
	}
	return t.ProviderKey, nil
}
