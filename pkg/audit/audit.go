// Package audit keeps every service's append-only audit log: one interceptor records each
// authenticated call that changes state or decides something — who, what, when, about which
// object, the outcome, the trackingNumber, and the request and result with secrets redacted —
// and AuditService reads it back.
package audit

import (
	"context"
	"embed"
	"fmt"
	"io/fs"
	"strings"
	"time"

	"google.golang.org/genproto/googleapis/api/annotations"
	"google.golang.org/grpc"
	"google.golang.org/grpc/status"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
	"github.com/accessflow/accessflow/pkg/apidesc"
	"github.com/accessflow/accessflow/pkg/auth"
	"github.com/accessflow/accessflow/pkg/ids"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/tracking"
)

//go:embed migrations
var migrationsFS embed.FS

// Migrations returns the audit log's migrations for a backend (platform migrations: every
// service runs them).
func Migrations(backend string) (fs.FS, error) { return storage.MigrationsFor(migrationsFS, backend) }

// Recorder writes audit events to a service's store.
type Recorder struct {
	backend   storage.Backend
	mutating  map[string]bool
	now       func() time.Time
	onFailure func(ctx context.Context, err error)
}

// NewRecorder returns a recorder on backend. onFailure hears about events that could not be
// written (the call itself has already happened).
func NewRecorder(backend storage.Backend, onFailure func(context.Context, error)) *Recorder {
	return &Recorder{backend: backend, mutating: mutatingMethods(), now: time.Now, onFailure: onFailure}
}

// UnaryServerInterceptor records every authenticated call of a mutating RPC, whatever its
// outcome. It runs after authentication, so anonymous noise does not fill the log.
func (r *Recorder) UnaryServerInterceptor() grpc.UnaryServerInterceptor {
	return func(ctx context.Context, req any, info *grpc.UnaryServerInfo, handler grpc.UnaryHandler) (any, error) {
		resp, err := handler(ctx, req)
		if !r.mutating[info.FullMethod] {
			return resp, err
		}
		claims, ok := auth.FromContext(ctx)
		if !ok {
			return resp, err
		}
		if werr := r.record(context.WithoutCancel(ctx), info.FullMethod, claims, req, resp, err); werr != nil && r.onFailure != nil {
			r.onFailure(ctx, werr)
		}
		return resp, err
	}
}

func (r *Recorder) record(ctx context.Context, method string, claims *auth.Claims, req, resp any, callErr error) error {
	n, _ := tracking.FromContext(ctx)
	reqMsg, _ := req.(proto.Message)
	respMsg, _ := resp.(proto.Message)
	outcome, result := "OK", "{}"
	if callErr != nil {
		outcome, respMsg = status.Code(callErr).String(), nil
	} else if respMsg != nil {
		result = redactedJSON(respMsg)
	}
	return r.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		_, err := tx.Exec(ctx, `INSERT INTO audit_events (id, time_us, method, actor, client_id, tracking_number, target, outcome, request, result)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)`,
			ids.New(), r.now().UnixMicro(), method, claims.Subject, claims.ClientID, n.String(), targetOf(reqMsg, respMsg), outcome,
			redactedJSON(reqMsg), result)
		if err != nil {
			return fmt.Errorf("record audit event: %w", err)
		}
		return nil
	})
}

// mutatingMethods are the RPCs that change state or decide: those bound to POST, PUT, PATCH or
// DELETE, and unbound ones whose names do not read (Get…, List…, Check…, Validate…), except
// those marked (accessflow.type.v1.audit).operational.
func mutatingMethods() map[string]bool {
	out := map[string]bool{}
	for md := range apidesc.Methods() {
		out[apidesc.FullMethod(md)] = isMutating(md)
	}
	return out
}

func isMutating(md protoreflect.MethodDescriptor) bool {
	if opts, ok := proto.GetExtension(md.Options(), typev1.E_Audit).(*typev1.AuditOptions); ok && opts.GetOperational() {
		return false
	}
	if rule, ok := proto.GetExtension(md.Options(), annotations.E_Http).(*annotations.HttpRule); ok && rule != nil {
		return rule.GetGet() == ""
	}
	name := string(md.Name())
	for _, reader := range []string{"Get", "List", "Check", "Validate"} {
		if strings.HasPrefix(name, reader) {
			return false
		}
	}
	return true
}

// targetOf names the object a call is about: the request's id (or source_id, …), else, for a
// create, the id of the object in the response.
func targetOf(req, resp proto.Message) string {
	if t := idOf(req, 1); t != "" {
		return t
	}
	return idOf(resp, 1)
}

// idOf finds an id field in m or, up to depth levels down, in its message fields.
func idOf(m proto.Message, depth int) string {
	if m == nil {
		return ""
	}
	pm := m.ProtoReflect()
	fields := pm.Descriptor().Fields()
	for _, name := range []protoreflect.Name{"id", "source_id", "subscription_id", "approval_id", "flow_id"} {
		if fd := fields.ByName(name); fd != nil && fd.Kind() == protoreflect.StringKind && !fd.IsList() {
			if v := pm.Get(fd).String(); v != "" {
				return v
			}
		}
	}
	if depth == 0 {
		return ""
	}
	for i := range fields.Len() {
		fd := fields.Get(i)
		if fd.Kind() == protoreflect.MessageKind && !fd.IsList() && !fd.IsMap() && pm.Has(fd) {
			if v := idOf(pm.Get(fd).Message().Interface(), depth-1); v != "" {
				return v
			}
		}
	}
	return ""
}

// redactedJSON is m as JSON with secrets replaced (see Redact).
func redactedJSON(m proto.Message) string {
	if m == nil {
		return "{}"
	}
	b, err := protojson.Marshal(Redact(m))
	if err != nil {
		return "{}"
	}
	return string(b)
}
