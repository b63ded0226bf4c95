// Package groupcommit runs concurrent small writes in shared transactions.
//
// A transaction's commit (the single writer's lock and a WAL write on SQLite, a WAL flush on
// PostgreSQL) is the cost that bounds write throughput. A Group shares it among the writes that
// arrive while one transaction runs: they queue up and the next transaction carries them all,
// each under a savepoint of its own so that one failing write rolls back alone. This multiplies
// throughput under load and costs nothing when writes come one at a time. On SQLite, whose
// writes all go through one connection, it also serves writers first come, first served, which
// the connection pool, waking a random waiter, does not.
package groupcommit

import (
	"context"
	"fmt"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Defaults of the options.
const (
	DefaultMaxGroup = 256
	DefaultTimeout  = 30 * time.Second
)

// Group runs writes in transactions shared with the other writes queued meanwhile.
//
// It has no goroutine of its own: the first caller to find no group running leads. It commits
// groups, oldest writes first, until its own write is committed, then promotes the oldest
// waiting writer to lead the rest, so that no caller leads forever under sustained load.
type Group struct {
	backend  storage.Backend
	maxGroup int
	timeout  time.Duration
	batchJob bool
	// ownFate, when set, runs writes without savepoints; see WithoutSavepoints.
	ownFate func(error) bool

	mu      sync.Mutex
	queue   []*write
	leading bool
}

// Option configures a Group.
type Option func(*Group)

// WithMaxGroup bounds the writes one transaction carries (default DefaultMaxGroup), and so the
// time a transaction holds the writer and the work lost when it fails.
func WithMaxGroup(n int) Option {
	return func(g *Group) {
		if n > 0 {
			g.maxGroup = n
		}
	}
}

// WithTimeout bounds one shared transaction (default DefaultTimeout). The transaction runs
// detached from its writers' contexts, since one writer's cancellation must not fail the others.
func WithTimeout(d time.Duration) Option {
	return func(g *Group) {
		if d > 0 {
			g.timeout = d
		}
	}
}

// WithBatchedJobs holds back the River jobs the writes of a group insert and inserts them all
// in one statement before the commit, so that a group costs one job insert instead of one per
// write. The jobs still commit with the writes that caused them; those of a write rolled back to
// its savepoint are dropped; each keeps the trackingNumber and span of its writer's context
// (jobs.WithOrigin), which the group's own context does not carry.
func WithBatchedJobs() Option { return func(g *Group) { g.batchJob = true } }

// WithoutSavepoints runs the writes of a group with no savepoint around each, saving two
// statements per write, for writes that either succeed or fail without having written anything.
// An error for which ownOutcome reports true is returned to its writer alone; any other fails
// the whole transaction, and then every write in it.
func WithoutSavepoints(ownOutcome func(error) bool) Option {
	return func(g *Group) { g.ownFate = ownOutcome }
}

// New returns a Group committing on backend.
func New(backend storage.Backend, opts ...Option) *Group {
	g := &Group{backend: backend, maxGroup: DefaultMaxGroup, timeout: DefaultTimeout}
	for _, opt := range opts {
		opt(g)
	}
	return g
}

type write struct {
	ctx     context.Context
	fn      func(context.Context, storage.Tx) error
	done    chan error
	promote chan struct{}
}

// Do runs fn in a transaction shared with other writers and returns fn's error, or else the
// commit's. fn runs under ctx without its cancellation: once queued, a write is committed or
// rolled back with its group, whatever its caller does meanwhile.
func (g *Group) Do(ctx context.Context, fn func(context.Context, storage.Tx) error) error {
	w := &write{ctx: context.WithoutCancel(ctx), fn: fn, done: make(chan error, 1), promote: make(chan struct{}, 1)}
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
func (g *Group) lead(w *write) error {
	for committed := false; !committed; {
		g.mu.Lock()
		n := min(len(g.queue), g.maxGroup)
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

// commit runs group in one transaction and tells each writer its outcome.
func (g *Group) commit(group []*write) {
	errs := make([]error, len(group))
	ctx, cancel := context.WithTimeout(context.Background(), g.timeout)
	defer cancel()
	err := g.backend.InTx(ctx, func(ctx context.Context, tx storage.Tx) error {
		var held []river.InsertManyParams
		for i, w := range group {
			jobs, werr, err := g.run(ctx, tx, w, len(group) > 1)
			if errs[i] = werr; err != nil {
				return err
			}
			held = append(held, jobs...)
		}
		if g.batchJob {
			return tx.InsertJobs(ctx, held)
		}
		return nil
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

// run runs one write of a group in tx, in a savepoint of its own when shared. It returns the
// write's own outcome, the jobs it held back (when batched and it succeeded), and a non-nil
// txErr when the whole transaction must fail.
func (g *Group) run(ctx context.Context, tx storage.Tx, w *write, shared bool) (held []river.InsertManyParams, werr, txErr error) {
	wtx := tx
	var btx *batchTx
	if g.batchJob {
		btx = &batchTx{Tx: tx}
		wtx = btx
	}
	jobsOf := func() []river.InsertManyParams {
		if btx == nil {
			return nil
		}
		return btx.jobs
	}
	switch {
	case g.ownFate != nil:
		werr = w.fn(w.ctx, wtx)
		if werr == nil {
			return jobsOf(), nil, nil
		}
		if g.ownFate(werr) {
			return nil, werr, nil
		}
		return nil, werr, werr
	case !shared: // alone: the transaction is the write's own
		werr = w.fn(w.ctx, wtx)
		if werr != nil {
			return nil, werr, werr
		}
		return jobsOf(), nil, nil
	}
	if _, err := tx.Exec(ctx, `SAVEPOINT w`); err != nil {
		return nil, nil, fmt.Errorf("savepoint: %w", err)
	}
	if werr = w.fn(w.ctx, wtx); werr != nil {
		if _, err := tx.Exec(ctx, `ROLLBACK TO SAVEPOINT w`); err != nil {
			return nil, werr, fmt.Errorf("rollback to savepoint: %w", err)
		}
	} else {
		held = jobsOf()
	}
	if _, err := tx.Exec(ctx, `RELEASE SAVEPOINT w`); err != nil {
		return nil, werr, fmt.Errorf("release savepoint: %w", err)
	}
	return held, werr, nil
}

// batchTx holds back the jobs a write inserts, for the group to insert them all at once.
type batchTx struct {
	storage.Tx
	jobs []river.InsertManyParams
}

// InsertJob holds the job back, stamped with the origin of the writer's ctx: the group inserts
// it later under its own context.
func (b *batchTx) InsertJob(ctx context.Context, args river.JobArgs, opts *river.InsertOpts) error {
	b.jobs = append(b.jobs, river.InsertManyParams{Args: args, InsertOpts: jobs.WithOrigin(ctx, opts)})
	return nil
}

// InsertJobs holds the jobs back, as InsertJob does.
func (b *batchTx) InsertJobs(ctx context.Context, many []river.InsertManyParams) error {
	for _, j := range many {
		b.jobs = append(b.jobs, river.InsertManyParams{Args: j.Args, InsertOpts: jobs.WithOrigin(ctx, j.InsertOpts)})
	}
	return nil
}
