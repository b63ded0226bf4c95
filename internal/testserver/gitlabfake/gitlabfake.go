// Package gitlabfake is a local stand-in for GitLab's REST API v4 (GitLab cannot run here), for
// tests: project issues (list with search, get, create, update: labels, add_labels,
// remove_labels, state_event, assignee_ids), issue notes and user lookup by username, checked
// the way GitLab checks them — the PRIVATE-TOKEN (or Bearer) header, projects by ID or
// URL-encoded path, JSON or form bodies, 400/401/404 answers with GitLab's {"message": …} or
// {"error": …} bodies — and answered with GitLab's response shapes. It records every request.
package gitlabfake

import (
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"
)

// Request is a request the fake received.
type Request struct {
	Method string
	// Path is the escaped path (/api/v4/projects/group%2Fproject/issues).
	Path  string
	Query url.Values
	// Body is the decoded JSON or form body (nil for none).
	Body map[string]any
}

// User is a GitLab user the fake knows.
type User struct {
	ID       int64
	Username string
	Name     string
}

// Issue is an issue as the fake keeps it.
type Issue struct {
	ID           int64
	IID          int64
	Title        string
	Description  string
	State        string // opened, closed
	Labels       []string
	AssigneeIDs  []int64
	Notes        []Note
	Confidential bool
	CreatedAt    time.Time
	UpdatedAt    time.Time
	ClosedAt     *time.Time
}

// Note is an issue comment.
type Note struct {
	ID        int64
	Body      string
	CreatedAt time.Time
}

// Server is a running fake with one project.
type Server struct {
	// URL is the instance's base URL (for gitlab.WithBaseURL); the API is under /api/v4.
	URL string
	// Token is the personal access token the fake accepts.
	Token string
	// ProjectID and ProjectPath name the project (both are accepted in paths).
	ProjectID   int64
	ProjectPath string
	// Loopback is the network it listens on, for an outbound guard's allow list.
	Loopback netip.Prefix

	mu       sync.Mutex
	users    []User
	issues   []*Issue
	requests []Request
	failures []failure
	nextID   int64
}

type failure struct {
	method, suffix string
	status         int
}

// Start starts the fake with project 42 "acme/access" and users jdoe (7) and boss (8); it stops
// when the test ends.
func Start(t testing.TB, token string) *Server {
	t.Helper()
	s := &Server{
		Token: token, ProjectID: 42, ProjectPath: "acme/access", Loopback: netip.MustParsePrefix("127.0.0.0/8"),
		users:  []User{{7, "jdoe", "John Doe"}, {8, "boss", "The Boss"}},
		nextID: 1000,
	}
	srv := httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(srv.Close)
	s.URL = srv.URL
	return s
}

// Requests returns the requests received so far.
func (s *Server) Requests() []Request {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.requests)
}

// Issues returns copies of the project's issues, by iid.
func (s *Server) Issues() []Issue {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]Issue, 0, len(s.issues))
	for _, i := range s.issues {
		c := *i
		c.Labels, c.AssigneeIDs, c.Notes = slices.Clone(i.Labels), slices.Clone(i.AssigneeIDs), slices.Clone(i.Notes)
		out = append(out, c)
	}
	return out
}

// FailNext makes the next request with method whose path ends in suffix answer status.
func (s *Server) FailNext(method, suffix string, status int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.failures = append(s.failures, failure{method, suffix, status})
}

type apiError struct {
	status int
	body   map[string]any
}

func message(status int, msg string) *apiError {
	return &apiError{status, map[string]any{"message": msg}}
}

func (s *Server) serve(w http.ResponseWriter, r *http.Request) {
	body, err := readBody(r)
	s.mu.Lock()
	defer s.mu.Unlock()
	s.requests = append(s.requests, Request{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.Query(), Body: body})
	if i := slices.IndexFunc(s.failures, func(f failure) bool {
		return f.method == r.Method && strings.HasSuffix(r.URL.EscapedPath(), f.suffix)
	}); i >= 0 {
		status := s.failures[i].status
		s.failures = slices.Delete(slices.Clone(s.failures), i, i+1)
		if status == http.StatusTooManyRequests {
			w.Header().Set("Retry-After", "1")
		}
		respond(w, status, map[string]any{"message": http.StatusText(status)})
		return
	}
	token := r.Header.Get("Private-Token")
	if bearer, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer "); ok && token == "" {
		token = bearer
	}
	if token != s.Token {
		respond(w, http.StatusUnauthorized, map[string]any{"message": "401 Unauthorized"})
		return
	}
	if err != nil {
		respond(w, http.StatusBadRequest, map[string]any{"error": err.Error()})
		return
	}
	status, out, apiErr := s.route(r, body)
	if apiErr != nil {
		respond(w, apiErr.status, apiErr.body)
		return
	}
	respond(w, status, out)
}

// route dispatches on the escaped path: /api/v4/users or /api/v4/projects/:id/issues[/:iid[/notes]].
func (s *Server) route(r *http.Request, body map[string]any) (int, any, *apiError) {
	parts := strings.Split(strings.TrimPrefix(r.URL.EscapedPath(), "/api/v4/"), "/")
	if !strings.HasPrefix(r.URL.EscapedPath(), "/api/v4/") {
		return 0, nil, message(http.StatusNotFound, "404 Not Found")
	}
	if len(parts) == 1 && parts[0] == "users" && r.Method == http.MethodGet {
		return http.StatusOK, s.listUsers(r.URL.Query().Get("username")), nil
	}
	if len(parts) < 3 || parts[0] != "projects" || parts[2] != "issues" {
		return 0, nil, message(http.StatusNotFound, "404 Not Found")
	}
	project, _ := url.PathUnescape(parts[1])
	if project != strconv.FormatInt(s.ProjectID, 10) && project != s.ProjectPath {
		return 0, nil, message(http.StatusNotFound, "404 Project Not Found")
	}
	if len(parts) == 3 {
		switch r.Method {
		case http.MethodGet:
			return http.StatusOK, s.listIssues(r.URL.Query()), nil
		case http.MethodPost:
			return s.createIssue(body)
		}
		return 0, nil, message(http.StatusMethodNotAllowed, "405 Method Not Allowed")
	}
	iid, err := strconv.ParseInt(parts[3], 10, 64)
	if err != nil {
		return 0, nil, &apiError{http.StatusBadRequest, map[string]any{"error": "issue_iid is invalid"}}
	}
	issue := s.issue(iid)
	if issue == nil {
		return 0, nil, message(http.StatusNotFound, "404 Not found")
	}
	switch {
	case len(parts) == 4 && r.Method == http.MethodGet:
		return http.StatusOK, s.wire(issue), nil
	case len(parts) == 4 && r.Method == http.MethodPut:
		return s.updateIssue(issue, body)
	case len(parts) == 5 && parts[4] == "notes" && r.Method == http.MethodGet:
		notes := make([]any, 0, len(issue.Notes))
		for i := len(issue.Notes) - 1; i >= 0; i-- { // newest first, GitLab's default order
			notes = append(notes, s.wireNote(issue, issue.Notes[i]))
		}
		return http.StatusOK, notes, nil
	case len(parts) == 5 && parts[4] == "notes" && r.Method == http.MethodPost:
		text, _ := body["body"].(string)
		if strings.TrimSpace(text) == "" {
			return 0, nil, &apiError{http.StatusBadRequest, map[string]any{"error": "body is missing"}}
		}
		s.nextID++
		note := Note{ID: s.nextID, Body: text, CreatedAt: time.Now().UTC()}
		issue.Notes = append(issue.Notes, note)
		return http.StatusCreated, s.wireNote(issue, note), nil
	}
	return 0, nil, message(http.StatusNotFound, "404 Not Found")
}

func (s *Server) listUsers(username string) []any {
	out := []any{}
	for _, u := range s.users {
		if username == "" || strings.EqualFold(u.Username, username) {
			out = append(out, s.wireUser(u))
		}
	}
	return out
}

// listIssues supports search (with in=title,description) and state.
func (s *Server) listIssues(q url.Values) []any {
	search, in, state := q.Get("search"), q.Get("in"), q.Get("state")
	if in == "" {
		in = "title,description"
	}
	out := []any{}
	for i := len(s.issues) - 1; i >= 0; i-- { // newest first
		issue := s.issues[i]
		if state != "" && state != "all" && state != issue.State {
			continue
		}
		if search != "" {
			hit := (strings.Contains(in, "title") && strings.Contains(strings.ToLower(issue.Title), strings.ToLower(search))) ||
				(strings.Contains(in, "description") && strings.Contains(strings.ToLower(issue.Description), strings.ToLower(search)))
			if !hit {
				continue
			}
		}
		out = append(out, s.wire(issue))
	}
	return out
}

func (s *Server) createIssue(body map[string]any) (int, any, *apiError) {
	title, _ := body["title"].(string)
	if strings.TrimSpace(title) == "" {
		return 0, nil, &apiError{http.StatusBadRequest, map[string]any{"error": "title is missing"}}
	}
	description, _ := body["description"].(string)
	assignees, apiErr := s.assigneeIDs(body)
	if apiErr != nil {
		return 0, nil, apiErr
	}
	s.nextID++
	now := time.Now().UTC()
	issue := &Issue{
		ID: s.nextID, IID: int64(len(s.issues) + 1), Title: title, Description: description, State: "opened",
		Labels: labels(body["labels"]), AssigneeIDs: assignees, CreatedAt: now, UpdatedAt: now,
	}
	issue.Confidential, _ = body["confidential"].(bool)
	s.issues = append(s.issues, issue)
	return http.StatusCreated, s.wire(issue), nil
}

func (s *Server) updateIssue(issue *Issue, body map[string]any) (int, any, *apiError) {
	if len(body) == 0 {
		return 0, nil, &apiError{http.StatusBadRequest, map[string]any{"error": "assignee_id, assignee_ids, confidential, created_at, description, discussion_locked, due_date, labels, add_labels, remove_labels, milestone_id, state_event, title, issue_type, weight, epic_id, epic_iid are missing, at least one parameter must be provided"}}
	}
	if v, ok := body["title"].(string); ok {
		issue.Title = v
	}
	if v, ok := body["description"].(string); ok {
		issue.Description = v
	}
	if _, ok := body["labels"]; ok {
		issue.Labels = labels(body["labels"])
	}
	for _, l := range labels(body["add_labels"]) {
		if !slices.Contains(issue.Labels, l) {
			issue.Labels = append(issue.Labels, l)
		}
	}
	for _, l := range labels(body["remove_labels"]) {
		issue.Labels = slices.DeleteFunc(issue.Labels, func(e string) bool { return e == l })
	}
	if _, ok := body["assignee_ids"]; ok {
		ids, apiErr := s.assigneeIDs(body)
		if apiErr != nil {
			return 0, nil, apiErr
		}
		issue.AssigneeIDs = ids
	}
	switch body["state_event"] {
	case nil:
	case "close":
		if issue.State != "closed" {
			now := time.Now().UTC()
			issue.State, issue.ClosedAt = "closed", &now
		}
	case "reopen":
		issue.State, issue.ClosedAt = "opened", nil
	default:
		return 0, nil, &apiError{http.StatusBadRequest, map[string]any{"error": "state_event does not have a valid value"}}
	}
	issue.UpdatedAt = time.Now().UTC()
	return http.StatusOK, s.wire(issue), nil
}

// assigneeIDs reads assignee_ids: an array of user IDs; [] or [0] unassigns everyone.
func (s *Server) assigneeIDs(body map[string]any) ([]int64, *apiError) {
	raw, ok := body["assignee_ids"]
	if !ok || raw == nil {
		return []int64{}, nil
	}
	list, ok := raw.([]any)
	if !ok {
		if str, isStr := raw.(string); isStr { // a form's comma-separated value
			list = nil
			for _, p := range strings.Split(str, ",") {
				if p != "" {
					list = append(list, p)
				}
			}
		} else {
			return nil, &apiError{http.StatusBadRequest, map[string]any{"error": "assignee_ids is invalid"}}
		}
	}
	ids := []int64{}
	for _, v := range list {
		var id int64
		switch v := v.(type) {
		case float64:
			id = int64(v)
		case string:
			n, err := strconv.ParseInt(v, 10, 64)
			if err != nil {
				return nil, &apiError{http.StatusBadRequest, map[string]any{"error": "assignee_ids is invalid"}}
			}
			id = n
		default:
			return nil, &apiError{http.StatusBadRequest, map[string]any{"error": "assignee_ids is invalid"}}
		}
		if id == 0 {
			continue
		}
		if !slices.ContainsFunc(s.users, func(u User) bool { return u.ID == id }) {
			return nil, message(http.StatusNotFound, "404 User Not Found")
		}
		if !slices.Contains(ids, id) {
			ids = append(ids, id)
		}
	}
	return ids, nil
}

// labels reads labels given as a comma-separated string (GitLab's form) or an array.
func labels(v any) []string {
	var raw []string
	switch v := v.(type) {
	case string:
		raw = strings.Split(v, ",")
	case []any:
		for _, e := range v {
			if s, ok := e.(string); ok {
				raw = append(raw, s)
			}
		}
	}
	out := []string{}
	for _, l := range raw {
		if l = strings.TrimSpace(l); l != "" && !slices.Contains(out, l) {
			out = append(out, l)
		}
	}
	return out
}

func (s *Server) issue(iid int64) *Issue {
	for _, i := range s.issues {
		if i.IID == iid {
			return i
		}
	}
	return nil
}

func (s *Server) wireUser(u User) map[string]any {
	return map[string]any{
		"id": u.ID, "username": u.Username, "name": u.Name, "state": "active",
		"avatar_url": s.URL + "/uploads/-/system/user/avatar/" + strconv.FormatInt(u.ID, 10) + "/avatar.png",
		"web_url":    s.URL + "/" + u.Username,
	}
}

// wire is an issue in GitLab's response shape.
func (s *Server) wire(i *Issue) map[string]any {
	assignees := []any{}
	var assignee any
	for _, id := range i.AssigneeIDs {
		for _, u := range s.users {
			if u.ID == id {
				assignees = append(assignees, s.wireUser(u))
			}
		}
	}
	if len(assignees) > 0 {
		assignee = assignees[0]
	}
	var closedAt any
	if i.ClosedAt != nil {
		closedAt = i.ClosedAt.Format(time.RFC3339Nano)
	}
	webURL := fmt.Sprintf("%s/%s/-/issues/%d", s.URL, s.ProjectPath, i.IID)
	return map[string]any{
		"id": i.ID, "iid": i.IID, "project_id": s.ProjectID, "title": i.Title, "description": i.Description,
		"state": i.State, "created_at": i.CreatedAt.Format(time.RFC3339Nano), "updated_at": i.UpdatedAt.Format(time.RFC3339Nano),
		"closed_at": closedAt, "labels": i.Labels, "milestone": nil, "assignees": assignees, "assignee": assignee,
		"author": s.wireUser(User{1, "accessflow-bot", "Accessflow"}), "type": "ISSUE", "issue_type": "issue",
		"user_notes_count": len(i.Notes), "confidential": i.Confidential, "discussion_locked": nil, "web_url": webURL,
		"references": map[string]any{
			"short": fmt.Sprintf("#%d", i.IID), "relative": fmt.Sprintf("#%d", i.IID), "full": fmt.Sprintf("%s#%d", s.ProjectPath, i.IID),
		},
		"_links": map[string]any{
			"self":        fmt.Sprintf("%s/api/v4/projects/%d/issues/%d", s.URL, s.ProjectID, i.IID),
			"notes":       fmt.Sprintf("%s/api/v4/projects/%d/issues/%d/notes", s.URL, s.ProjectID, i.IID),
			"award_emoji": fmt.Sprintf("%s/api/v4/projects/%d/issues/%d/award_emoji", s.URL, s.ProjectID, i.IID),
			"project":     fmt.Sprintf("%s/api/v4/projects/%d", s.URL, s.ProjectID),
		},
	}
}

func (s *Server) wireNote(i *Issue, n Note) map[string]any {
	return map[string]any{
		"id": n.ID, "type": nil, "body": n.Body, "attachment": nil, "author": s.wireUser(User{1, "accessflow-bot", "Accessflow"}),
		"created_at": n.CreatedAt.Format(time.RFC3339Nano), "updated_at": n.CreatedAt.Format(time.RFC3339Nano),
		"system": false, "noteable_id": i.ID, "noteable_type": "Issue", "noteable_iid": i.IID, "project_id": s.ProjectID, //nolint:misspell // GitLab's field names
		"resolvable": false, "confidential": false, "internal": false,
	}
}

// readBody decodes a JSON or form body; GitLab takes both.
func readBody(r *http.Request) (map[string]any, error) {
	if r.Body == nil || r.ContentLength == 0 {
		return nil, nil
	}
	r.Body = http.MaxBytesReader(nil, r.Body, 1<<20)
	mediaType, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	switch mediaType {
	case "application/json":
		var body map[string]any
		if err := json.NewDecoder(r.Body).Decode(&body); err != nil {
			return nil, fmt.Errorf("invalid JSON body: %w", err)
		}
		return body, nil
	case "application/x-www-form-urlencoded":
		if err := r.ParseForm(); err != nil {
			return nil, err
		}
		body := map[string]any{}
		for k := range r.PostForm {
			body[strings.TrimSuffix(k, "[]")] = r.PostForm.Get(k)
		}
		return body, nil
	default:
		return nil, fmt.Errorf("unsupported content type %q", mediaType)
	}
}

func respond(w http.ResponseWriter, status int, body any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(body)
}
