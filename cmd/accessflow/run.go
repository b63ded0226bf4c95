package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/peterbourgon/ff/v3"

	"github.com/accessflow/accessflow/internal/suite"
	"github.com/accessflow/accessflow/pkg/service"
	"github.com/accessflow/accessflow/pkg/version"
)

// command is one subcommand: its name, the line `accessflow --help` shows for it, and its
// body, which parses its own flags.
type command struct {
	name, summary string
	run           func(ctx context.Context, args []string, stdout, stderr io.Writer) error
}

func commands() []command {
	return []command{
		{"serve", "run the four services and the REST gateway in one process (the default command)", serve},
		{"migrate", "create or upgrade every service's store, then exit", migrate},
		{"token", "print an access token signed with the server's keys (--scopes to limit it)", token},
		{"client", "manage OAuth2 clients for the client credentials grant: create, list, delete", client},
		{"tracking", "print what every service recorded for a trackingNumber: tracking show <trackingNumber>", trackingCmd},
		{"version", "print the version and VCS revision this binary was built from", printVersion},
		{"help", "show this help, or a command's: accessflow help <command>", help},
	}
}

func usage(w io.Writer) {
	fmt.Fprint(w, `Accessflow: access provisioning as four gRPC services behind a REST gateway.

Usage:
  accessflow [command] [flags]

Commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-8s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
Run "accessflow <command> --help" for the command's flags. Every flag also reads
ACCESSFLOW_<FLAG>: --data-dir is ACCESSFLOW_DATA_DIR (see docs/configuration.md).
`)
}

func run(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		return serve(ctx, nil, stdout, stderr)
	}
	switch args[0] {
	case "-h", "-help", "--help":
		usage(stdout)
		return nil
	case "-version", "--version":
		return printVersion(ctx, args[1:], stdout, stderr)
	}
	if strings.HasPrefix(args[0], "-") { // flags only: serve with them
		return serve(ctx, args, stdout, stderr)
	}
	for _, c := range commands() {
		if c.name == args[0] {
			return c.run(ctx, args[1:], stdout, stderr)
		}
	}
	usage(stderr)
	return fmt.Errorf("unknown command %q", args[0])
}

func help(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		usage(stdout)
		return nil
	}
	for _, c := range commands() {
		if c.name == args[0] && c.name != "help" {
			return c.run(ctx, append(args[1:], "--help"), stdout, stderr)
		}
	}
	return fmt.Errorf("unknown command %q", args[0])
}

func printVersion(_ context.Context, args []string, stdout, _ io.Writer) error {
	fs := newFlagSet("version", "", "Print the version and VCS revision this binary was built from.")
	if err := parse(fs, args, stdout); err != nil {
		return err
	}
	_, err := fmt.Fprintf(stdout, "accessflow\n%s", version.Read())
	return err
}

// flagSet is a command's flags with the text of its --help.
type flagSet struct {
	*flag.FlagSet
	usage, summary string
}

func newFlagSet(name, usage, summary string) *flagSet {
	fs := flag.NewFlagSet("accessflow "+name, flag.ContinueOnError)
	fs.SetOutput(io.Discard) // parse reports errors and prints --help itself
	return &flagSet{FlagSet: fs, usage: strings.TrimSpace("accessflow " + name + " " + usage), summary: summary}
}

// parse parses args and the ACCESSFLOW_* environment into fs. --help prints the command's
// usage and its own flags on stdout and returns flag.ErrHelp.
func parse(fs *flagSet, args []string, stdout io.Writer) error {
	err := ff.Parse(fs.FlagSet, args, ff.WithEnvVarPrefix(service.EnvPrefix))
	if errors.Is(err, flag.ErrHelp) {
		fs.printUsage(stdout)
		return err
	}
	if err != nil {
		return fmt.Errorf("%w (run \"%s --help\" for its flags)", err, fs.Name())
	}
	if fs.NArg() > 0 {
		return fmt.Errorf("unexpected arguments: %s (run \"%s --help\" for its flags)", strings.Join(fs.Args(), " "), fs.Name())
	}
	return nil
}

func (fs *flagSet) printUsage(w io.Writer) {
	fmt.Fprintf(w, "Usage:\n  %s\n\n%s\n", fs.usage, fs.summary)
	n := 0
	fs.VisitAll(func(*flag.Flag) { n++ })
	if n == 0 {
		return
	}
	fmt.Fprint(w, "\nFlags (each also read from ACCESSFLOW_<FLAG>, e.g. --data-dir from ACCESSFLOW_DATA_DIR):\n")
	fs.SetOutput(w)
	fs.PrintDefaults()
	fs.SetOutput(io.Discard)
}

// bindOnly registers on fs the named flags among those bind registers: a command offers only
// the shared flags it uses.
func bindOnly(fs *flagSet, bind func(*flag.FlagSet), names ...string) {
	all := flag.NewFlagSet("", flag.ContinueOnError)
	bind(all)
	for _, name := range names {
		f := all.Lookup(name)
		if f == nil {
			panic("accessflow: no shared flag --" + name)
		}
		fs.Var(f.Value, f.Name, f.Usage)
	}
}

// parseSuiteFlags binds the all-in-one's flags (serve's, which migrate shares so that it runs
// with the same arguments and environment) and parses args and the environment.
func parseSuiteFlags(name, summary string, args []string, stdout io.Writer) (suite.Config, error) {
	cfg := suite.DefaultConfig()
	fs := newFlagSet(name, "[flags]", summary)
	cfg.Bind(fs.FlagSet)
	return cfg, parse(fs, args, stdout)
}

// withProcess parses the all-in-one's flags, starts the process's logger and telemetry, and
// runs fn with them, flushing telemetry afterwards.
func withProcess(ctx context.Context, name, summary string, args []string, stdout, stderr io.Writer, fn func(suite.Config, *service.Process) error) error {
	cfg, err := parseSuiteFlags(name, summary, args, stdout)
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

func serve(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const summary = "Run the four services (policy, trigger-ingest, approval, action-execution) and the REST\n" +
		"gateway in one process, on SQLite files in --data-dir or on PostgreSQL (--database-url)."
	return withProcess(ctx, "serve", summary, args, stdout, stderr, func(cfg suite.Config, proc *service.Process) error {
		s, err := suite.Open(ctx, cfg, proc)
		if err != nil {
			return err
		}
		if n := s.CreatedAdmin(); n != nil {
			n.TokenCommand = tokenCommand(cfg.Service.Storage.DataDir)
			n.Announce(stderr, proc.Logger)
		}
		return s.Run(ctx)
	})
}

func migrate(ctx context.Context, args []string, stdout, stderr io.Writer) error {
	const summary = "Create or upgrade every service's store, then exit. It takes serve's flags, so that it runs\n" +
		"with the same arguments and environment (e.g. as an init container)."
	return withProcess(ctx, "migrate", summary, args, stdout, stderr, func(cfg suite.Config, proc *service.Process) error {
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

// tokenCommand is the exact command that prints a token for the data dir dataDir, as this
// binary was invoked: "./bin/accessflow token".
func tokenCommand(dataDir string) string {
	cmd := os.Args[0] + " token"
	if dataDir != service.DefaultConfig().Storage.DataDir {
		cmd += " --data-dir " + shellQuote(dataDir)
	}
	return cmd
}

func shellQuote(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n'\"\\$`!*?[]{}()<>|&;#~") {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
