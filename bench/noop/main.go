// Command noop is the baseline of `make bench`: the REST route that ingests an event
// (POST /v1/trigger-events/{triggerId}) served by grpc-gateway in front of a gRPC
// EventService over loopback, as Accessflow serves it, with a handler that does nothing.
// Whatever Accessflow measures beyond it is the cost of its own work.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/grpc-ecosystem/grpc-gateway/v2/runtime"
	"golang.org/x/sync/errgroup"
	"google.golang.org/grpc"
	"google.golang.org/grpc/credentials/insecure"

	triggerv1 "github.com/accessflow/accessflow/api/accessflow/trigger/v1"
)

type events struct {
	triggerv1.UnimplementedEventServiceServer
}

func (events) IngestEvent(context.Context, *triggerv1.IngestEventRequest) (*triggerv1.IngestEventResponse, error) {
	return &triggerv1.IngestEventResponse{}, nil
}

func main() {
	addr := flag.String("addr", "127.0.0.1:8090", "listen address of the REST gateway")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	if err := run(ctx, *addr); err != nil {
		fmt.Fprintln(os.Stderr, err)
		stop()
		os.Exit(1)
	}
	stop()
}

func run(ctx context.Context, addr string) error {
	grpcLis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", "127.0.0.1:0")
	if err != nil {
		return err
	}
	srv := grpc.NewServer()
	triggerv1.RegisterEventServiceServer(srv, events{})
	mux := runtime.NewServeMux()
	if err := triggerv1.RegisterEventServiceHandlerFromEndpoint(ctx, mux, grpcLis.Addr().String(),
		[]grpc.DialOption{grpc.WithTransportCredentials(insecure.NewCredentials())}); err != nil {
		return err
	}
	httpLis, err := (&net.ListenConfig{}).Listen(ctx, "tcp", addr)
	if err != nil {
		return err
	}
	web := &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	g, ctx := errgroup.WithContext(ctx)
	g.Go(func() error { return srv.Serve(grpcLis) })
	g.Go(func() error {
		if err := web.Serve(httpLis); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-ctx.Done()
		srv.Stop()
		return web.Close()
	})
	return g.Wait()
}
