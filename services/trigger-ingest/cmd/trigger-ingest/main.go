// Command trigger-ingest runs the trigger-ingest service alone. Flags: `trigger-ingest -h`; each also reads ACCESSFLOW_<FLAG>.
package main

import (
	"os"

	"github.com/accessflow/accessflow/pkg/service"
	triggeringest "github.com/accessflow/accessflow/services/trigger-ingest"
)

func main() {
	os.Exit(service.Main(triggeringest.Spec(), triggeringest.DefaultGRPCAddr))
}
