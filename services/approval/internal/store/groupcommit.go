package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/accessflow/accessflow/pkg/storage"
)

// maxGroup bounds the transactions one shared commit runs.
const maxGroup = 64

// groupTimeout bounds one shared transaction. It runs detached from the context of the caller
// that leads it, whose cancellation must not fail the others.
const groupTimeout = 30 * time.Second

// groupCommit runs concurrent transactions in shared ones, for a backend whose writes all go
// through one connection (SQLite): while one runs, those that arrive queue up, and the oldest
// then runs the whole queue in the next one, each inside a savepoint of its own so that one
// failing rolls back only itself. A transaction then costs its statements alone instead of a
// BEGIN, its statements and a COMMIT (a WAL write), and waiters are served first come, first
// served.
type groupCommit struct {
	backend storage.Backend

	mu    sync.Mutex
	queue []*groupOp
	busy  bool // a leader is running a transaction
}

type groupOp struct {
	ctx context.Context
	fn  func(context.Context, *Tx) error
	err error
	// done says true to the op that must lead the next transaction, false once err is final.
	done chan bool
}

// do runs fn in a transaction shared with other callers.
func (g *groupCommit) do(ctx context.Context, fn func(context.Context, *Tx) error) error {
	op := &groupOp{ctx: ctx, fn: fn, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, op)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead && !<-op.done {
		return op.err
	}
	g.mu.Lock()
	batch := g.queue[:min(len(g.queue), maxGroup)]
	g.queue = g.queue[len(batch):]
	g.mu.Unlock()

	g.run(ctx, batch)

	for _, o := range batch[1:] {
		o.done <- false
	}
	g.mu.Lock()
	if len(g.queue) > 0 {
		g.queue[0].done <- true
	} else {
		g.busy = false
	}
	g.mu.Unlock()
	return op.err
}

func (g *groupCommit) run(ctx context.Context, batch []*groupOp) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), groupTimeout)
	defer cancel()
	if len(batch) == 1 { // nobody to share with: a plain transaction
		o := batch[0]
		o.err = g.backend.InTx(ctx, func(_ context.Context, tx storage.Tx) error {
			return o.fn(context.WithoutCancel(o.ctx), &Tx{tx: tx})
		})
		return
	}
	err := g.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		for _, o := range batch {
			if _, err := tx.Exec(ctx, `SAVEPOINT op`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			// The op's own context carries its trackingNumber into the jobs it inserts.
			if o.err = o.fn(context.WithoutCancel(o.ctx), &Tx{tx: tx}); o.err != nil {
				if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT op`); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			}
			if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT op`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return nil
	})
	if err != nil {
		for _, o := range batch {
			o.err = err
		}
	}
}
