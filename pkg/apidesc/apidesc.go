// Package apidesc walks the Accessflow RPCs compiled into the binary, for the mechanisms that
// read what each RPC declares in its proto (auth rules, HTTP success statuses, audit options)
// and for the tests that enumerate every RPC.
package apidesc

import (
	"iter"
	"strings"

	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"
)

// Methods yields every RPC of every registered accessflow.* proto package.
func Methods() iter.Seq[protoreflect.MethodDescriptor] {
	return func(yield func(protoreflect.MethodDescriptor) bool) {
		protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
			if !strings.HasPrefix(string(fd.Package()), "accessflow.") {
				return true
			}
			for i := range fd.Services().Len() {
				methods := fd.Services().Get(i).Methods()
				for j := range methods.Len() {
					if !yield(methods.Get(j)) {
						return false
					}
				}
			}
			return true
		})
	}
}

// FullMethod is the gRPC name of md: "/accessflow.policy.v1.SourceService/GetSource".
func FullMethod(md protoreflect.MethodDescriptor) string {
	return "/" + string(md.Parent().FullName()) + "/" + string(md.Name())
}
