package suite_test

import "testing"

// TestEveryRPCDeclaresWhoMayCallIt keeps the promise that no endpoint can be left unprotected:
// every Accessflow RPC names its scopes, or says that it authenticates its caller another way.
func TestEveryRPCDeclaresWhoMayCallIt(t *testing.T) {
	for _, rpc := range registeredRPCs(t) { // fails itself when no RPC is registered
		if len(rpc.rule.GetScopes()) == 0 && !rpc.rule.GetAuthenticatedOtherwise() {
			t.Errorf("%s declares no (accessflow.type.v1.auth) scopes", rpc.method.FullName())
		}
	}
}
