package subscriptions

import (
	"context"
	"encoding/json"
	"strings"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"google.golang.org/protobuf/encoding/protojson"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
)

// patchable are the top-level fields a JSON Patch may touch, as the reference API lists them
// (eventBridgeConfig aside: EventBridge is not supported).
var patchable = map[string]bool{
	"name": true, "description": true, "enabled": true, "type": true, "filter": true,
	"responseDeadline": true, "httpConfig": true, "workflowConfig": true,
}

// PatchSubscription applies an RFC 6902 JSON Patch to the subscription's API form (secrets
// null), then validates the result like a replace: all operations or none take effect.
func (s *Service) PatchSubscription(ctx context.Context, req *triggerv1.PatchSubscriptionRequest) (*triggerv1.PatchSubscriptionResponse, error) {
	patch, err := decodePatch(req.GetOperations())
	if err != nil {
		return nil, err
	}
	rec, err := s.replace(ctx, req.GetId(), func(prev *triggerv1.Subscription) (*triggerv1.Subscription, error) {
		doc, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(s.present(prev))
		if err != nil {
			return nil, err
		}
		patched, err := patch.Apply(doc)
		if err != nil {
			return nil, apierror.InvalidField("operations", "%v", err)
		}
		next := &triggerv1.Subscription{}
		if err := (protojson.UnmarshalOptions{DiscardUnknown: true}).Unmarshal(patched, next); err != nil {
			return nil, apierror.InvalidField("operations", "the patched subscription is malformed: %v", err)
		}
		return next, nil
	}, "subscription")
	if err != nil {
		return nil, err
	}
	return &triggerv1.PatchSubscriptionResponse{Subscription: s.present(rec.Sub)}, nil
}

// decodePatch checks every operation's paths against the patchable fields and builds the
// patch.
func decodePatch(ops []*triggerv1.JsonPatchOperation) (jsonpatch.Patch, error) {
	raw := make([]map[string]any, 0, len(ops))
	for i, op := range ops {
		for _, p := range []string{op.GetPath(), op.GetFrom()} {
			if p == "" && p == op.GetFrom() {
				continue
			}
			field, _, _ := strings.Cut(strings.TrimPrefix(p, "/"), "/")
			if !strings.HasPrefix(p, "/") || !patchable[field] {
				return nil, apierror.InvalidField("operations", "operation %d: %q cannot be patched (patchable: name, description, enabled, type, filter, responseDeadline, httpConfig, workflowConfig)", i, p)
			}
		}
		m := map[string]any{"op": op.GetOp(), "path": op.GetPath()}
		if op.GetFrom() != "" {
			m["from"] = op.GetFrom()
		}
		if op.GetValue() != nil {
			m["value"] = op.GetValue().AsInterface()
		} else if op.GetOp() == "add" || op.GetOp() == "replace" || op.GetOp() == "test" {
			return nil, apierror.InvalidField("operations", "operation %d: %s needs a value", i, op.GetOp())
		}
		raw = append(raw, m)
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, apierror.InvalidField("operations", "%v", err)
	}
	patch, err := jsonpatch.DecodePatch(b)
	if err != nil {
		return nil, apierror.InvalidField("operations", "%v", err)
	}
	return patch, nil
}
