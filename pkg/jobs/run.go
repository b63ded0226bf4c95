package jobs

import (
	"context"
	"fmt"
	"time"

	"github.com/riverqueue/river"
)

// Run starts client and works jobs until ctx ends; then it stops fetching, waits up to
// drainTimeout for running jobs, and cancels those still running (River retries them later).
// An insert-only client (no workers) just waits for ctx. orphans, when set, retries the jobs
// dead clients left running: once before the first fetch, then every DefaultOrphanInterval.
func Run[TTx any](ctx context.Context, client *river.Client[TTx], works bool, drainTimeout time.Duration, orphans *Orphans[TTx]) error {
	if !works {
		<-ctx.Done()
		return nil
	}
	if orphans != nil {
		orphans.sweep(ctx)
		sweepCtx, stopSweep := context.WithCancel(ctx)
		swept := make(chan struct{})
		go func() {
			defer close(swept)
			orphans.Run(sweepCtx, DefaultOrphanInterval)
		}()
		defer func() {
			stopSweep()
			<-swept
		}()
	}
	// River cancels running jobs outright when its start context ends; start it detached and
	// stop it softly below instead.
	if err := client.Start(context.WithoutCancel(ctx)); err != nil {
		return fmt.Errorf("start river: %w", err)
	}
	<-ctx.Done()
	if drainTimeout <= 0 {
		drainTimeout = 5 * time.Second
	}
	stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), drainTimeout)
	defer cancel()
	if err := client.Stop(stopCtx); err != nil {
		// Drain timed out: cancel what is still running; it is retried later.
		cancelCtx, cancelCancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
		defer cancelCancel()
		if err := client.StopAndCancel(cancelCtx); err != nil {
			return fmt.Errorf("stop river: %w", err)
		}
	}
	return nil
}
