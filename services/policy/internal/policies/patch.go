package policies

import (
	"encoding/json"
	"errors"
	"fmt"

	jsonpatch "github.com/evanphx/json-patch/v5"
	"google.golang.org/protobuf/encoding/protojson"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
)

// maxPatchCopyBytes bounds how much "copy" operations may grow a policy document.
const maxPatchCopyBytes = 1 << 20

// patchOperation is the JSON form of one operation, as jsonpatch decodes it.
type patchOperation struct {
	Op    string          `json:"op"`
	Path  string          `json:"path"`
	Value json.RawMessage `json:"value,omitempty"`
	From  string          `json:"from,omitempty"`
}

// decodePatch turns the request's operations into a JSON Patch. A value is sent only when the
// operation carries one: JSON null is a value, an absent value is not.
func decodePatch(ops []*policyv1.JsonPatchOperation) (jsonpatch.Patch, error) {
	raw := make([]patchOperation, len(ops))
	for i, op := range ops {
		raw[i] = patchOperation{Op: op.GetOp(), Path: op.GetPath(), From: op.GetFrom()}
		// RFC 6902 §4: add, replace and test carry a value, move and copy a from. Checked here
		// because the library dereferences a missing value (a panic, found by FuzzPatch).
		switch op.GetOp() {
		case "add", "replace", "test":
			if op.GetValue() == nil {
				return nil, apierror.InvalidField(fmt.Sprintf("operations[%d].value", i), "%s needs a value", op.GetOp())
			}
		case "move", "copy":
			if op.GetFrom() == "" {
				return nil, apierror.InvalidField(fmt.Sprintf("operations[%d].from", i), "%s needs a from", op.GetOp())
			}
		}
		if op.GetValue() != nil {
			v, err := protojson.Marshal(op.GetValue())
			if err != nil {
				return nil, apierror.InvalidField(fmt.Sprintf("operations[%d].value", i), "%v", err)
			}
			raw[i].Value = v
		}
	}
	b, err := json.Marshal(raw)
	if err != nil {
		return nil, fmt.Errorf("encode json patch: %w", err)
	}
	patch, err := jsonpatch.DecodePatch(b)
	if err != nil {
		return nil, apierror.InvalidField("operations", "%v", err)
	}
	return patch, nil
}

// applyPatch applies patch to the JSON form of p (the one GET returns, zero values
// included, so that every documented path exists) and decodes the result strictly: a field
// the policy does not have is an error, not silently dropped. Operations apply one at a time
// so that an error names the operation that failed.
func applyPatch(p *policyv1.ProvisioningPolicy, patch jsonpatch.Patch) (*policyv1.ProvisioningPolicy, error) {
	doc, err := protojson.MarshalOptions{EmitDefaultValues: true}.Marshal(p)
	if err != nil {
		return nil, fmt.Errorf("encode provisioning policy: %w", err)
	}
	opts := jsonpatch.NewApplyOptions()
	opts.SupportNegativeIndices = false // RFC 6902 has none
	opts.AccumulatedCopySizeLimit = maxPatchCopyBytes
	for i, op := range patch {
		doc, err = jsonpatch.Patch{op}.ApplyWithOptions(doc, opts)
		if errors.Is(err, jsonpatch.ErrTestFailed) {
			return nil, fmt.Errorf("operations[%d]: %w: %w", i, err, storage.ErrPreconditionFailed)
		}
		if err != nil {
			return nil, apierror.InvalidField(fmt.Sprintf("operations[%d]", i), "%s: %v", op.Kind(), err)
		}
	}
	next := &policyv1.ProvisioningPolicy{}
	if err := protojson.Unmarshal(doc, next); err != nil {
		return nil, apierror.InvalidField("operations", "the patched document is not a provisioning policy: %v", err)
	}
	return next, nil
}
