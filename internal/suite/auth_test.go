package suite_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/codes"
	"google.golang.org/grpc/credentials/insecure"
	healthpb "google.golang.org/grpc/health/grpc_health_v1"
	"google.golang.org/grpc/metadata"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/dynamicpb"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/pkg/apidesc"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/mtls/mtlstest"
	"github.com/accessflow/accessflow/pkg/service"
)

// rpc is one Accessflow RPC with its REST bindings, read from the registered protos.
type rpc struct {
	method protoreflect.MethodDescriptor
	rule   *typev1.AuthRule
	routes []route
}

// route is one REST binding of an RPC, with a harmless body of the shape the binding decodes.
type route struct {
	method, template, body string
}

func (r rpc) fullMethod() string { return apidesc.FullMethod(r.method) }

// registeredRPCs enumerates every Accessflow RPC from the protos compiled into the binary: a new
// RPC is covered by the tests below without anyone listing it.
func registeredRPCs(t *testing.T) []rpc {
	t.Helper()
	var out []rpc
	for md := range apidesc.Methods() {
		r := rpc{method: md}
		r.rule, _ = proto.GetExtension(md.Options(), typev1.E_Auth).(*typev1.AuthRule)
		if rule, ok := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); ok && rule != nil {
			for _, b := range append([]*annotations.HttpRule{rule}, rule.GetAdditionalBindings()...) {
				if m, p := httpRoute(b); p != "" {
					r.routes = append(r.routes, route{method: m, template: p, body: emptyBody(md, b.GetBody())})
				}
			}
		}
		out = append(out, r)
	}
	require.NotEmpty(t, out, "no Accessflow RPC registered")
	return out
}

// emptyBody is an empty value of the shape the binding's body field decodes: "[]" for a
// repeated field (JSON Patch, bulk updates), "{}" otherwise.
func emptyBody(md protoreflect.MethodDescriptor, body string) string {
	if body != "" && body != "*" {
		if fd := md.Input().Fields().ByName(protoreflect.Name(body)); fd != nil && fd.IsList() {
			return "[]"
		}
	}
	return "{}"
}

func httpRoute(b *annotations.HttpRule) (string, string) {
	switch p := b.GetPattern().(type) {
	case *annotations.HttpRule_Get:
		return http.MethodGet, p.Get
	case *annotations.HttpRule_Post:
		return http.MethodPost, p.Post
	case *annotations.HttpRule_Put:
		return http.MethodPut, p.Put
	case *annotations.HttpRule_Patch:
		return http.MethodPatch, p.Patch
	case *annotations.HttpRule_Delete:
		return http.MethodDelete, p.Delete
	default:
		return "", ""
	}
}

var pathParam = regexp.MustCompile(`\{[^}]+\}`)

// concretePath fills every {param} with a harmless value.
func concretePath(template string) string {
	return pathParam.ReplaceAllStringFunc(template, func(p string) string {
		if strings.Contains(p, "usageType") || strings.Contains(p, "usage_type") {
			return "CREATE"
		}
		return "2c9180835d191a86015d28455b4a2329"
	})
}

// tokenWithout returns a valid token (right issuer, audience and keys) carrying only a scope no
// RPC accepts.
func tokenWithout(t *testing.T, dataDir string) string {
	t.Helper()
	cfg := service.DefaultConfig()
	cfg.Storage.DataDir = dataDir
	keys, err := cfg.KeySet()
	require.NoError(t, err)
	issuer, err := auth.NewIssuer(keys, cfg.Auth.Issuer, cfg.Auth.Audience)
	require.NoError(t, err)
	tok, _, err := issuer.Issue("nobody", "", []string{"af:nothing"}, nil, time.Minute)
	require.NoError(t, err)
	return tok
}

// foreignToken is well-formed and signed, but by a key Accessflow does not trust.
func foreignToken(t *testing.T) string {
	t.Helper()
	k, err := auth.NewKey()
	require.NoError(t, err)
	ks, err := auth.NewKeySet(k)
	require.NoError(t, err)
	issuer, err := auth.NewIssuer(ks, "accessflow", "accessflow")
	require.NoError(t, err)
	tok, _, err := issuer.Issue("mallory", "", auth.NewRules().Scopes(), []string{auth.LevelOrgAdmin}, time.Minute)
	require.NoError(t, err)
	return tok
}

func TestEveryRESTRouteRequiresItsScope(t *testing.T) {
	dataDir := t.TempDir()
	r := start(t, storageWithDir(t, dataDir))
	noScope, foreign := tokenWithout(t, dataDir), foreignToken(t)
	tried := 0
	for _, rpc := range registeredRPCs(t) {
		for _, rt := range rpc.routes {
			method, path := rt.method, concretePath(rt.template)
			t.Run(method+" "+rt.template, func(t *testing.T) {
				if rpc.rule.GetAuthenticatedOtherwise() {
					// Checked by its handler; without credentials it must still refuse.
					resp := r.do(t, method, path, rt.body, "Authorization", "")
					require.Contains(t, []int{http.StatusUnauthorized, http.StatusBadRequest, http.StatusNotFound}, resp.status, string(resp.body))
					return
				}
				for name, header := range map[string]string{
					"no token":      "",
					"bad token":     "Bearer not.a.jwt",
					"foreign token": "Bearer " + foreign,
					"not bearer":    "Basic YWRtaW46YWRtaW4=",
				} {
					resp := r.do(t, method, path, rt.body, "Authorization", header)
					body := requireError(t, resp, http.StatusUnauthorized, "401 Unauthorized", "")
					require.NotEmpty(t, body["error"], "%s: the reference 401 body's error field", name)
					tried++
				}
				resp := r.do(t, method, path, rt.body, "Authorization", "Bearer "+noScope)
				requireError(t, resp, http.StatusForbidden, "403 Forbidden", "scope")
				tried++
			})
		}
	}
	for _, route := range gateway.CustomRoutes {
		method, path, _ := strings.Cut(route, " ")
		for _, header := range []string{"", "Bearer not.a.jwt", "Bearer " + foreign} {
			requireError(t, r.do(t, method, path, "", "Authorization", header), http.StatusUnauthorized, "401 Unauthorized", "")
			tried++
		}
		requireError(t, r.do(t, method, path, "", "Authorization", "Bearer "+noScope), http.StatusForbidden, "403 Forbidden", "scope")
		tried++
	}
	t.Logf("REST routes: %d unauthorized requests tried, each refused", tried)
}

func TestEveryRPCRequiresItsScope(t *testing.T) {
	dataDir := t.TempDir()
	r := start(t, storageWithDir(t, dataDir))
	noScope, foreign := tokenWithout(t, dataDir), foreignToken(t)
	// accessflow.audit.v1 and accessflow.tracking.v1 are served by every service; they are checked on
	// the policy service.
	services := map[string]string{"policy": "policy", "trigger": "trigger-ingest", "approval": "approval", "action": "action-execution", "audit": "policy", "tracking": "policy"}
	conns := map[string]*grpc.ClientConn{}
	for pkg, name := range services {
		conn, err := grpc.NewClient(r.suite.GRPCAddr(name), grpc.WithTransportCredentials(insecure.NewCredentials()))
		require.NoError(t, err)
		t.Cleanup(func() { _ = conn.Close() })
		conns[pkg] = conn
	}
	for _, rpc := range registeredRPCs(t) {
		if rpc.method.IsStreamingClient() || rpc.method.IsStreamingServer() {
			continue
		}
		pkg := strings.Split(string(rpc.method.FullName()), ".")[1]
		conn, ok := conns[pkg]
		require.True(t, ok, "no service serves package %s", pkg)
		t.Run(rpc.fullMethod(), func(t *testing.T) {
			call := func(authz string) error {
				ctx := t.Context()
				if authz != "" {
					ctx = metadata.AppendToOutgoingContext(ctx, "authorization", authz)
				}
				ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
				defer cancel()
				in, out := dynamicpb.NewMessage(rpc.method.Input()), dynamicpb.NewMessage(rpc.method.Output())
				return conn.Invoke(ctx, rpc.fullMethod(), in, out)
			}
			if rpc.rule.GetAuthenticatedOtherwise() {
				require.Error(t, call(""), "an empty request without credentials is refused")
				return
			}
			for name, authz := range map[string]string{"no token": "", "bad token": "Bearer x.y.z", "foreign token": "Bearer " + foreign} {
				require.Equal(t, codes.Unauthenticated, status.Code(call(authz)), name)
			}
			require.Equal(t, codes.PermissionDenied, status.Code(call("Bearer "+noScope)))
			err := call("Bearer " + r.token)
			require.NotContains(t, []codes.Code{codes.Unauthenticated, codes.PermissionDenied}, status.Code(err), "the admin may call it: %v", err)
		})
	}
}

func TestPublicRoutesAndTokenEndpoint(t *testing.T) {
	r := start(t, storageSQLite(t))
	for route := range gateway.PublicRoutes {
		method, path, _ := strings.Cut(route, " ")
		if method != http.MethodGet {
			continue
		}
		resp := r.do(t, method, path, "", "Authorization", "")
		require.Equal(t, http.StatusOK, resp.status, route)
	}

	post := func(form url.Values, basic ...string) response {
		req, err := http.NewRequestWithContext(t.Context(), http.MethodPost, r.base+"/oauth/token", strings.NewReader(form.Encode()))
		require.NoError(t, err)
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if len(basic) == 2 {
			req.SetBasicAuth(basic[0], basic[1])
		}
		resp, err := http.DefaultClient.Do(req)
		require.NoError(t, err)
		defer resp.Body.Close()
		var b strings.Builder
		_, _ = fmt.Fprint(&b, "")
		buf := make([]byte, 1<<16)
		n, _ := resp.Body.Read(buf)
		return response{status: resp.StatusCode, header: resp.Header, body: buf[:n]}
	}
	cc := url.Values{"grant_type": {"client_credentials"}}
	require.Equal(t, "invalid_client", requireError(t, post(cc, r.creds.ClientID, "wrong"), http.StatusUnauthorized, "401 Unauthorized", "")["error"])
	require.Equal(t, "invalid_client", requireError(t, post(cc, "nobody", "x"), http.StatusUnauthorized, "401 Unauthorized", "")["error"])
	require.Equal(t, "invalid_client", requireError(t, post(cc), http.StatusUnauthorized, "401 Unauthorized", "")["error"])
	require.Equal(t, "unsupported_grant_type", requireError(t, post(url.Values{"grant_type": {"password"}}, r.creds.ClientID, r.creds.ClientSecret), http.StatusBadRequest, "400.1 Bad Request Content", "")["error"])
	narrow := url.Values{"grant_type": {"client_credentials"}, "scope": {"idn:sources:read"}}
	ok := post(narrow, r.creds.ClientID, r.creds.ClientSecret)
	require.Equal(t, http.StatusOK, ok.status, string(ok.body))
	require.Equal(t, "idn:sources:read", ok.json(t)["scope"])
	readOnly := ok.json(t)["access_token"].(string)
	require.Equal(t, http.StatusOK, r.do(t, http.MethodGet, "/v3/sources", "", "Authorization", "Bearer "+readOnly).status)
	requireError(t, r.do(t, http.MethodPost, "/v3/sources", corpLDAP, "Authorization", "Bearer "+readOnly), http.StatusForbidden, "403 Forbidden", "idn:sources:manage")
	wide := url.Values{"grant_type": {"client_credentials"}, "scope": {"af:not-granted"}}
	require.Equal(t, "invalid_scope", requireError(t, post(wide, r.creds.ClientID, r.creds.ClientSecret), http.StatusBadRequest, "400.1 Bad Request Content", "")["error"])
}

func TestRateLimit(t *testing.T) {
	cfg := storageSQLite(t)
	r := startWith(t, cfg, func(c *suiteConfig) { c.Gateway.RateLimit, c.Gateway.RateBurst = 1, 3 })
	var limited response
	for range 10 {
		resp := r.do(t, http.MethodGet, "/v3/sources", "")
		if resp.status == http.StatusTooManyRequests {
			limited = resp
			break
		}
	}
	body := requireError(t, limited, http.StatusTooManyRequests, "429 Too Many Requests", "Rate Limit")
	require.Equal(t, "Rate Limit Exceeded", body["message"], "the reference 429 body's message field")
	require.NotEmpty(t, limited.header.Get("Retry-After"))
}

// TestMutualTLS runs the suite with mutual TLS between components: REST still works (the gateway
// presents its certificate), and a caller without one is refused by every service.
func TestMutualTLS(t *testing.T) {
	dir := t.TempDir()
	files := mtlstest.NewCA(t).Issue(t, dir, "accessflow")
	r := startWith(t, storageSQLite(t), func(c *suiteConfig) { c.Service.TLS = files })
	require.Equal(t, http.StatusOK, r.do(t, http.MethodGet, "/v3/sources", "").status)

	conn, err := grpc.NewClient(r.suite.GRPCAddr("policy"), grpc.WithTransportCredentials(insecure.NewCredentials()))
	require.NoError(t, err)
	defer conn.Close()
	ctx, cancel := context.WithTimeout(t.Context(), 5*time.Second)
	defer cancel()
	_, err = healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
	require.Error(t, err, "plaintext callers are refused")
}
