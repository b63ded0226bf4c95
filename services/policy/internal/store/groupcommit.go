package store

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/accessflow/accessflow/pkg/storage"
)

// maxGroup bounds the claims one shared transaction runs.
const maxGroup = 64

// groupTimeout bounds one shared transaction. It runs detached from the context of the claim
// that leads it, whose cancellation must not fail the others.
const groupTimeout = 30 * time.Second

// groupCommit runs the claims of concurrent evaluations in shared transactions, for a backend
// whose writes all go through one connection (SQLite): while one transaction runs, the claims
// that arrive queue up, and the oldest of them then runs the whole queue in the next one. A
// claim costs its statements alone instead of a BEGIN, its statements and a COMMIT (a WAL
// write), and claims are served first come, first served, which the connection pool, waking
// a random waiter, does not do.
type groupCommit struct {
	backend storage.Backend

	mu    sync.Mutex
	queue []*groupOp
	busy  bool // a leader is running a transaction
}

type groupOp struct {
	fn  func(context.Context, storage.DBTX) error
	err error
	// done says true to the op that must lead the next transaction, false once err is final.
	done chan bool
}

// do runs fn in a transaction shared with other claims. An *ExhaustedError from fn is its own
// outcome; any other error fails the whole transaction, and then every claim in it.
func (g *groupCommit) do(ctx context.Context, fn func(context.Context, storage.DBTX) error) error {
	op := &groupOp{fn: fn, done: make(chan bool, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, op)
	lead := !g.busy
	g.busy = true
	g.mu.Unlock()
	if !lead && !<-op.done {
		return op.err
	}
	// Leading: op is the oldest queued.
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
	err := g.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		for _, o := range batch {
			o.err = o.fn(ctx, tx)
			var ex *ExhaustedError
			if o.err != nil && !errors.As(o.err, &ex) {
				return o.err
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
