package audit

import (
	"regexp"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/types/known/structpb"
)

// Redacted replaces secret values.
const Redacted = "[REDACTED]"

// secretName matches field and JSON keys that hold secrets, whatever the proto says: defence in
// depth for free-form JSON (connector attributes, auth configs).
var secretName = regexp.MustCompile(`(?i)(secret|password|passwd|token|credential|private_?key|api_?key|authorization)`)

// Redact returns a copy of m with every secret replaced by Redacted: fields marked
// [debug_redact = true] in the proto, fields whose names say they hold secrets, and such keys
// inside google.protobuf.Struct values.
func Redact(m proto.Message) proto.Message {
	c := proto.Clone(m)
	redact(c.ProtoReflect(), 0)
	return c
}

const maxRedactDepth = 64

func redact(m protoreflect.Message, depth int) {
	if depth > maxRedactDepth {
		return
	}
	if s, ok := m.Interface().(*structpb.Struct); ok {
		redactStruct(s, depth)
		return
	}
	m.Range(func(fd protoreflect.FieldDescriptor, v protoreflect.Value) bool {
		secret := fd.Options() != nil && isDebugRedact(fd) || secretName.MatchString(string(fd.Name()))
		switch {
		case secret && fd.Kind() == protoreflect.StringKind && !fd.IsList() && !fd.IsMap():
			if v.String() != "" {
				m.Set(fd, protoreflect.ValueOfString(Redacted))
			}
		case secret:
			m.Clear(fd)
		case fd.Kind() == protoreflect.MessageKind || fd.Kind() == protoreflect.GroupKind:
			switch {
			case fd.IsList():
				for i := range v.List().Len() {
					redact(v.List().Get(i).Message(), depth+1)
				}
			case fd.IsMap():
				v.Map().Range(func(_ protoreflect.MapKey, mv protoreflect.Value) bool {
					if fd.MapValue().Kind() == protoreflect.MessageKind {
						redact(mv.Message(), depth+1)
					}
					return true
				})
			default:
				redact(v.Message(), depth+1)
			}
		}
		return true
	})
}

func isDebugRedact(fd protoreflect.FieldDescriptor) bool {
	type redactable interface{ GetDebugRedact() bool }
	if o, ok := fd.Options().(redactable); ok {
		return o.GetDebugRedact()
	}
	return false
}

func redactStruct(s *structpb.Struct, depth int) {
	for k, v := range s.GetFields() {
		if secretName.MatchString(k) {
			s.Fields[k] = structpb.NewStringValue(Redacted)
			continue
		}
		redactValue(v, depth+1)
	}
}

func redactValue(v *structpb.Value, depth int) {
	if depth > maxRedactDepth {
		return
	}
	switch k := v.GetKind().(type) {
	case *structpb.Value_StructValue:
		redactStruct(k.StructValue, depth)
	case *structpb.Value_ListValue:
		for _, e := range k.ListValue.GetValues() {
			redactValue(e, depth+1)
		}
	}
}
