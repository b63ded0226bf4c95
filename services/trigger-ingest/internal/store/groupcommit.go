package store

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
)

// maxGroup bounds the writes one group commit carries.
const maxGroup = 256

// groupTimeout bounds one group's transaction; callers' own cancellations do not abort it,
// since others' writes ride in the same transaction.
const groupTimeout = 30 * time.Second

// groupCommit runs concurrent small writes (an event and its deliveries, an attempt) in one
// transaction, each under its own savepoint so that one failing write rolls back alone. A
// transaction's commit — the single writer's lock on SQLite, a WAL flush on PostgreSQL — is
// the cost that bounds write throughput; sharing it among the writes that arrived meanwhile
// multiplies throughput under load and costs nothing when writes come one at a time.
//
// No goroutine of its own: the first caller to find no group running leads. It commits
// groups, oldest writes first, until its own write is committed, then promotes the oldest
// waiting writer to lead the rest, so that no caller leads forever under sustained load.
type groupCommit struct {
	backend storage.Backend
	// solo runs each write in its own transaction (PostgreSQL).
	solo bool

	mu      sync.Mutex
	queue   []*groupWrite
	leading bool
}

type groupWrite struct {
	ctx     context.Context
	fn      func(context.Context, storage.Tx) error
	done    chan error
	promote chan struct{}
}

// do runs fn in a shared transaction and returns its error, or the commit's.
func (g *groupCommit) do(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	if g.solo {
		return g.backend.InTx(context.WithoutCancel(ctx), fn)
	}
	w := &groupWrite{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1), promote: make(chan struct{}, 1)}
	g.mu.Lock()
	g.queue = append(g.queue, w)
	lead := !g.leading
	g.leading = true
	g.mu.Unlock()
	if !lead {
		select {
		case err := <-w.done:
			return err
		case <-w.promote:
		}
	}
	return g.lead(w)
}

// lead commits groups until w's is committed, then hands over.
func (g *groupCommit) lead(w *groupWrite) error {
	for committed := false; !committed; {
		g.mu.Lock()
		n := min(len(g.queue), maxGroup)
		group := g.queue[:n:n]
		g.queue = g.queue[n:]
		g.mu.Unlock()
		for _, x := range group {
			committed = committed || x == w
		}
		g.commit(group)
	}
	g.mu.Lock()
	if len(g.queue) == 0 {
		g.leading = false
	} else {
		g.queue[0].promote <- struct{}{}
	}
	g.mu.Unlock()
	return <-w.done
}

func (g *groupCommit) commit(group []*groupWrite) {
	errs := make([]error, len(group))
	ctx, cancel := context.WithTimeout(context.Background(), groupTimeout)
	defer cancel()
	err := g.backend.InTx(ctx, func(_ context.Context, tx storage.Tx) error {
		// The group's jobs are inserted together, in one statement before the commit: they
		// commit with the writes that caused them, as ever.
		var jobs []river.InsertManyParams
		if len(group) == 1 {
			btx := &batchTx{Tx: tx}
			if errs[0] = group[0].fn(group[0].ctx, btx); errs[0] != nil {
				return errs[0]
			}
			return tx.InsertJobs(ctx, btx.jobs)
		}
		for i, w := range group {
			if _, err := tx.Exec(ctx, `SAVEPOINT w`); err != nil {
				return fmt.Errorf("savepoint: %w", err)
			}
			btx := &batchTx{Tx: tx}
			if errs[i] = w.fn(w.ctx, btx); errs[i] != nil {
				if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT w`); err != nil {
					return fmt.Errorf("rollback to savepoint: %w", err)
				}
			} else {
				jobs = append(jobs, btx.jobs...)
			}
			if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT w`); err != nil {
				return fmt.Errorf("release savepoint: %w", err)
			}
		}
		return tx.InsertJobs(ctx, jobs)
	})
	for i, w := range group {
		switch {
		case errs[i] != nil:
			w.done <- errs[i]
		case err != nil:
			w.done <- err
		default:
			w.done <- nil
		}
	}
}

// batchTx holds back the jobs a group's write enqueues, so that the group inserts them all in
// one statement; a write rolled back to its savepoint drops its own.
type batchTx struct {
	storage.Tx
	jobs []river.InsertManyParams
}

// The group inserts the jobs under its own context: each keeps the trackingNumber and span of
// the write that caused it.
func (b *batchTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	b.jobs = append(b.jobs, river.InsertManyParams{Args: args, InsertOpts: jobs.WithOrigin(ctx, opts)})
	return nil
}

func (b *batchTx) InsertJobs(ctx context.Context, many []river.InsertManyParams) error {
	for _, j := range many {
		b.jobs = append(b.jobs, river.InsertManyParams{Args: j.Args, InsertOpts: jobs.WithOrigin(ctx, j.InsertOpts)})
	}
	return nil
}
