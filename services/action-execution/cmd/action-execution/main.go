// Command action-execution runs the action-execution service alone. Flags: `action-execution -h`; each also reads ACCESSFLOW_<FLAG>.
package main

import (
	"os"

	"github.com/accessflow/accessflow/pkg/service"
	actionexecution "github.com/accessflow/accessflow/services/action-execution"
)

func main() {
	os.Exit(service.Main(actionexecution.Spec(), actionexecution.DefaultGRPCAddr))
}
