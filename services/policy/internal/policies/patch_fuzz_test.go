package policies

import (
	"encoding/json"
	"errors"
	"testing"

	"google.golang.org/protobuf/encoding/protojson"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/storage"
)

// FuzzPatch throws arbitrary JSON Patch documents at a stored policy: decoding and applying
// must never panic, and every failure must be a client error (invalid argument or a failed
// test operation), never an internal one.
func FuzzPatch(f *testing.F) {
	for _, seed := range []string{
		`[{"op":"replace","path":"/name","value":"x"}]`,
		`[{"op":"add","path":"/fields/-","value":{"name":"mail","type":"string"}}]`,
		`[{"op":"remove","path":"/fields/0"}]`,
		`[{"op":"copy","from":"/fields","path":"/fields/0/attributes/x"}]`,
		`[{"op":"move","from":"/name","path":"/description"}]`,
		`[{"op":"test","path":"/usageType","value":"UPDATE"}]`,
		`[{"op":"replace","path":"/fields/0/transform","value":{"type":"static","attributes":{"value":"$x"}}}]`,
		`[{"op":"explode","path":"/../../etc"}]`,
		`[{"op":"replace","path":"/fields/99999999999999999999","value":1}]`,
	} {
		f.Add(seed)
	}
	base := &policyv1.ProvisioningPolicy{}
	if err := protojson.Unmarshal([]byte(`{"name":"p","usageType":"CREATE","fields":[
		{"name":"userName","transform":{"type":"static","attributes":{"value":"$firstname"}},"attributes":{"cloudMaxSize":"20"}}]}`), base); err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		var ops []*policyv1.JsonPatchOperation
		var raw []json.RawMessage
		if json.Unmarshal([]byte(doc), &raw) != nil || len(raw) > 64 {
			return
		}
		for _, r := range raw {
			op := &policyv1.JsonPatchOperation{}
			if protojson.Unmarshal(r, op) != nil {
				return
			}
			ops = append(ops, op)
		}
		patch, err := decodePatch(ops)
		if err != nil {
			if !errors.Is(err, apierror.ErrInvalidArgument) {
				t.Fatalf("decode: unexpected error kind: %v", err)
			}
			return
		}
		if _, err := applyPatch(base, patch); err != nil &&
			!errors.Is(err, apierror.ErrInvalidArgument) && !errors.Is(err, storage.ErrPreconditionFailed) {
			t.Fatalf("apply: unexpected error kind: %v", err)
		}
	})
}
