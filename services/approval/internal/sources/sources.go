// Package sources checks that the source an approvable relationship names exists in the
// policy service, asked over gRPC with a service token (scope idn:sources:read).
package sources

import (
	"context"
	"fmt"
	"sync"

	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/status"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/service"
)

// Checker asks the policy service whether sources exist.
type Checker struct {
	peers *service.Peers

	once   sync.Once
	client policyv1.SourceServiceClient
	err    error
}

// New returns a checker calling the policy service through peers.
func New(peers *service.Peers) *Checker { return &Checker{peers: peers} }

// Check returns nil when the source exists, an InvalidArgument naming field when it does not,
// and the call's error (e.g. UNAVAILABLE) when the policy service cannot answer.
func (c *Checker) Check(ctx context.Context, field, id string) error {
	c.once.Do(func() {
		conn, err := c.peers.Conn(service.Policy, "idn:sources:read")
		c.client, c.err = policyv1.NewSourceServiceClient(conn), err
	})
	if c.err != nil {
		return fmt.Errorf("policy service: %w", c.err)
	}
	_, err := c.client.GetSource(ctx, &policyv1.GetSourceRequest{Id: id})
	switch status.Code(err) {
	case codes.OK:
		return nil
	case codes.NotFound, codes.InvalidArgument:
		return apierror.InvalidField(field, "no source %q in the policy service", id)
	default:
		return fmt.Errorf("check source %q: %w", id, err)
	}
}
