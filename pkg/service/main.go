package service

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"github.com/peterbourgon/ff/v3"
	"golang.org/x/sync/errgroup"
)

// Main runs spec as a process of its own: flags and ACCESSFLOW_* environment, logger,
// telemetry, the admin server and the service, until SIGINT or SIGTERM. It returns the exit
// code.
func Main(spec Spec, defaultAddr string) int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := RunStandalone(ctx, spec, defaultAddr, os.Args[1:], os.Stderr); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return 0
		}
		fmt.Fprintf(os.Stderr, "%s: %v\n", spec.Name, err)
		return 1
	}
	return 0
}

// AddrFlag is the name of a service's gRPC listen-address flag: --policy-addr.
func AddrFlag(name string) string { return name + "-addr" }

// StandaloneFlags returns the flags of spec's own binary, bound to cfg and addr (whose values
// are the defaults): the shared flags, the targets of the services it may call, its gRPC listen
// address and its own flags.
func StandaloneFlags(spec Spec, cfg *Config, addr *string) *flag.FlagSet {
	fs := flag.NewFlagSet(spec.Name, flag.ContinueOnError)
	cfg.Bind(fs)
	cfg.Targets.Bind(fs)
	fs.StringVar(addr, AddrFlag(spec.Name), *addr, "gRPC listen address of the "+spec.Name+" service")
	if spec.BindFlags != nil {
		spec.BindFlags(fs)
	}
	return fs
}

// RunStandalone is Main without the signal handling and exit code, for tests.
func RunStandalone(ctx context.Context, spec Spec, defaultAddr string, args []string, stderr io.Writer) error {
	cfg := DefaultConfig()
	addr := defaultAddr
	fs := StandaloneFlags(spec, &cfg, &addr)
	fs.SetOutput(stderr)
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix(EnvPrefix)); err != nil {
		return err
	}
	proc, err := StartProcess(ctx, spec.Name, cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = proc.Shutdown(ctx) }()

	svc, err := Open(ctx, spec, cfg, proc.Logger)
	if err != nil {
		return err
	}
	lis, err := Listen(ctx, addr)
	if err != nil {
		return errors.Join(err, svc.Close())
	}
	adminLis, err := proc.ListenAdmin(ctx)
	if err != nil {
		return errors.Join(err, lis.Close(), svc.Close())
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return svc.Run(ctx, lis) })
	g.Go(func() error { return proc.RunAdmin(ctx, adminLis) })
	return g.Wait()
}
