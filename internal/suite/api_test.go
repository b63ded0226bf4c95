package suite_test

import (
	"strings"
	"testing"

	"google.golang.org/protobuf/proto"
	"google.golang.org/protobuf/reflect/protoreflect"
	"google.golang.org/protobuf/reflect/protoregistry"

	typev1 "github.com/accessflow/accessflow/api/accessflow/type/v1"
)

// TestEveryRPCDeclaresWhoMayCallIt keeps the promise that no endpoint can be left unprotected:
// every Accessflow RPC names its scopes, or says that it authenticates its caller another way.
func TestEveryRPCDeclaresWhoMayCallIt(t *testing.T) {
	seen := 0
	protoregistry.GlobalFiles.RangeFiles(func(fd protoreflect.FileDescriptor) bool {
		if !strings.HasPrefix(string(fd.Package()), "accessflow.") {
			return true
		}
		for i := range fd.Services().Len() {
			sd := fd.Services().Get(i)
			for j := range sd.Methods().Len() {
				md := sd.Methods().Get(j)
				seen++
				rule, _ := proto.GetExtension(md.Options(), typev1.E_Auth).(*typev1.AuthRule)
				if len(rule.GetScopes()) == 0 && !rule.GetAuthenticatedOtherwise() {
					t.Errorf("%s declares no (accessflow.type.v1.auth) scopes", md.FullName())
				}
			}
		}
		return true
	})
	if seen == 0 {
		t.Fatal("no Accessflow RPC is registered: the test checked nothing")
	}
}
