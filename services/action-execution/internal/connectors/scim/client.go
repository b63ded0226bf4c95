package scim

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
)

// SCIM message schemas and media type (RFC 7644).
const (
	schemaPatchOp = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
	schemaError   = "urn:ietf:params:scim:api:messages:2.0:Error"
	schemaUser    = "urn:ietf:params:scim:schemas:core:2.0:User"
	schemaGroup   = "urn:ietf:params:scim:schemas:core:2.0:Group"
	mediaType     = "application/scim+json"
)

// Resource endpoints.
const (
	usersPath  = "/Users"
	groupsPath = "/Groups"
)

// resource is a SCIM resource as JSON attributes; id is its server-assigned identifier.
type resource map[string]any

func (r resource) id() string {
	id, _ := r["id"].(string)
	return id
}

// patchOp is one operation of a PATCH request (RFC 7644 §3.5.2).
type patchOp struct {
	Op    string `json:"op"`
	Path  string `json:"path,omitempty"`
	Value any    `json:"value,omitempty"`
}

// Error is a SCIM error response (RFC 7644 §3.12).
type Error struct {
	Status   int
	ScimType string
	Detail   string
}

func (e *Error) Error() string {
	msg := "scim: " + strconv.Itoa(e.Status) + " " + http.StatusText(e.Status)
	if e.ScimType != "" {
		msg += " (" + e.ScimType + ")"
	}
	if e.Detail != "" {
		msg += ": " + e.Detail
	}
	return msg
}

// client is a typed SCIM 2.0 client over net/http.
type client struct {
	http    *http.Client
	baseURL string
	auth    func(*http.Request)
	// tracking is sent as X-Tracking-Number.
	tracking string
}

// find returns the resources at path matching filter (RFC 7644 §3.4.2.2).
func (c *client) find(ctx context.Context, path, filter string) ([]resource, error) {
	q := url.Values{"filter": {filter}, "count": {"2"}}
	var list struct {
		TotalResults int        `json:"totalResults"`
		Resources    []resource `json:"Resources"`
	}
	if err := c.do(ctx, http.MethodGet, path+"?"+q.Encode(), nil, &list); err != nil {
		return nil, err
	}
	return list.Resources, nil
}

func (c *client) get(ctx context.Context, path, id string) (resource, error) {
	var r resource
	err := c.do(ctx, http.MethodGet, path+"/"+url.PathEscape(id), nil, &r)
	return r, err
}

func (c *client) create(ctx context.Context, path string, r resource) (resource, error) {
	var out resource
	err := c.do(ctx, http.MethodPost, path, r, &out)
	return out, err
}

func (c *client) patch(ctx context.Context, path, id string, ops ...patchOp) error {
	body := map[string]any{"schemas": []string{schemaPatchOp}, "Operations": ops}
	return c.do(ctx, http.MethodPatch, path+"/"+url.PathEscape(id), body, nil)
}

func (c *client) delete(ctx context.Context, path, id string) error {
	return c.do(ctx, http.MethodDelete, path+"/"+url.PathEscape(id), nil, nil)
}

// do sends a request and decodes a 2xx answer into out; other answers become *Error.
func (c *client) do(ctx context.Context, method, path string, body, out any) error {
	var reader io.Reader = http.NoBody
	if body != nil {
		data, err := json.Marshal(body)
		if err != nil {
			return err
		}
		reader = bytes.NewReader(data)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.baseURL+path, reader)
	if err != nil {
		return err
	}
	req.Header.Set("Accept", mediaType)
	if body != nil {
		req.Header.Set("Content-Type", mediaType)
	}
	if c.tracking != "" {
		req.Header.Set("X-Tracking-Number", c.tracking)
	}
	c.auth(req)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 4<<20))
	if err != nil {
		return err
	}
	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return decodeError(resp.StatusCode, data)
	}
	if out == nil || resp.StatusCode == http.StatusNoContent || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("scim: %s %s: undecodable answer: %w", method, path, err)
	}
	return nil
}

// decodeError reads a SCIM error body; its status is a string by the RFC, a number by some
// servers.
func decodeError(status int, data []byte) *Error {
	e := &Error{Status: status}
	var body struct {
		ScimType string `json:"scimType"`
		Detail   string `json:"detail"`
	}
	if json.Unmarshal(data, &body) == nil {
		e.ScimType, e.Detail = body.ScimType, body.Detail
	} else if text := strings.TrimSpace(string(data)); text != "" && len(text) < 200 {
		e.Detail = text
	}
	return e
}

// isStatus reports whether err is a SCIM answer with one of the statuses.
func isStatus(err error, statuses ...int) bool {
	var e *Error
	if !errors.As(err, &e) {
		return false
	}
	for _, s := range statuses {
		if e.Status == s {
			return true
		}
	}
	return false
}

// eqFilter is `attr eq "value"`, value quoted as a JSON string as RFC 7644 §3.4.2.2 requires.
func eqFilter(attr, value string) string {
	quoted, _ := json.Marshal(value)
	return attr + " eq " + string(quoted)
}
