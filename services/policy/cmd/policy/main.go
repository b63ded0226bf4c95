// Command policy runs the policy service alone. Flags: `policy -h`; each also reads ACCESSFLOW_<FLAG>.
package main

import (
	"os"

	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/services/policy"
)

func main() {
	os.Exit(service.Main(policy.Spec(), policy.DefaultGRPCAddr))
}
