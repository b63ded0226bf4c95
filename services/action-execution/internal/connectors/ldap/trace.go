package ldap

import (
	"context"
	"errors"
	"strconv"

	goldap "github.com/go-ldap/ldap/v3"
	"go.opentelemetry.io/otel/attribute"
	"go.opentelemetry.io/otel/trace"

	"github.com/accessflow/accessflow/services/action-execution/internal/connector"
)

// Span attributes of LDAP operations (OpenTelemetry has no LDAP conventions; these follow its
// naming). No value, filter or password is recorded: entries carry personal data.
const (
	attrOperation  = attribute.Key("ldap.operation")
	attrSpanDN     = attribute.Key("ldap.dn")
	attrEntries    = attribute.Key("ldap.search.entries")
	attrResultCode = attribute.Key("ldap.result_code")
)

// tracedConn is the bound connection the operations use: each LDAP request is a client span,
// a child of the script's job span.
type tracedConn struct {
	ctx  context.Context
	conn *goldap.Conn
	host string
	port int
}

func newTracedConn(ctx context.Context, conn *goldap.Conn, cfg *config) *tracedConn {
	return &tracedConn{ctx: ctx, conn: conn, host: cfg.url.Hostname(), port: port(cfg)}
}

// port is the endpoint's port, or LDAP's default for its scheme.
func port(cfg *config) int {
	if p, err := strconv.Atoi(cfg.url.Port()); err == nil {
		return p
	}
	if cfg.url.Scheme == "ldaps" {
		return 636
	}
	return 389
}

// do runs one LDAP operation on dn in a span.
func (c *tracedConn) do(op, dn string, fn func(span trace.Span) error) error {
	return connector.Traced(c.ctx, connector.Call{
		Name: "LDAP " + op, Host: c.host, Port: c.port,
		Attributes: []attribute.KeyValue{attrOperation.String(op), attrSpanDN.String(dn)},
		ErrorType:  resultName,
	}, func(ctx context.Context) error { return fn(trace.SpanFromContext(ctx)) })
}

// resultName names an LDAP error by its result code (e.g. "No Such Object"), and records the
// code on the span.
func resultName(err error) string {
	var ldapErr *goldap.Error
	if errors.As(err, &ldapErr) {
		if name, ok := goldap.LDAPResultCodeMap[ldapErr.ResultCode]; ok {
			return name
		}
		return strconv.Itoa(int(ldapErr.ResultCode))
	}
	return "_OTHER"
}

func withCode(span trace.Span, err error) error {
	var ldapErr *goldap.Error
	if errors.As(err, &ldapErr) {
		span.SetAttributes(attrResultCode.Int(int(ldapErr.ResultCode)))
	}
	return err
}

func (c *tracedConn) Bind(dn, password string) error {
	return c.do("bind", dn, func(s trace.Span) error { return withCode(s, c.conn.Bind(dn, password)) })
}

func (c *tracedConn) Search(r *goldap.SearchRequest) (*goldap.SearchResult, error) {
	var res *goldap.SearchResult
	err := c.do("search", r.BaseDN, func(s trace.Span) error {
		var err error
		res, err = c.conn.Search(r)
		if res != nil {
			s.SetAttributes(attrEntries.Int(len(res.Entries)))
		}
		return withCode(s, err)
	})
	return res, err
}

func (c *tracedConn) Add(r *goldap.AddRequest) error {
	return c.do("add", r.DN, func(s trace.Span) error { return withCode(s, c.conn.Add(r)) })
}

func (c *tracedConn) Modify(r *goldap.ModifyRequest) error {
	return c.do("modify", r.DN, func(s trace.Span) error { return withCode(s, c.conn.Modify(r)) })
}

func (c *tracedConn) Del(r *goldap.DelRequest) error {
	return c.do("delete", r.DN, func(s trace.Span) error { return withCode(s, c.conn.Del(r)) })
}

func (c *tracedConn) Compare(dn, attr, value string) (bool, error) {
	var equal bool
	err := c.do("compare", dn, func(s trace.Span) error {
		var err error
		equal, err = c.conn.Compare(dn, attr, value)
		return withCode(s, err)
	})
	return equal, err
}

func (c *tracedConn) PasswordModify(r *goldap.PasswordModifyRequest) (*goldap.PasswordModifyResult, error) {
	var res *goldap.PasswordModifyResult
	err := c.do("password_modify", r.UserIdentity, func(s trace.Span) error {
		var err error
		res, err = c.conn.PasswordModify(r)
		return withCode(s, err)
	})
	return res, err
}
