package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/peterbourgon/ff/v3"

	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/version"
)

const usage = `usage: accessflow [serve|migrate|version] [flags]

  serve    run all four services and the REST gateway in one process (default)
  migrate  create or upgrade every service's store, then exit
  token    print an access token signed with the data dir's keys (--scopes to limit it)
  client   manage OAuth2 clients: create --name N --scopes "a b", list, delete --id ID
  tracking show <trackingNumber>: the timeline of one trackingNumber across every service
  version  print the version

Run "accessflow serve -h" for the flags; each also reads ACCESSFLOW_<FLAG>.
`

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	cmd := "serve"
	if len(args) > 0 && !strings.HasPrefix(args[0], "-") {
		cmd, args = args[0], args[1:]
	}
	switch cmd {
	case "serve":
		return serve(ctx, args, stderr)
	case "migrate":
		return migrate(ctx, args, stderr)
	case "token":
		return token(args, stdout, stderr)
	case "client":
		return client(ctx, args, stdout, stderr)
	case "tracking":
		return trackingCmd(ctx, args, stdout, stderr)
	case "version":
		_, err := fmt.Fprintln(stdout, version.String())
		return err
	case "help":
		_, err := io.WriteString(stdout, usage)
		return err
	default:
		_, _ = io.WriteString(stderr, usage)
		return fmt.Errorf("unknown command %q", cmd)
	}
}

// parseFlags binds the all-in-one's flags and parses args and the environment.
func parseFlags(name string, args []string, stderr io.Writer) (suite.Config, error) {
	cfg := suite.DefaultConfig()
	fs := flag.NewFlagSet("accessflow "+name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	cfg.Bind(fs)
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix(service.EnvPrefix)); err != nil {
		return cfg, err
	}
	if fs.NArg() > 0 {
		return cfg, fmt.Errorf("unexpected arguments: %s", strings.Join(fs.Args(), " "))
	}
	return cfg, nil
}

// withProcess parses the all-in-one's flags, starts the process's logger and telemetry, and
// runs fn with them, flushing telemetry afterwards.
func withProcess(ctx context.Context, name string, args []string, stderr io.Writer, fn func(suite.Config, *service.Process) error) error {
	cfg, err := parseFlags(name, args, stderr)
	if err != nil {
		return err
	}
	proc, err := service.StartProcess(ctx, "accessflow", cfg.Service, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = proc.Shutdown(ctx) }()
	return fn(cfg, proc)
}

func serve(ctx context.Context, args []string, stderr io.Writer) error {
	return withProcess(ctx, "serve", args, stderr, func(cfg suite.Config, proc *service.Process) error {
		s, err := suite.Open(ctx, cfg, proc)
		if err != nil {
			return err
		}
		return s.Run(ctx)
	})
}

func migrate(ctx context.Context, args []string, stderr io.Writer) error {
	return withProcess(ctx, "migrate", args, stderr, func(cfg suite.Config, proc *service.Process) error {
		for _, spec := range cfg.Specs {
			backend, err := service.OpenBackend(ctx, spec, cfg.Service, proc.Logger)
			if err != nil {
				return err
			}
			if err := backend.Close(); err != nil {
				return err
			}
			proc.Logger.Info("migrated", "service", spec.Name, "store", backend.Name())
		}
		return nil
	})
}
