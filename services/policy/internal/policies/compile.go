package policies

import (
	"errors"
	"fmt"
	"strings"
	"sync"

	"buf.build/gen/go/bufbuild/protovalidate/protocolbuffers/go/buf/validate"
	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/services/policy/internal/transform"
)

// fields converts a policy's fields to the transform engine's input.
func fields(p *policyv1.ProvisioningPolicy) []transform.Field {
	out := make([]transform.Field, len(p.GetFields()))
	for i, f := range p.GetFields() {
		out[i] = transform.Field{
			Name:          f.GetName(),
			Transform:     f.GetTransform().AsMap(),
			Attributes:    f.GetAttributes().AsMap(),
			IsRequired:    f.GetIsRequired(),
			Type:          f.GetType(),
			IsMultiValued: f.GetIsMultiValued(),
		}
	}
	return out
}

// compile compiles p, so that only policies that evaluate are ever stored. A compile error
// becomes a field violation of the request at prefix (e.g. "policy", "policies[2]") that
// names the policy field and the place inside it.
func compile(p *policyv1.ProvisioningPolicy, prefix string) (*transform.Program, error) {
	prog, err := transform.Compile(fields(p))
	if err == nil {
		return prog, nil
	}
	var fe *transform.FieldError
	if !errors.As(err, &fe) {
		return nil, fmt.Errorf("compile provisioning policy: %w", err)
	}
	path := prefix + "." + fe.Path // a field without a name: Path is "fields[i].name"
	if fe.Field != "" {
		path = fmt.Sprintf("%s.fields[%d]", prefix, fieldIndex(p, fe))
		if fe.Path != "" {
			path += "." + fe.Path
		}
	}
	return nil, apierror.InvalidField(path, "field %q: %v", fe.Field, fe.Err)
}

// fieldIndex locates the field a compile error is about: the second of two fields of the same
// name, else the first field of that name.
func fieldIndex(p *policyv1.ProvisioningPolicy, fe *transform.FieldError) int {
	first := -1
	for i, f := range p.GetFields() {
		if f.GetName() != fe.Field {
			continue
		}
		if first >= 0 && errors.Is(fe.Err, transform.ErrDuplicateField) {
			return i
		}
		if first < 0 {
			first = i
		}
	}
	return max(first, 0)
}

// normalize fills the defaults the reference API documents: a field's transform is {}.
func normalize(p *policyv1.ProvisioningPolicy) {
	for _, f := range p.GetFields() {
		if f.GetTransform() == nil {
			f.Transform = &structpb.Struct{}
		}
	}
}

// usageTypes lists the usage types, read once from the proto's validation rule so that the
// list lives in one place.
var usageTypes = sync.OnceValue(func() string {
	fd := (&policyv1.ProvisioningPolicy{}).ProtoReflect().Descriptor().Fields().ByName("usage_type")
	rules, _ := proto.GetExtension(fd.Options(), validate.E_Field).(*validate.FieldRules)
	return strings.Join(rules.GetString().GetIn(), ", ")
})

// withUsageType checks the usage type p carries against the one its request names (path):
// empty takes the path's, anything else must match it.
func withUsageType(p *policyv1.ProvisioningPolicy, path, field string) error {
	switch p.GetUsageType() {
	case "":
		p.UsageType = path
	case path:
	default:
		return apierror.InvalidField(field, "%q differs from the usage type %q the request path names; a policy's usage type cannot change", p.GetUsageType(), path)
	}
	return nil
}
