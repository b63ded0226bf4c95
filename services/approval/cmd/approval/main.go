// Command approval runs the approval service alone. Flags: `approval -h`; each also reads ACCESSFLOW_<FLAG>.
package main

import (
	"os"

	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/services/approval"
)

func main() {
	os.Exit(service.Main(approval.Spec(), approval.DefaultGRPCAddr))
}
