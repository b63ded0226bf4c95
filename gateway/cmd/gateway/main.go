// Command gateway runs the REST gateway alone, in front of services running elsewhere.
// Flags: `gateway -h`; each also reads ACCESSFLOW_<FLAG>.
package main

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

	"github.com/accessflow/accessflow/gateway"
	"github.com/accessflow/accessflow/pkg/service"
)

func main() { os.Exit(mainCode()) }

func mainCode() int {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr); err != nil && !errors.Is(err, flag.ErrHelp) {
		fmt.Fprintf(os.Stderr, "gateway: %v\n", err)
		return 1
	}
	return 0
}

func run(ctx context.Context, args []string, stderr io.Writer) error {
	cfg, gwCfg := service.DefaultConfig(), gateway.DefaultConfig()
	fs := gateway.StandaloneFlags(&cfg, &gwCfg)
	fs.SetOutput(stderr)
	if err := ff.Parse(fs, args, ff.WithEnvVarPrefix(service.EnvPrefix)); err != nil {
		return err
	}
	if err := gwCfg.Validate(); err != nil {
		return fmt.Errorf("invalid configuration: %w", err)
	}
	proc, err := service.StartProcess(ctx, "gateway", cfg, stderr)
	if err != nil {
		return err
	}
	defer func() { _ = proc.Shutdown(ctx) }()

	dialOpts, err := cfg.DialOptions()
	if err != nil {
		return err
	}
	backends, err := gateway.Dial(cfg.Targets[service.Policy], cfg.Targets[service.TriggerIngest],
		cfg.Targets[service.Approval], cfg.Targets[service.ActionExecution], dialOpts...)
	if err != nil {
		return err
	}
	defer backends.Close()
	lis, err := service.Listen(ctx, gwCfg.Addr)
	if err != nil {
		return err
	}
	opts := []gateway.Option{
		gateway.WithLogger(proc.Logger), gateway.WithMaxBodyBytes(gwCfg.MaxBodyBytes), gateway.WithDrainTimeout(cfg.DrainTimeout()),
		gateway.WithRateLimit(gwCfg.RateLimit, gwCfg.RateBurst),
	}
	// With an external OIDC issuer, tokens come from it; otherwise the gateway issues them.
	if cfg.Auth.OIDCIssuerURL == "" {
		tokens, store, err := gateway.OpenTokenService(ctx, cfg, "http://"+lis.Addr().String(), proc.Logger)
		if err != nil {
			return errors.Join(err, lis.Close())
		}
		defer store.Close()
		if n := tokens.CreatedAdmin; n != nil {
			n.TokenCommand = "accessflow token --data-dir " + cfg.Storage.DataDir
			n.Announce(stderr, proc.Logger)
		}
		opts = append(opts, gateway.WithTokenService(tokens))
	}
	gw, err := gateway.New(ctx, backends, opts...)
	if err != nil {
		return errors.Join(err, lis.Close())
	}
	adminLis, err := proc.ListenAdmin(ctx)
	if err != nil {
		return errors.Join(err, lis.Close())
	}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return gw.Run(ctx, lis) })
	g.Go(func() error { return proc.RunAdmin(ctx, adminLis) })
	return g.Wait()
}
