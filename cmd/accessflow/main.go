// Command accessflow runs the whole suite in one process (the embedded default) and hosts its
// administrative subcommands:
//
//	accessflow [serve] [flags]   run all four services and the REST gateway
//	accessflow migrate [flags]   create or upgrade every service's store, then exit
//	accessflow token [flags]     print an access token (every scope, or --scopes "a b")
//	accessflow client …          manage OAuth2 clients (create, list, delete)
//	accessflow version           print the module version and VCS revision
//	accessflow help [command]    list the commands, or show a command's flags
//
// Each command takes only its own flags (`accessflow <command> --help`); every flag also reads
// ACCESSFLOW_<FLAG> (dashes become underscores); see docs/configuration.md.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() { os.Exit(mainCode()) }

func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stdout, os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "accessflow: %v\n", err)
		return 1
	}
	return 0
}
