// Package triggers implements accessflow.trigger.v1.TriggerService: the catalogue of event
// triggers, served from the static catalogue the service ships.
package triggers

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"

	"google.golang.org/grpc"
	"google.golang.org/grpc/metadata"
	"google.golang.org/protobuf/encoding/protojson"
	"google.golang.org/protobuf/types/known/structpb"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
)

// FilterFields are the fields and operators ListTriggers accepts.
var FilterFields = collection.Allowed{"id": {collection.OpEq, collection.OpGe, collection.OpLe}}

// Service serves TriggerService from a catalogue.
type Service struct {
	triggerv1.UnimplementedTriggerServiceServer

	list []*triggerv1.Trigger // sorted by id
}

// New returns the service; it converts the catalogue once.
func New(cat *catalogue.Catalogue) (*Service, error) {
	s := &Service{}
	list := cat.List()
	for i := range list {
		pb, err := ToProto(&list[i])
		if err != nil {
			return nil, err
		}
		s.list = append(s.list, pb)
	}
	return s, nil
}

// ToProto converts a catalogue trigger to its API form.
func ToProto(t *catalogue.Trigger) (*triggerv1.Trigger, error) {
	pb := &triggerv1.Trigger{
		Id: t.ID, Name: t.Name, Type: string(t.Type), Description: t.Description, InputSchema: t.InputSchema,
	}
	var err error
	if pb.ExampleInput, err = value(t.ExampleInput); err != nil {
		return nil, fmt.Errorf("trigger %s example input: %w", t.ID, err)
	}
	if t.OutputSchema != "" {
		pb.OutputSchema = &t.OutputSchema
	}
	if len(t.ExampleOutput) > 0 {
		if pb.ExampleOutput, err = value(t.ExampleOutput); err != nil {
			return nil, fmt.Errorf("trigger %s example output: %w", t.ID, err)
		}
	}
	return pb, nil
}

func value(raw json.RawMessage) (*structpb.Value, error) {
	v := &structpb.Value{}
	if err := protojson.Unmarshal(raw, v); err != nil {
		return nil, err
	}
	return v, nil
}

// ListTriggers returns a page of the catalogue, ordered by id.
func (s *Service) ListTriggers(ctx context.Context, req *triggerv1.ListTriggersRequest) (*triggerv1.ListTriggersResponse, error) {
	conds, err := collection.ParseFilters(req.GetFilters(), FilterFields)
	if err != nil {
		return nil, err
	}
	var matched []*triggerv1.Trigger
	for _, t := range s.list {
		if matches(t.GetId(), conds) {
			matched = append(matched, t)
		}
	}
	if req.GetCount() {
		if err := grpc.SetHeader(ctx, metadata.Pairs(collection.TotalCountHeader, strconv.Itoa(len(matched)))); err != nil {
			return nil, err
		}
	}
	page := collection.NewPage(req.Limit, req.GetOffset())
	lo := min(page.Offset, len(matched))
	hi := min(lo+page.Limit, len(matched))
	return &triggerv1.ListTriggersResponse{Triggers: matched[lo:hi]}, nil
}

func matches(id string, conds []collection.Condition) bool {
	for _, c := range conds {
		v := fmt.Sprint(c.Values[0])
		switch c.Op {
		case collection.OpEq:
			if id != v {
				return false
			}
		case collection.OpGe:
			if id < v {
				return false
			}
		case collection.OpLe:
			if id > v {
				return false
			}
		}
	}
	return true
}
