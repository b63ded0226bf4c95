package gateway

import (
	"errors"

	"google.golang.org/grpc"

	"github.com/accessflow/accessflow/pkg/grpcclient"
)

// Dial connects to the services at the given targets; opts (e.g. mutual TLS) apply to each.
func Dial(policy, trigger, approval, action string, opts ...grpc.DialOption) (Backends, error) {
	var (
		b    Backends
		errs []error
	)
	for _, d := range []struct {
		conn   **grpc.ClientConn
		target string
	}{{&b.Policy, policy}, {&b.Trigger, trigger}, {&b.Approval, approval}, {&b.Action, action}} {
		conn, err := grpcclient.New(d.target, opts...)
		errs = append(errs, err)
		*d.conn = conn
	}
	if err := errors.Join(errs...); err != nil {
		return Backends{}, errors.Join(err, b.Close())
	}
	return b, nil
}

// Close closes every connection.
func (b Backends) Close() error {
	var errs []error
	for _, c := range b.all() {
		if c != nil {
			errs = append(errs, c.Close())
		}
	}
	return errors.Join(errs...)
}
