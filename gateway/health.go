package gateway

import (
	"context"
	"net/http"
	"sync"
	"time"

	healthpb "google.golang.org/grpc/health/grpc_health_v1"
)

// readyz answers 200 when every service reports SERVING, 503 naming those that do not.
func (g *Gateway) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	var (
		mu      sync.Mutex
		wg      sync.WaitGroup
		results = map[string]string{}
	)
	for name, conn := range g.backends.all() {
		wg.Go(func() {
			state := "SERVING"
			resp, err := healthpb.NewHealthClient(conn).Check(ctx, &healthpb.HealthCheckRequest{})
			switch {
			case err != nil:
				state = "UNREACHABLE"
			case resp.GetStatus() != healthpb.HealthCheckResponse_SERVING:
				state = resp.GetStatus().String()
			}
			mu.Lock()
			results[name] = state
			mu.Unlock()
		})
	}
	wg.Wait()
	code := http.StatusOK
	for _, state := range results {
		if state != "SERVING" {
			code = http.StatusServiceUnavailable
		}
	}
	writeJSON(w, code, map[string]any{"services": results})
}
