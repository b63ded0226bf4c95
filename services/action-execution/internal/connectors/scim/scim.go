// Package scim is the SCIM 2.0 connector (RFC 7643/7644): it creates, changes, deactivates,
// reactivates and deletes Users, creates and deletes Groups, and adds users to and removes them
// from groups, over a typed client on net/http (no Go SCIM client library is kept up; the
// protocol surface used here is small: filtered GET, POST, PATCH and DELETE).
//
// The endpoint is the SCIM base URL (https://idp.example.com/scim/v2). Credentials: token (sent
// as a bearer token) or username and password (HTTP Basic).
//
// create_user builds the User from the attributes the CREATE provisioning policy computed:
// SCIM attribute names as they are (userName — required —, displayName, externalId, title,
// name, emails…), plus givenName/familyName/middleName (into name) and email/mail (into a
// primary work email) for policies written for directories; active defaults to true.
//
// Users are found by the request's account id (the SCIM id), a userId param, or userName;
// groups by a groupId param or their displayName (param group). Every write checks state first
// (a filter query before creating, membership PATCHes that are no-ops when already so, 404 on
// delete taken as done), so a retry never creates a second resource.
package scim

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Operations the connector implements.
const (
	OpCreateUser          = "create_user"
	OpUpdateUser          = "update_user"
	OpDisableUser         = "disable_user"
	OpEnableUser          = "enable_user"
	OpDeleteUser          = "delete_user"
	OpCreateGroup         = "create_group"
	OpDeleteGroup         = "delete_group"
	OpAddUserToGroup      = "add_user_to_group"
	OpRemoveUserFromGroup = "remove_user_from_group"
)

// Credential names.
const (
	CredentialToken    = "token"
	CredentialUsername = "username"
	CredentialPassword = "password"
)

// nameParts are policy attributes that go into the User's name.
var nameParts = []string{"givenName", "familyName", "middleName", "formatted", "honorificPrefix", "honorificSuffix"}

// Connector is the SCIM connector.
type Connector struct {
	http *http.Client
}

var _ connector.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*options)

type options struct{ timeout time.Duration }

// WithTimeout bounds each request (default 15s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// New returns a SCIM connector whose HTTP client dials only what guard allows.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	o := options{timeout: 15 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return &Connector{http: outbound.NewClient(guard, o.timeout)}
}

// Kind implements connector.Connector.
func (*Connector) Kind() string { return connector.KindSCIM }

// Operations implements connector.Connector.
func (*Connector) Operations() []string {
	return []string{
		OpCreateUser, OpUpdateUser, OpDisableUser, OpEnableUser, OpDeleteUser,
		OpCreateGroup, OpDeleteGroup, OpAddUserToGroup, OpRemoveUserFromGroup,
	}
}

// ValidateProvider implements connector.Connector.
func (*Connector) ValidateProvider(p connector.Provider) error {
	_, _, err := parseConfig(p)
	return err
}

func parseConfig(p connector.Provider) (baseURL string, auth func(*http.Request), err error) {
	var errs []error
	u, perr := url.Parse(p.Endpoint)
	if perr != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("endpoint %q: want the SCIM base URL, e.g. https://idp.example.com/scim/v2", p.Endpoint))
	} else {
		baseURL = strings.TrimSuffix(u.String(), "/")
	}
	token, user, password := p.Credentials[CredentialToken], p.Credentials[CredentialUsername], p.Credentials[CredentialPassword]
	switch {
	case token != "" && user == "" && password == "":
		auth = func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
	case token == "" && user != "" && password != "":
		basic := base64.StdEncoding.EncodeToString([]byte(user + ":" + password))
		auth = func(r *http.Request) { r.Header.Set("Authorization", "Basic "+basic) }
	default:
		errs = append(errs, fmt.Errorf("credentials: want %s, or %s and %s", CredentialToken, CredentialUsername, CredentialPassword))
	}
	if err := errors.Join(errs...); err != nil {
		return "", nil, connector.Permanent(err)
	}
	return baseURL, auth, nil
}

// Run implements connector.Connector.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	if !slices.Contains(c.Operations(), req.Operation) {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%w: SCIM %q", connector.ErrUnsupported, req.Operation))
	}
	baseURL, auth, err := parseConfig(p)
	if err != nil {
		return connector.Result{}, err
	}
	s := &session{c: &client{http: c.http, baseURL: baseURL, auth: auth, tracking: req.TrackingNumber}, req: req}
	var res connector.Result
	switch req.Operation {
	case OpCreateUser:
		res, err = s.createUser(ctx)
	case OpUpdateUser:
		res, err = s.updateUser(ctx)
	case OpDisableUser, OpEnableUser:
		res, err = s.setActive(ctx, req.Operation == OpEnableUser)
	case OpDeleteUser:
		res, err = s.deleteUser(ctx)
	case OpCreateGroup:
		res, err = s.createGroup(ctx)
	case OpDeleteGroup:
		res, err = s.deleteGroup(ctx)
	case OpAddUserToGroup, OpRemoveUserFromGroup:
		res, err = s.membership(ctx, req.Operation == OpAddUserToGroup)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("scim %s: %w", req.Operation, classify(err))
	}
	return res, nil
}

type session struct {
	c   *client
	req connector.Request
}

func (s *session) createUser(ctx context.Context) (connector.Result, error) {
	user := userResource(s.req.Attributes)
	userName, _ := user["userName"].(string)
	if strings.TrimSpace(userName) == "" {
		return connector.Result{}, connector.Permanent(errors.New("attribute userName is required"))
	}
	user["schemas"] = []string{schemaUser}
	if _, ok := user["active"]; !ok {
		user["active"] = true
	}
	existing, err := s.c.find(ctx, usersPath, eqFilter("userName", userName))
	if err != nil {
		return connector.Result{}, fmt.Errorf("look for %s: %w", userName, err)
	}
	var created resource
	if len(existing) > 0 {
		created = existing[0] // made by an earlier attempt whose answer was lost
	} else {
		created, err = s.c.create(ctx, usersPath, user)
		if isStatus(err, http.StatusConflict) {
			// Made in between (a concurrent attempt): take it.
			if existing, ferr := s.c.find(ctx, usersPath, eqFilter("userName", userName)); ferr == nil && len(existing) > 0 {
				created, err = existing[0], nil
			}
		}
		if err != nil {
			return connector.Result{}, fmt.Errorf("create %s: %w", userName, err)
		}
	}
	return connector.Result{
		AccountID: created.id(), AccountOperation: connector.AccountCreate, AttributeRequests: attributeRequests(s.req.Attributes),
		Output: map[string]any{"id": created.id(), "userName": userName},
	}, nil
}

// userResource maps policy attributes to SCIM User attributes.
func userResource(attrs map[string]any) resource {
	user := resource{}
	name := map[string]any{}
	for k, v := range attrs {
		switch {
		case slices.Contains(nameParts, k):
			name[k] = v
		case k == "email" || k == "mail":
			user["emails"] = []any{map[string]any{"value": v, "type": "work", "primary": true}}
		case k == "distinguishedName" || k == "schemas" || k == "id" || k == "meta":
		default:
			user[k] = v
		}
	}
	if len(name) > 0 {
		if m, ok := user["name"].(map[string]any); ok {
			maps.Copy(m, name)
		} else {
			user["name"] = name
		}
	}
	return user
}

// attributeRequests reports attrs as set, passwords aside.
func attributeRequests(attrs map[string]any) []connector.AttributeRequest {
	var requests []connector.AttributeRequest
	for _, k := range slices.Sorted(maps.Keys(attrs)) {
		if k != "password" {
			requests = append(requests, connector.AttributeRequest{Name: k, Value: attrs[k], Operation: connector.AttributeSet})
		}
	}
	return requests
}

// userID finds the user a request is about; ok is false when there is no such user.
func (s *session) userID(ctx context.Context) (id string, ok bool, err error) {
	if s.req.AccountID != "" {
		return s.req.AccountID, true, nil
	}
	if id := param(s.req.Params, "userId"); id != "" {
		return id, true, nil
	}
	userName := param(s.req.Params, "userName")
	if userName == "" {
		userName, _ = s.req.Attributes["userName"].(string)
	}
	if userName == "" {
		return "", false, connector.Permanent(errors.New("no user: the request has no account id, userId param or userName"))
	}
	found, err := s.c.find(ctx, usersPath, eqFilter("userName", userName))
	if err != nil || len(found) == 0 {
		return "", false, err
	}
	return found[0].id(), true, nil
}

// user finds the user a request is about and fails permanently when there is none.
func (s *session) user(ctx context.Context) (string, error) {
	id, ok, err := s.userID(ctx)
	if err == nil && !ok {
		err = connector.Permanent(errors.New("user not found"))
	}
	return id, err
}

func (s *session) updateUser(ctx context.Context) (connector.Result, error) {
	id, err := s.user(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	params, _ := s.req.Params["attributes"].(map[string]any)
	changes := settable(s.req.Attributes, params)
	value := userResource(changes)
	if len(value) == 0 {
		return connector.Result{}, connector.Permanent(errors.New("no attributes to set"))
	}
	// Replace without a path sets each attribute given and leaves the others (§3.5.2.3).
	if err := s.c.patch(ctx, usersPath, id, patchOp{Op: "replace", Value: value}); err != nil {
		return connector.Result{}, err
	}
	return connector.Result{AccountID: id, AccountOperation: connector.AccountModify, AttributeRequests: attributeRequests(changes)}, nil
}

// settable merges the attributes a PATCH sets, later maps winning, without the password
// (change_password is not a SCIM operation here).
func settable(attrs ...map[string]any) map[string]any {
	changes := map[string]any{}
	for _, a := range attrs {
		maps.Copy(changes, a)
	}
	delete(changes, "password")
	return changes
}

// setActive deactivates or reactivates the user; the attributes the source's DISABLE or ENABLE
// policy computed go in the same PATCH, mapped as an update maps them (active is the operation's).
func (s *session) setActive(ctx context.Context, active bool) (connector.Result, error) {
	id, err := s.user(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	changes := settable(s.req.Attributes)
	delete(changes, "active")
	value := userResource(changes)
	value["active"] = active
	if err := s.c.patch(ctx, usersPath, id, patchOp{Op: "replace", Value: value}); err != nil {
		return connector.Result{}, err
	}
	op := connector.AccountDisable
	if active {
		op = connector.AccountEnable
	}
	return connector.Result{
		AccountID: id, AccountOperation: op,
		AttributeRequests: append([]connector.AttributeRequest{{Name: "active", Value: active, Operation: connector.AttributeSet}}, attributeRequests(changes)...),
	}, nil
}

func (s *session) deleteUser(ctx context.Context) (connector.Result, error) {
	id, ok, err := s.userID(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	if ok {
		if err := s.c.delete(ctx, usersPath, id); err != nil && !isStatus(err, http.StatusNotFound) {
			return connector.Result{}, err
		}
	}
	return connector.Result{AccountID: id, AccountOperation: connector.AccountDelete}, nil
}

// group finds the group a request is about (groupId, or displayName in group); ok is false when
// there is none.
func (s *session) group(ctx context.Context) (id, name string, ok bool, err error) {
	if id := param(s.req.Params, "groupId"); id != "" {
		g, err := s.c.get(ctx, groupsPath, id)
		if isStatus(err, http.StatusNotFound) {
			return id, "", false, nil
		}
		if err != nil {
			return "", "", false, err
		}
		name, _ := g["displayName"].(string)
		return id, name, true, nil
	}
	name = param(s.req.Params, "group")
	if name == "" {
		return "", "", false, connector.Permanent(errors.New("no group: set the group (display name) or groupId param"))
	}
	found, err := s.c.find(ctx, groupsPath, eqFilter("displayName", name))
	if err != nil || len(found) == 0 {
		return "", name, false, err
	}
	return found[0].id(), name, true, nil
}

func (s *session) createGroup(ctx context.Context) (connector.Result, error) {
	id, name, ok, err := s.group(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	if !ok {
		if name == "" {
			return connector.Result{}, connector.Permanent(errors.New("param group (the display name) is required"))
		}
		g := resource{"schemas": []string{schemaGroup}, "displayName": name}
		if ext := param(s.req.Params, "externalId"); ext != "" {
			g["externalId"] = ext
		}
		created, err := s.c.create(ctx, groupsPath, g)
		if err != nil {
			return connector.Result{}, fmt.Errorf("create group %s: %w", name, err)
		}
		id = created.id()
	}
	return connector.Result{Output: map[string]any{"groupId": id, "group": name}}, nil
}

func (s *session) deleteGroup(ctx context.Context) (connector.Result, error) {
	id, name, ok, err := s.group(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	if ok {
		if err := s.c.delete(ctx, groupsPath, id); err != nil && !isStatus(err, http.StatusNotFound) {
			return connector.Result{}, err
		}
	}
	return connector.Result{Output: map[string]any{"groupId": id, "group": name}}, nil
}

// membership adds the user to the group's members (a no-op for a member, §3.5.2.1) or removes
// it (a no-op for a non-member).
func (s *session) membership(ctx context.Context, add bool) (connector.Result, error) {
	userID, err := s.user(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	groupID, name, ok, err := s.group(ctx)
	if err != nil {
		return connector.Result{}, err
	}
	if !ok {
		return connector.Result{}, connector.Permanent(fmt.Errorf("group %q not found", first(name, groupID)))
	}
	op, attrOp := patchOp{Op: "add", Path: "members", Value: []any{map[string]any{"value": userID}}}, connector.AttributeAdd
	if !add {
		op, attrOp = patchOp{Op: "remove", Path: "members[" + eqFilter("value", userID) + "]"}, connector.AttributeRemove
	}
	if err := s.c.patch(ctx, groupsPath, groupID, op); err != nil {
		return connector.Result{}, err
	}
	return connector.Result{
		AccountID: userID, AccountOperation: connector.AccountModify,
		AttributeRequests: []connector.AttributeRequest{{Name: "groups", Value: groupID, Operation: attrOp}},
		Output:            map[string]any{"groupId": groupID},
	}, nil
}

func param(params map[string]any, name string) string {
	s, _ := params[name].(string)
	return strings.TrimSpace(s)
}

func first(ss ...string) string {
	for _, s := range ss {
		if s != "" {
			return s
		}
	}
	return ""
}

// classify marks err permanent unless the provider said to try later (429, 5xx) or the
// connection failed.
func classify(err error) error {
	var scimErr *Error
	switch {
	case errors.Is(err, outbound.ErrForbiddenAddress):
		return connector.Permanent(err)
	case errors.As(err, &scimErr):
		if scimErr.Status == http.StatusTooManyRequests || scimErr.Status >= 500 {
			return err
		}
		return connector.Permanent(err)
	default:
		return err
	}
}
