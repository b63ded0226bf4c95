package policies_test

import (
	"testing"

	"go.uber.org/goleak"
)

// The service runs River's workers and the gRPC server; nothing may outlive a test.
func TestMain(m *testing.M) { goleak.VerifyTestMain(m) }
