package policies

import (
	"context"
	"fmt"
	"strings"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"

	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Metadata keys of optimistic concurrency: the gateway maps etag to the ETag response header
// and forwards the If-Match request header as if-match.
const (
	etagHeader    = "etag"
	ifMatchHeader = "if-match"
)

// etag renders a stored policy's version as a strong entity tag.
func etag(version string) string { return `"` + version + `"` }

// setETag sends the ETag of version as the response header.
func setETag(ctx context.Context, version string) error {
	if err := grpc.SetHeader(ctx, metadata.Pairs(etagHeader, etag(version))); err != nil {
		return fmt.Errorf("set etag header: %w", err)
	}
	return nil
}

// precondition is a request's If-Match (RFC 9110 §13.1.1).
type precondition struct {
	present bool
	any     bool     // "*": any current representation
	tags    []string // strong entity tags, quotes included; weak ones never match
}

// preconditionFrom reads the If-Match of the incoming request.
func preconditionFrom(ctx context.Context) (precondition, error) {
	md, _ := metadata.FromIncomingContext(ctx)
	var p precondition
	for _, v := range md.Get(ifMatchHeader) {
		p.present = true
		if err := p.parse(v); err != nil {
			return precondition{}, apierror.InvalidField("If-Match", "%v", err)
		}
	}
	return p, nil
}

// parse adds the entity tags of one If-Match field value: "*" or a comma-separated list of
// entity tags, each optionally weak (W/"…").
func (p *precondition) parse(v string) error {
	rest := strings.TrimSpace(v)
	if rest == "*" {
		p.any = true
		return nil
	}
	for rest != "" {
		weak := strings.HasPrefix(rest, "W/")
		if weak {
			rest = rest[2:]
		}
		if !strings.HasPrefix(rest, `"`) {
			return fmt.Errorf("%q is not a list of entity tags", v)
		}
		end := strings.IndexByte(rest[1:], '"')
		if end < 0 {
			return fmt.Errorf("unterminated entity tag in %q", v)
		}
		tag := rest[:end+2]
		if !weak {
			p.tags = append(p.tags, tag)
		}
		rest = strings.TrimSpace(rest[end+2:])
		if rest == "" {
			break
		}
		if rest[0] != ',' {
			return fmt.Errorf("%q is not a comma-separated list of entity tags", v)
		}
		rest = strings.TrimSpace(rest[1:])
	}
	return nil
}

// check reports storage.ErrPreconditionFailed unless the precondition holds for the current
// version of what (the policy exists: a missing one fails earlier with not found).
func (p precondition) check(what, version string) error {
	if !p.present || p.any {
		return nil
	}
	current := etag(version)
	for _, t := range p.tags {
		if t == current {
			return nil
		}
	}
	return fmt.Errorf("%s has changed since it was read (If-Match does not match its ETag; read it again): %w", what, storage.ErrPreconditionFailed)
}
