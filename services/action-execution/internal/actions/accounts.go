package actions

import (
	"context"

	"google.golang.org/protobuf/types/known/timestamppb"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/services/action-execution/internal/store"
)

// ListAccounts pages through the account registry, most recently updated first.
func (s *Service) ListAccounts(ctx context.Context, req *actionv1.ListAccountsRequest) (*actionv1.ListAccountsResponse, error) {
	filters, err := collection.ParseFilters(req.GetFilters(), store.AccountFilterFields)
	if err != nil {
		return nil, err
	}
	q := store.AccountQuery{Filters: filters, Page: collection.NewPage(req.Limit, req.GetOffset())}
	accounts, err := s.store.ListAccounts(ctx, q)
	if err != nil {
		return nil, err
	}
	if req.GetCount() {
		n, err := s.store.CountAccounts(ctx, q)
		if err != nil {
			return nil, err
		}
		if err := setTotal(ctx, n); err != nil {
			return nil, err
		}
	}
	out := make([]*actionv1.Account, len(accounts))
	for i := range accounts {
		out[i] = presentAccount(&accounts[i])
	}
	return &actionv1.ListAccountsResponse{Accounts: out}, nil
}

// GetAccount returns one registry account.
func (s *Service) GetAccount(ctx context.Context, req *actionv1.GetAccountRequest) (*actionv1.GetAccountResponse, error) {
	a, err := s.store.GetAccount(ctx, req.GetProviderKey(), req.GetAccountId())
	if err != nil {
		return nil, err
	}
	return &actionv1.GetAccountResponse{Account: presentAccount(&a)}, nil
}

func presentAccount(a *store.Account) *actionv1.Account {
	return &actionv1.Account{
		ProviderKey: a.ProviderKey, AccountId: a.AccountID, IdentityId: a.IdentityID, SourceId: a.SourceID, SourceName: a.SourceName,
		Status: a.Status, LastOperation: a.LastOperation, CreatedByFlowId: a.CreatedByFlowID, LastFlowId: a.LastFlowID,
		TrackingNumber: a.TrackingNumber, Created: timestamppb.New(a.Created), Updated: timestamppb.New(a.Updated),
	}
}
