// Package scimserver runs a real SCIM 2.0 service provider (RFC 7643/7644) on a loopback port for
// tests, built on github.com/elimity-com/scim — which does the protocol: routing, schema
// validation of bodies, filter parsing, PATCH parsing, list responses and SCIM error bodies —
// over an in-memory store of Users and Groups written here. It requires a bearer token, records
// every request, and can be told to fail the next request with a status.
package scimserver

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/elimity-com/scim"
	scimerrors "github.com/elimity-com/scim/errors"
	"github.com/elimity-com/scim/optional"
	"github.com/elimity-com/scim/schema"
	filter "github.com/scim2/filter-parser/v2"
)

// Request is a request the server received.
type Request struct {
	Method string
	// Path is relative to the SCIM base URL (/Users, /Groups/…).
	Path  string
	Query string
	// Body is the decoded JSON body (nil for none).
	Body map[string]any
}

// Resource is a stored User or Group.
type Resource struct {
	ID         string
	Attributes map[string]any
}

// Server is a running SCIM service provider.
type Server struct {
	// URL is the SCIM base URL: http://127.0.0.1:port/scim/v2.
	URL string
	// Token is the bearer token it accepts.
	Token string
	// Loopback is the network it listens on, for an outbound guard's allow list.
	Loopback netip.Prefix

	users, groups *store

	mu       sync.Mutex
	requests []Request
	failures []failure
}

type failure struct {
	method, prefix string
	status         int
}

// Start starts the server; it stops when the test ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{Token: token, Loopback: netip.MustParsePrefix("127.0.0.0/8")}
	var seq int
	var seqMu sync.Mutex
	nextID := func() string {
		seqMu.Lock()
		defer seqMu.Unlock()
		seq++
		return fmt.Sprintf("%08d-0000-4000-8000-000000000000", seq)
	}
	s.users = &store{unique: "userName", caseExact: false, nextID: nextID, items: map[string]*item{}}
	s.groups = &store{unique: "displayName", caseExact: true, nextID: nextID, items: map[string]*item{}}
	srv, err := scim.NewServer(&scim.ServerArgs{
		ServiceProviderConfig: &scim.ServiceProviderConfig{
			SupportFiltering: true, SupportPatch: true, MaxResults: 100,
			AuthenticationSchemes: []scim.AuthenticationScheme{{
				Type: scim.AuthenticationTypeOauthBearerToken, Name: "Bearer token", Description: "A bearer token in the Authorization header.", Primary: true,
			}},
		},
		ResourceTypes: []scim.ResourceType{
			{
				ID: optional.NewString("User"), Name: "User", Endpoint: "/Users", Description: optional.NewString("User Account"),
				Schema: schema.CoreUserSchema(), SchemaExtensions: []scim.SchemaExtension{{Schema: schema.ExtensionEnterpriseUser()}},
				Handler: s.users,
			},
			{
				ID: optional.NewString("Group"), Name: "Group", Endpoint: "/Groups", Description: optional.NewString("Group"),
				Schema: schema.CoreGroupSchema(), Handler: s.groups,
			},
		},
	})
	if err != nil {
		t.Fatalf("scimserver: %v", err)
	}
	mux := http.NewServeMux()
	mux.Handle("/scim/", http.StripPrefix("/scim", s.middleware(srv)))
	hs := httptest.NewServer(mux)
	t.Cleanup(hs.Close)
	s.URL = hs.URL + "/scim/v2"
	return s
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Users returns the stored users, in creation order.
func (s *Server) Users() []Resource { return s.users.snapshot() }

// Groups returns the stored groups, in creation order.
func (s *Server) Groups() []Resource { return s.groups.snapshot() }

// FailNext makes the next request with method whose path (relative to the base URL) starts
// with prefix answer status with a SCIM error body.
func (s *Server) FailNext(method, prefix string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method, prefix, status})
}

// middleware records requests, injects failures and checks the bearer token.
func (s *Server) middleware(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		r.Body = io.NopCloser(bytes.NewReader(body))
		var decoded map[string]any
		if len(body) > 0 {
			_ = json.Unmarshal(body, &decoded)
		}
		path := strings.TrimPrefix(r.URL.Path, "/v2")
		s.mu.Lock()
		s.requests = append(s.requests, Request{Method: r.Method, Path: path, Query: r.URL.RawQuery, Body: decoded})
		status := 0
		if i := slices.IndexFunc(s.failures, func(f failure) bool { return f.method == r.Method && strings.HasPrefix(path, f.prefix) }); i >= 0 {
			status = s.failures[i].status
			s.failures = slices.Delete(slices.Clone(s.failures), i, i+1)
		}
		s.mu.Unlock()
		if status != 0 {
			writeError(w, scimerrors.ScimError{Status: status, Detail: "failure injected by the test"})
			return
		}
		if r.Header.Get("Authorization") != "Bearer "+s.Token {
			w.Header().Set("WWW-Authenticate", `Bearer realm="scim"`)
			writeError(w, scimerrors.ScimError{Status: http.StatusUnauthorized, Detail: "Authorization failure. The authorization header is invalid or missing."})
			return
		}
		next.ServeHTTP(w, r)
	})
}

func writeError(w http.ResponseWriter, e scimerrors.ScimError) {
	w.Header().Set("Content-Type", "application/scim+json")
	w.WriteHeader(e.Status)
	_ = json.NewEncoder(w).Encode(e)
}

// store is an in-memory scim.ResourceHandler.
type store struct {
	unique    string // the attribute that must be unique (userName, displayName)
	caseExact bool
	nextID    func() string

	mu    sync.Mutex
	items map[string]*item
	order []string
}

type item struct {
	attrs      scim.ResourceAttributes
	externalID optional.String
	created    time.Time
	modified   time.Time
	version    int
}

var _ scim.ResourceHandler = (*store)(nil)

func (st *store) snapshot() []Resource {
	st.mu.Lock()
	defer st.mu.Unlock()
	out := make([]Resource, 0, len(st.order))
	for _, id := range st.order {
		out = append(out, Resource{ID: id, Attributes: clone(st.items[id].attrs)})
	}
	return out
}

func (st *store) resource(id string, it *item) scim.Resource {
	created, modified := it.created, it.modified
	return scim.Resource{
		ID: id, ExternalID: it.externalID, Attributes: clone(it.attrs),
		Meta: scim.Meta{Created: &created, LastModified: &modified, Version: `W/"` + strconv.Itoa(it.version) + `"`},
	}
}

// taken reports whether another resource than id has value as its unique attribute.
func (st *store) taken(id string, attrs scim.ResourceAttributes) bool {
	v, _ := attrs[st.unique].(string)
	for other, it := range st.items {
		if ov, _ := it.attrs[st.unique].(string); other != id && (ov == v || !st.caseExact && strings.EqualFold(ov, v)) {
			return true
		}
	}
	return false
}

func (st *store) Create(_ *http.Request, attrs scim.ResourceAttributes) (scim.Resource, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.taken("", attrs) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	it := &item{attrs: clone(attrs), created: time.Now().UTC(), version: 1}
	it.modified = it.created
	if ext, ok := attrs["externalId"].(string); ok {
		it.externalID = optional.NewString(ext)
		delete(it.attrs, "externalId")
	}
	id := st.nextID()
	st.items[id] = it
	st.order = append(st.order, id)
	return st.resource(id, it), nil
}

func (st *store) Get(_ *http.Request, id string) (scim.Resource, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	it, ok := st.items[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	return st.resource(id, it), nil
}

func (st *store) GetAll(_ *http.Request, params scim.ListRequestParams) (scim.Page, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	var matched []scim.Resource
	for _, id := range st.order {
		it := st.items[id]
		if params.FilterValidator != nil {
			candidate := clone(it.attrs)
			candidate["id"] = id
			if it.externalID.Present() {
				candidate["externalId"] = it.externalID.Value()
			}
			if params.FilterValidator.PassesFilter(candidate) != nil {
				continue
			}
		}
		matched = append(matched, st.resource(id, it))
	}
	page := scim.Page{TotalResults: len(matched), Resources: []scim.Resource{}}
	start := max(params.StartIndex, 1) - 1
	for i := start; i < len(matched) && len(page.Resources) < params.Count; i++ {
		page.Resources = append(page.Resources, matched[i])
	}
	return page, nil
}

func (st *store) Replace(_ *http.Request, id string, attrs scim.ResourceAttributes) (scim.Resource, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	it, ok := st.items[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	if st.taken(id, attrs) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	it.attrs = clone(attrs)
	it.modified, it.version = time.Now().UTC(), it.version+1
	return st.resource(id, it), nil
}

func (st *store) Delete(_ *http.Request, id string) error {
	st.mu.Lock()
	defer st.mu.Unlock()
	if _, ok := st.items[id]; !ok {
		return scimerrors.ScimErrorResourceNotFound(id)
	}
	delete(st.items, id)
	st.order = slices.DeleteFunc(st.order, func(e string) bool { return e == id })
	return nil
}

// Patch applies add, replace and remove (RFC 7644 §3.5.2) on top-level and sub-attributes,
// multi-valued attributes (values matched by their "value"), and remove on value filters such
// as members[value eq "…"].
func (st *store) Patch(_ *http.Request, id string, ops []scim.PatchOperation) (scim.Resource, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	it, ok := st.items[id]
	if !ok {
		return scim.Resource{}, scimerrors.ScimErrorResourceNotFound(id)
	}
	attrs := clone(it.attrs)
	for _, op := range ops {
		if err := apply(attrs, op); err != nil {
			return scim.Resource{}, err
		}
	}
	if st.taken(id, attrs) {
		return scim.Resource{}, scimerrors.ScimErrorUniqueness
	}
	if !equalJSON(attrs, it.attrs) {
		it.attrs = attrs
		it.modified, it.version = time.Now().UTC(), it.version+1
	}
	return st.resource(id, it), nil
}

func apply(attrs scim.ResourceAttributes, op scim.PatchOperation) error {
	kind := strings.ToLower(op.Op)
	if op.Path == nil {
		values, ok := op.Value.(map[string]any)
		if !ok || kind == "remove" {
			return scimerrors.ScimErrorInvalidValue
		}
		for k, v := range values {
			addOrReplace(attrs, k, "", v, kind == "add")
		}
		return nil
	}
	name, sub := op.Path.AttributePath.AttributeName, ""
	if op.Path.AttributePath.SubAttribute != nil {
		sub = *op.Path.AttributePath.SubAttribute
	}
	if op.Path.ValueExpression != nil {
		if kind != "remove" {
			return scimerrors.ScimErrorInvalidPath // not needed by the tests' clients
		}
		values, _ := attrs[name].([]any)
		kept := slices.DeleteFunc(slices.Clone(values), func(v any) bool { return matches(op.Path.ValueExpression, v) })
		if len(kept) == 0 {
			delete(attrs, name)
		} else {
			attrs[name] = kept
		}
		return nil
	}
	if kind == "remove" {
		if sub == "" {
			delete(attrs, name)
		} else if m, ok := attrs[name].(map[string]any); ok {
			delete(m, sub)
		}
		return nil
	}
	addOrReplace(attrs, name, sub, op.Value, kind == "add")
	return nil
}

func addOrReplace(attrs scim.ResourceAttributes, name, sub string, value any, add bool) {
	if sub != "" {
		m, _ := attrs[name].(map[string]any)
		if m == nil {
			m = map[string]any{}
		}
		m[sub] = value
		attrs[name] = m
		return
	}
	if newMap, ok := value.(map[string]any); ok {
		// A complex attribute: the sub-attributes given replace theirs, the others stay.
		if m, isMap := attrs[name].(map[string]any); isMap {
			maps.Copy(m, newMap)
			return
		}
	}
	newValues, multi := value.([]any)
	existing, isList := attrs[name].([]any)
	if !add || !multi || !isList {
		attrs[name] = value
		return
	}
	for _, v := range newValues {
		if !slices.ContainsFunc(existing, func(e any) bool { return sameValue(e, v) }) {
			existing = append(existing, v)
		}
	}
	attrs[name] = existing
}

// matches evaluates a value filter's `attr eq "x"` (optionally and-ed) on a multi-valued
// attribute's element.
func matches(exp filter.Expression, v any) bool {
	m, _ := v.(map[string]any)
	switch e := exp.(type) {
	case *filter.AttributeExpression:
		return e.Operator == filter.EQ && fmt.Sprint(m[e.AttributePath.AttributeName]) == fmt.Sprint(e.CompareValue)
	case *filter.LogicalExpression:
		if e.Operator == filter.AND {
			return matches(e.Left, v) && matches(e.Right, v)
		}
		return matches(e.Left, v) || matches(e.Right, v)
	}
	return false
}

func sameValue(a, b any) bool {
	am, aok := a.(map[string]any)
	bm, bok := b.(map[string]any)
	if aok && bok && am["value"] != nil {
		return am["value"] == bm["value"]
	}
	return equalJSON(a, b)
}

func equalJSON(a, b any) bool {
	ja, _ := json.Marshal(a)
	jb, _ := json.Marshal(b)
	return bytes.Equal(ja, jb)
}

// clone deep-copies attributes through JSON, so stored values never alias callers'.
func clone(attrs map[string]any) map[string]any {
	data, _ := json.Marshal(attrs)
	out := map[string]any{}
	_ = json.Unmarshal(data, &out)
	if out == nil {
		out = map[string]any{}
	}
	return maps.Clone(out)
}
