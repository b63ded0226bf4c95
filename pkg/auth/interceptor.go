package auth

import (
	"context"
	"slices"
	"strings"
	"sync"

	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/apidesc"
)

// Exempt lists, in one place, the gRPC services callable without a token, each for its reason.
// Accessflow RPCs that authenticate their callers another way say so in their own rule
// (authenticated_otherwise) and check it in their handler.
var Exempt = map[string]string{
	"grpc.health.v1.Health":                    "probes and the gateway's /readyz; reveals only serving status",
	"grpc.reflection.v1.ServerReflection":      "API discovery for tools; reveals only the public proto schema",
	"grpc.reflection.v1alpha.ServerReflection": "API discovery for older tools; as above",
}

// Rules maps full method names ("/pkg.Service/Method") to the rule their proto declares.
type Rules struct {
	mu    sync.RWMutex
	rules map[string]*typev1.AuthRule
}

// NewRules reads every registered Accessflow method's rule.
func NewRules() *Rules {
	r := &Rules{rules: map[string]*typev1.AuthRule{}}
	for md := range apidesc.Methods() {
		if rule, ok := proto.GetExtension(md.Options(), typev1.E_Auth).(*typev1.AuthRule); ok && rule != nil {
			r.rules[apidesc.FullMethod(md)] = rule
		}
	}
	return r
}

// Rule returns the rule of fullMethod.
func (r *Rules) Rule(fullMethod string) (*typev1.AuthRule, bool) {
	r.mu.RLock()
	defer r.mu.RUnlock()
	rule, ok := r.rules[fullMethod]
	return rule, ok
}

// Authorize decides a call: nil, or an Unauthenticated / PermissionDenied status. It returns the
// claims of a verified token (nil for exempt and authenticated-otherwise calls without one).
func Authorize(ctx context.Context, v Verifier, rules *Rules, fullMethod, authorization string) (*Claims, error) {
	service := serviceOf(fullMethod)
	if _, ok := Exempt[service]; ok {
		return nil, nil
	}
	rule, ok := rules.Rule(fullMethod)
	if !ok {
		// Deny by default: an RPC that declares no rule is callable by nobody.
		return nil, status.Errorf(codes.PermissionDenied, "%s declares no authorization rule", fullMethod)
	}
	raw, hasToken := BearerToken(authorization)
	if rule.GetAuthenticatedOtherwise() && !hasToken {
		return nil, nil
	}
	if !hasToken {
		return nil, status.Error(codes.Unauthenticated, "missing bearer token: send Authorization: Bearer <token>")
	}
	claims, err := v.Verify(ctx, raw)
	if err != nil {
		return nil, status.Error(codes.Unauthenticated, "JWT validation failed: "+publicReason(err))
	}
	if rule.GetAuthenticatedOtherwise() {
		return claims, nil
	}
	if !claims.HasAnyScope(rule.GetScopes()...) {
		return nil, status.Errorf(codes.PermissionDenied, "token lacks a scope this call requires (one of: %s)", strings.Join(rule.GetScopes(), ", "))
	}
	return claims, nil
}

// UnaryServerInterceptor enforces each RPC's rule with v.
func UnaryServerInterceptor(v Verifier, rules *Rules) grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		claims, err := Authorize(ctx, v, rules, info.FullMethod, authorizationOf(ctx))
		if err != nil {
			return nil, err
		}
		if claims != nil {
			ctx = NewContext(ctx, claims)
		}
		return handler(ctx, req)
	}
}

// StreamServerInterceptor enforces each streaming RPC's rule with v.
func StreamServerInterceptor(v Verifier, rules *Rules) grpc.StreamServerInterceptor {
	return func(srv any, ss grpc.ServerStream, info *grpc.StreamServerInfo, handler grpc.StreamHandler) error {
		claims, err := Authorize(ss.Context(), v, rules, info.FullMethod, authorizationOf(ss.Context()))
		if err != nil {
			return err
		}
		if claims != nil {
			ss = &claimsStream{ServerStream: ss, ctx: NewContext(ss.Context(), claims)}
		}
		return handler(srv, ss)
	}
}

type claimsStream struct {
	grpc.ServerStream
	ctx context.Context
}

func (s *claimsStream) Context() context.Context { return s.ctx }

func authorizationOf(ctx context.Context) string {
	md, _ := metadata.FromIncomingContext(ctx)
	if v := md.Get("authorization"); len(v) > 0 {
		return v[0]
	}
	return ""
}

func serviceOf(fullMethod string) string {
	s := strings.TrimPrefix(fullMethod, "/")
	if i := strings.LastIndex(s, "/"); i >= 0 {
		return s[:i]
	}
	return s
}

// publicReason names why a token failed without echoing it.
func publicReason(err error) string {
	msg := err.Error()
	switch {
	case strings.Contains(msg, "expired"):
		return "JWT is expired"
	case strings.Contains(msg, "not valid yet"), strings.Contains(msg, "before"):
		return "JWT is not valid yet"
	case strings.Contains(msg, "audience"):
		return "JWT is for another audience"
	case strings.Contains(msg, "issuer"):
		return "JWT is from another issuer"
	default:
		return "JWT is malformed or its signature is not trusted"
	}
}

// Scopes returns every scope some RPC accepts, sorted: what an administrator's client gets.
func (r *Rules) Scopes() []string {
	r.mu.RLock()
	defer r.mu.RUnlock()
	seen := map[string]bool{}
	var out []string
	for _, rule := range r.rules {
		for _, s := range rule.GetScopes() {
			if !seen[s] {
				seen[s] = true
				out = append(out, s)
			}
		}
	}
	slices.Sort(out)
	return out
}
