// Package gitlab is the GitLab connector: it creates issues, comments on them, adds and removes
// labels, closes them and assigns and unassigns users, with GitLab's official Go client
// (gitlab.com/gitlab-org/api/client-go) against REST API v4.
//
// The endpoint is the instance's base URL (https://gitlab.example.com). The credential token is
// an access token with the api scope, sent as PRIVATE-TOKEN. Settings: project, the project's
// ID or full path ("group/project"; required).
//
// Request params:
//
//	gitlab_issue_create         title (required), description, labels, assignees (usernames),
//	                            confidential
//	gitlab_issue_add_comment    issueIid, body (required)
//	gitlab_issue_add_label      issueIid, labels
//	gitlab_issue_remove_label   issueIid, labels
//	gitlab_issue_close          issueIid
//	gitlab_issue_assign_user    issueIid, usernames
//	gitlab_issue_unassign_user  issueIid, usernames
//
// labels and usernames are a list or a comma-separated string (label and username are accepted
// for one). Every operation answers TicketID = the issue's iid and Output {issueIid, issueUrl}.
//
// Creating an issue or a comment is not idempotent in GitLab, so each carries a marker derived
// from the request's idempotency key (an HTML comment, invisible when rendered), and a retry
// looks for it first; label, close and assignee changes are idempotent by themselves.
package gitlab

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	gogitlab "gitlab.com/gitlab-org/api/client-go"

	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Operations the connector implements.
const (
	OpCreate       = "gitlab_issue_create"
	OpAddComment   = "gitlab_issue_add_comment"
	OpAddLabel     = "gitlab_issue_add_label"
	OpRemoveLabel  = "gitlab_issue_remove_label"
	OpClose        = "gitlab_issue_close"
	OpAssignUser   = "gitlab_issue_assign_user" //nolint:gosec // an operation name, not a credential
	OpUnassignUser = "gitlab_issue_unassign_user"
)

// Settings and credential names.
const (
	SettingProject  = "project"
	CredentialToken = "token"
)

// Connector is the GitLab connector.
type Connector struct {
	client *http.Client
}

var _ connector.Connector = (*Connector)(nil)

// Option configures a Connector.
type Option func(*options)

type options struct{ timeout time.Duration }

// WithTimeout bounds each API call (default 15s).
func WithTimeout(d time.Duration) Option { return func(o *options) { o.timeout = d } }

// New returns a GitLab connector whose HTTP client dials only what guard allows.
func New(guard *outbound.Guard, opts ...Option) *Connector {
	o := options{timeout: 15 * time.Second}
	for _, opt := range opts {
		opt(&o)
	}
	return &Connector{client: outbound.NewClient(guard, o.timeout)}
}

// Kind implements connector.Connector.
func (*Connector) Kind() string { return connector.KindGitLab }

// Operations implements connector.Connector.
func (*Connector) Operations() []string {
	return []string{OpCreate, OpAddComment, OpAddLabel, OpRemoveLabel, OpClose, OpAssignUser, OpUnassignUser}
}

// ValidateProvider implements connector.Connector.
func (*Connector) ValidateProvider(p connector.Provider) error {
	_, err := parseConfig(p)
	return err
}

type config struct {
	baseURL string
	token   string
	project string
}

func parseConfig(p connector.Provider) (*config, error) {
	var errs []error
	c := &config{token: p.Credentials[CredentialToken]}
	u, err := url.Parse(p.Endpoint)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" || u.User != nil {
		errs = append(errs, fmt.Errorf("endpoint %q: want the instance's base URL, e.g. https://gitlab.example.com", p.Endpoint))
	} else {
		c.baseURL = u.String()
	}
	if c.token == "" {
		errs = append(errs, fmt.Errorf("credential %s is required", CredentialToken))
	}
	switch v := p.Settings[SettingProject].(type) {
	case string:
		c.project = strings.Trim(strings.TrimSpace(v), "/")
	case float64:
		if v > 0 && v == float64(int64(v)) {
			c.project = strconv.FormatInt(int64(v), 10)
		}
	case int:
		if v > 0 {
			c.project = strconv.Itoa(v)
		}
	}
	if c.project == "" {
		errs = append(errs, fmt.Errorf("setting %s is required: the project's ID or full path (group/project)", SettingProject))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, connector.Permanent(err)
	}
	return c, nil
}

// Run implements connector.Connector.
func (c *Connector) Run(ctx context.Context, p connector.Provider, req connector.Request) (connector.Result, error) {
	if !slices.Contains(c.Operations(), req.Operation) {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%w: GitLab %q", connector.ErrUnsupported, req.Operation))
	}
	cfg, err := parseConfig(p)
	if err != nil {
		return connector.Result{}, err
	}
	api, err := gogitlab.NewClient(cfg.token,
		gogitlab.WithBaseURL(cfg.baseURL),
		gogitlab.WithHTTPClient(c.client),
		gogitlab.WithoutRetries(), // the flow's job retries, with its own backoff
		gogitlab.WithRequestOptions(gogitlab.WithContext(ctx)),
	)
	if err != nil {
		return connector.Result{}, connector.Permanent(fmt.Errorf("%s: %w", req.Operation, err))
	}
	s := &session{api: api, project: cfg.project, req: req}
	var issue *gogitlab.Issue
	out := map[string]any{}
	switch req.Operation {
	case OpCreate:
		issue, err = s.create()
	case OpAddComment:
		var note *gogitlab.Note
		if issue, note, err = s.comment(); err == nil {
			out["noteId"] = note.ID
		}
	case OpAddLabel, OpRemoveLabel:
		issue, err = s.labels(req.Operation == OpAddLabel)
	case OpClose:
		issue, err = s.close()
	case OpAssignUser, OpUnassignUser:
		issue, err = s.assignees(req.Operation == OpAssignUser)
	}
	if err != nil {
		return connector.Result{}, fmt.Errorf("%s: %w", req.Operation, classify(err))
	}
	out["issueIid"], out["issueUrl"] = issue.IID, issue.WebURL
	return connector.Result{TicketID: strconv.FormatInt(issue.IID, 10), Output: out}, nil
}

// session is one request against one project.
type session struct {
	api     *gogitlab.Client
	project string
	req     connector.Request
}

// Marker is the text a created issue's description or comment's body carries for an
// idempotency key; token is the searchable word in it.
func Marker(idempotencyKey string) (marker, token string) {
	sum := sha256.Sum256([]byte(idempotencyKey))
	token = "accessflow" + hex.EncodeToString(sum[:16])
	return "<!-- " + token + " -->", token
}

func (s *session) create() (*gogitlab.Issue, error) {
	title := param(s.req.Params, "title")
	if title == "" {
		return nil, connector.Permanent(errors.New("param title is required"))
	}
	if s.req.IdempotencyKey == "" {
		return nil, connector.Permanent(errors.New("no idempotency key to mark the issue with"))
	}
	marker, token := Marker(s.req.IdempotencyKey)
	found, _, err := s.api.Issues.ListProjectIssues(s.project, &gogitlab.ListProjectIssuesOptions{
		Search: gogitlab.Ptr(token), In: gogitlab.Ptr("description"), State: gogitlab.Ptr("all"),
	})
	if err != nil {
		return nil, fmt.Errorf("search for an earlier attempt: %w", err)
	}
	for _, issue := range found {
		if strings.Contains(issue.Description, marker) {
			return issue, nil
		}
	}
	opts := &gogitlab.CreateIssueOptions{
		Title:       gogitlab.Ptr(title),
		Description: gogitlab.Ptr(strings.TrimRight(param(s.req.Params, "description"), "\n") + "\n\n" + marker),
	}
	if labels := list(s.req.Params, "labels", "label"); len(labels) > 0 {
		opts.Labels = gogitlab.Ptr(gogitlab.LabelOptions(labels))
	}
	if confidential, ok := s.req.Params["confidential"].(bool); ok {
		opts.Confidential = gogitlab.Ptr(confidential)
	}
	if names := list(s.req.Params, "assignees", "assignee"); len(names) > 0 {
		ids, err := s.userIDs(names)
		if err != nil {
			return nil, err
		}
		opts.AssigneeIDs = &ids
	}
	issue, _, err := s.api.Issues.CreateIssue(s.project, opts)
	return issue, err
}

// iid is the issue an operation is on.
func (s *session) iid() (int64, error) {
	var iid int64
	switch v := s.req.Params["issueIid"].(type) {
	case float64:
		iid = int64(v)
	case int:
		iid = int64(v)
	case int64:
		iid = v
	case string:
		iid, _ = strconv.ParseInt(strings.TrimSpace(v), 10, 64)
	}
	if iid <= 0 {
		return 0, connector.Permanent(fmt.Errorf("param issueIid: want an issue iid, got %v", s.req.Params["issueIid"]))
	}
	return iid, nil
}

func (s *session) comment() (*gogitlab.Issue, *gogitlab.Note, error) {
	iid, err := s.iid()
	if err != nil {
		return nil, nil, err
	}
	body := param(s.req.Params, "body")
	if body == "" {
		return nil, nil, connector.Permanent(errors.New("param body is required"))
	}
	if s.req.IdempotencyKey == "" {
		return nil, nil, connector.Permanent(errors.New("no idempotency key to mark the comment with"))
	}
	issue, _, err := s.api.Issues.GetIssue(s.project, iid)
	if err != nil {
		return nil, nil, err
	}
	marker, _ := Marker(s.req.IdempotencyKey)
	// The newest comments come first; a retry follows its attempt closely.
	notes, _, err := s.api.Notes.ListIssueNotes(s.project, iid, &gogitlab.ListIssueNotesOptions{
		ListOptions: gogitlab.ListOptions{PerPage: 100},
	})
	if err != nil {
		return nil, nil, fmt.Errorf("search for an earlier attempt: %w", err)
	}
	for _, n := range notes {
		if strings.Contains(n.Body, marker) {
			return issue, n, nil
		}
	}
	note, _, err := s.api.Notes.CreateIssueNote(s.project, iid, &gogitlab.CreateIssueNoteOptions{
		Body: gogitlab.Ptr(body + "\n\n" + marker),
	})
	return issue, note, err
}

func (s *session) labels(add bool) (*gogitlab.Issue, error) {
	iid, err := s.iid()
	if err != nil {
		return nil, err
	}
	labels := list(s.req.Params, "labels", "label")
	if len(labels) == 0 {
		return nil, connector.Permanent(errors.New("param labels is required"))
	}
	opts := &gogitlab.UpdateIssueOptions{}
	if add {
		opts.AddLabels = gogitlab.Ptr(gogitlab.LabelOptions(labels))
	} else {
		opts.RemoveLabels = gogitlab.Ptr(gogitlab.LabelOptions(labels))
	}
	issue, _, err := s.api.Issues.UpdateIssue(s.project, iid, opts)
	return issue, err
}

func (s *session) close() (*gogitlab.Issue, error) {
	iid, err := s.iid()
	if err != nil {
		return nil, err
	}
	issue, _, err := s.api.Issues.UpdateIssue(s.project, iid, &gogitlab.UpdateIssueOptions{StateEvent: gogitlab.Ptr("close")})
	return issue, err
}

// assignees adds users to (or removes them from) the issue's assignees: GitLab replaces the
// whole list, so the current one is read first.
func (s *session) assignees(add bool) (*gogitlab.Issue, error) {
	iid, err := s.iid()
	if err != nil {
		return nil, err
	}
	names := list(s.req.Params, "usernames", "username")
	if len(names) == 0 {
		return nil, connector.Permanent(errors.New("param usernames is required"))
	}
	issue, _, err := s.api.Issues.GetIssue(s.project, iid)
	if err != nil {
		return nil, err
	}
	current := make([]int64, 0, len(issue.Assignees))
	for _, a := range issue.Assignees {
		current = append(current, a.ID)
	}
	want := slices.Clone(current)
	if add {
		ids, err := s.userIDs(names)
		if err != nil {
			return nil, err
		}
		for _, id := range ids {
			if !slices.Contains(want, id) {
				want = append(want, id)
			}
		}
	} else {
		want = slices.DeleteFunc(want, func(id int64) bool {
			return slices.ContainsFunc(issue.Assignees, func(a *gogitlab.IssueAssignee) bool {
				return a.ID == id && slices.ContainsFunc(names, func(n string) bool { return strings.EqualFold(n, a.Username) })
			})
		})
	}
	if slices.Equal(want, current) {
		return issue, nil
	}
	issue, _, err = s.api.Issues.UpdateIssue(s.project, iid, &gogitlab.UpdateIssueOptions{AssigneeIDs: &want})
	return issue, err
}

// userIDs looks usernames up.
func (s *session) userIDs(names []string) ([]int64, error) {
	ids := make([]int64, 0, len(names))
	for _, name := range names {
		users, _, err := s.api.Users.ListUsers(&gogitlab.ListUsersOptions{Username: gogitlab.Ptr(name)})
		if err != nil {
			return nil, fmt.Errorf("look up user %s: %w", name, err)
		}
		if len(users) != 1 {
			return nil, connector.Permanent(fmt.Errorf("no GitLab user %q", name))
		}
		ids = append(ids, users[0].ID)
	}
	return ids, nil
}

func param(params map[string]any, name string) string {
	s, _ := params[name].(string)
	return strings.TrimSpace(s)
}

// list reads a list param given as a list or a comma-separated string, under either name.
func list(params map[string]any, names ...string) []string {
	var out []string
	for _, name := range names {
		switch v := params[name].(type) {
		case string:
			out = append(out, strings.Split(v, ",")...)
		case []string:
			out = append(out, v...)
		case []any:
			for _, e := range v {
				if s, ok := e.(string); ok {
					out = append(out, s)
				}
			}
		}
	}
	cleaned := out[:0]
	for _, s := range out {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(cleaned, s) {
			cleaned = append(cleaned, s)
		}
	}
	return cleaned
}

// classify marks err permanent unless GitLab said to try later (429, 5xx) or the connection
// failed.
func classify(err error) error {
	var apiErr *gogitlab.ErrorResponse
	switch {
	case errors.Is(err, outbound.ErrForbiddenAddress), errors.Is(err, gogitlab.ErrNotFound):
		return connector.Permanent(err)
	case errors.As(err, &apiErr) && apiErr.Response != nil:
		code := apiErr.Response.StatusCode
		if code == http.StatusTooManyRequests || code >= 500 {
			return err
		}
		return connector.Permanent(err)
	default:
		return err
	}
}
