// Package uniqueness implements accessflow.policy.v1.UniquenessService, which settles the
// unique values that evaluations reserve (confirm, release) and keeps each source's account
// index current, and the periodic job that sweeps expired reservations.
package uniqueness

import (
	"context"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/services/policy/internal/store"
)

// Service serves UniquenessService from a store.
type Service struct {
	policyv1.UnimplementedUniquenessServiceServer

	store *store.Store
}

// New returns the service.
func New(st *store.Store) *Service { return &Service{store: st} }

// GetReservation returns a reservation, pending or confirmed.
func (s *Service) GetReservation(ctx context.Context, req *policyv1.GetReservationRequest) (*policyv1.GetReservationResponse, error) {
	r, err := s.store.GetReservation(ctx, req.GetId())
	if err != nil {
		return nil, err
	}
	return &policyv1.GetReservationResponse{Reservation: r}, nil
}

// ConfirmReservation moves a reserved value into the source's account index.
func (s *Service) ConfirmReservation(ctx context.Context, req *policyv1.ConfirmReservationRequest) (*policyv1.ConfirmReservationResponse, error) {
	r, err := s.store.ConfirmReservation(ctx, req.GetId(), req.GetAccountId())
	if err != nil {
		return nil, err
	}
	return &policyv1.ConfirmReservationResponse{Reservation: r}, nil
}

// ReleaseReservation frees a reserved value.
func (s *Service) ReleaseReservation(ctx context.Context, req *policyv1.ReleaseReservationRequest) (*policyv1.ReleaseReservationResponse, error) {
	if err := s.store.ReleaseReservations(ctx, req.GetId()); err != nil {
		return nil, err
	}
	return &policyv1.ReleaseReservationResponse{}, nil
}

// RecordAccount sets an account's indexed values.
func (s *Service) RecordAccount(ctx context.Context, req *policyv1.RecordAccountRequest) (*policyv1.RecordAccountResponse, error) {
	if err := s.store.RecordAccount(ctx, req.GetSourceId(), req.GetAccountId(), req.GetAttributes()); err != nil {
		return nil, err
	}
	return &policyv1.RecordAccountResponse{}, nil
}

// ForgetAccount removes an account from the index.
func (s *Service) ForgetAccount(ctx context.Context, req *policyv1.ForgetAccountRequest) (*policyv1.ForgetAccountResponse, error) {
	if err := s.store.ForgetAccount(ctx, req.GetSourceId(), req.GetAccountId()); err != nil {
		return nil, err
	}
	return &policyv1.ForgetAccountResponse{}, nil
}
