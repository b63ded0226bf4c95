package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"
	"google.golang.org/protobuf/types/known/timestamppb"

	auditv1 "github.com/accessflow/accessflow/api/accessflow/audit/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Service serves accessflow.audit.v1.AuditService from one service's log.
type Service struct {
	auditv1.UnimplementedAuditServiceServer
	backend storage.Backend
	name    string
}

// NewService returns the reader of the log of the service called name.
func NewService(backend storage.Backend, name string) *Service {
	return &Service{backend: backend, name: name}
}

// ListAuditEvents pages through the log, newest first.
func (s *Service) ListAuditEvents(ctx context.Context, req *auditv1.ListAuditEventsRequest) (*auditv1.ListAuditEventsResponse, error) {
	var (
		where []string
		args  []any
	)
	add := func(clause string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(clause, len(args)))
	}
	if req.GetActor() != "" {
		add("actor = $%d", req.GetActor())
	}
	if req.GetTrackingNumber() != "" {
		add("tracking_number = $%d", req.GetTrackingNumber())
	}
	if req.GetTarget() != "" {
		add("target = $%d", req.GetTarget())
	}
	if req.GetSince() != nil {
		add("time_us >= $%d", req.GetSince().AsTime().UnixMicro())
	}
	query := `SELECT id, time_us, method, actor, client_id, tracking_number, target, outcome, request, result FROM audit_events`
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	page := collection.NewPage(req.Limit, req.GetOffset()) //nolint:protogetter // presence of limit matters
	args = append(args, page.Limit, page.Offset)
	query += fmt.Sprintf(" ORDER BY time_us DESC, id LIMIT $%d OFFSET $%d", len(args)-1, len(args))
	rows, err := s.backend.DB().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list audit events: %w", err)
	}
	defer rows.Close()
	out := &auditv1.ListAuditEventsResponse{}
	for rows.Next() {
		var (
			e               auditv1.AuditEvent
			timeUS          int64
			request, result string
		)
		if err := rows.Scan(&e.Id, &timeUS, &e.Method, &e.Actor, &e.ClientId, &e.TrackingNumber, &e.Target, &e.Outcome, &request, &result); err != nil {
			return nil, fmt.Errorf("list audit events: %w", err)
		}
		e.Time = timestamppb.New(time.UnixMicro(timeUS))
		e.Service = s.name
		e.Request, e.Result = toStruct(request), toStruct(result)
		out.Events = append(out.Events, &e)
	}
	return out, rows.Err()
}

func toStruct(doc string) *structpb.Struct {
	s := &structpb.Struct{}
	if err := protojson.Unmarshal([]byte(doc), s); err != nil {
		return &structpb.Struct{}
	}
	return s
}
