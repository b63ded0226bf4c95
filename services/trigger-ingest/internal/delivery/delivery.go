// Package delivery sends events to subscribers: River workers that post each delivery (or,
// for a WORKFLOW subscription, run its workflow),
// signed with Standard Webhooks, through the outbound guard; retry it on the configured
// schedule (honouring Retry-After) until it succeeds or the schedule is spent; run the
// REQUEST_RESPONSE protocol (SYNC, ASYNC, DYNAMIC) with its deadlines; cap the requests in
// flight per subscription; disable subscriptions that keep failing; and purge old events.
//
// Attempts are counted in the store, not by River: a retry is a River snooze, so River's own
// attempt budget is left for crashes and shutdowns, and a restart resumes the schedule where
// it stopped.
package delivery

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"github.com/riverqueue/river"

	"github.com/accessflow/accessflow/pkg/logging"
	"github.com/accessflow/accessflow/pkg/outbound"
	"github.com/accessflow/accessflow/pkg/secrets"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/catalogue"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/jobargs"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/store"
	"github.com/accessflow/accessflow/services/trigger-ingest/internal/workflows"
)

// MaxResponseBytes caps how much of a subscriber's answer is read.
const MaxResponseBytes = 1 << 20

// maxRetryAfter caps how long a subscriber's Retry-After may postpone a retry.
const maxRetryAfter = 24 * time.Hour

// RecordTimeout bounds recording an attempt's outcome once the request is made.
const RecordTimeout = 10 * time.Second

// JobTimeout is a delivery job's time limit: the request and the recording of its outcome.
func JobTimeout(deliveryTimeout time.Duration) time.Duration { return deliveryTimeout + RecordTimeout }

// retentionTimeout bounds one retention sweep, which deletes in batches and may take long.
const retentionTimeout = 30 * time.Minute

// busyWait is how long a delivery waits in memory for one of its subscription's slots, and
// busySnooze how long it is put back in the queue when none freed up meanwhile.
const (
	busyWait   = 500 * time.Millisecond
	busySnooze = 100 * time.Millisecond
)

// Config tunes delivery.
type Config struct {
	// RetrySchedule is the delay before each retry; its length is the number of retries.
	RetrySchedule []time.Duration
	// Timeout bounds one request.
	Timeout time.Duration
	// MaxConcurrentPerSubscription caps requests in flight to one subscription.
	MaxConcurrentPerSubscription int
	// AutoDisableAfter disables a subscription failing this long (0: never).
	AutoDisableAfter time.Duration
	// CallbackBaseURL is the gateway's public base URL, for asynchronous invocations.
	CallbackBaseURL string
	// Retention is how long events and deliveries are kept.
	Retention time.Duration
	// Guard decides which subscriber addresses may be reached.
	Guard *outbound.Guard
}

// Deliverer holds what the workers share. It is built before the store exists (River needs
// its workers when the backend opens) and Attach completes it before any job runs.
type Deliverer struct {
	cfg    Config
	client *http.Client
	slots  *slots
	now    func() time.Time
	jitter func() float64

	store     *store.Store
	cat       *catalogue.Catalogue
	ring      *secrets.Ring
	workflows *workflows.Runner
	logger    *slog.Logger
}

// Option configures a Deliverer.
type Option func(*Deliverer)

// WithClock sets the clock (default: the wall clock).
func WithClock(now func() time.Time) Option { return func(d *Deliverer) { d.now = now } }

// WithoutJitter makes retry delays exact, for tests that measure them.
func WithoutJitter() Option { return func(d *Deliverer) { d.jitter = func() float64 { return 1 } } }

// New returns a Deliverer; Attach must be called before its workers run.
func New(cfg Config, opts ...Option) *Deliverer {
	if cfg.Guard == nil {
		cfg.Guard = outbound.NewGuard()
	}
	d := &Deliverer{
		cfg:    cfg,
		client: outbound.NewClient(cfg.Guard, cfg.Timeout),
		slots:  newSlots(cfg.MaxConcurrentPerSubscription),
		now:    time.Now,
		jitter: func() float64 { return 0.8 + 0.4*rand.Float64() }, //nolint:gosec // jitter needs no cryptographic randomness
		logger: logging.Discard(),
	}
	for _, opt := range opts {
		opt(d)
	}
	return d
}

// Attach gives the workers the store, catalogue, key ring, workflow runner and logger they
// work with.
func (d *Deliverer) Attach(st *store.Store, cat *catalogue.Catalogue, ring *secrets.Ring, runner *workflows.Runner, logger *slog.Logger) {
	d.store, d.cat, d.ring, d.workflows = st, cat, ring, runner
	if logger != nil {
		d.logger = logger
	}
}

// Close releases idle connections to subscribers.
func (d *Deliverer) Close() { d.client.CloseIdleConnections() }

// AddWorkers registers the delivery, deadline and retention workers.
func (d *Deliverer) AddWorkers(workers *river.Workers) {
	river.AddWorker(workers, &deliverWorker{d: d})
	river.AddWorker(workers, &deadlineWorker{d: d})
	river.AddWorker(workers, &retentionWorker{d: d})
}

// PeriodicJobs returns the retention sweep, hourly.
func (d *Deliverer) PeriodicJobs() []*river.PeriodicJob {
	return []*river.PeriodicJob{
		river.NewPeriodicJob(river.PeriodicInterval(time.Hour), func() (river.JobArgs, *river.InsertOpts) {
			return jobargs.Retention{}, nil
		}, &river.PeriodicJobOpts{RunOnStart: true}),
	}
}

// retryDelay is the jittered delay before the retry that follows attempt, at least retryAfter.
func (d *Deliverer) retryDelay(attempt int, retryAfter time.Duration) time.Duration {
	delay := time.Duration(float64(d.cfg.RetrySchedule[attempt-1]) * d.jitter())
	return max(delay, min(retryAfter, maxRetryAfter))
}

type deliverWorker struct {
	river.WorkerDefaults[jobargs.Deliver]
	d *Deliverer
}

// Timeout leaves room for the request and for recording it.
func (w *deliverWorker) Timeout(*river.Job[jobargs.Deliver]) time.Duration {
	return JobTimeout(w.d.cfg.Timeout)
}

func (w *deliverWorker) Work(ctx context.Context, job *river.Job[jobargs.Deliver]) error {
	err := w.d.deliver(ctx, job.Args.DeliveryID)
	var snooze *river.JobSnoozeError
	if err != nil && !errors.As(err, &snooze) && ctx.Err() != nil {
		// Shutting down mid-request: come back at once on the next start without spending an
		// attempt; the subscriber may see the request again (at-least-once).
		return river.JobSnooze(0)
	}
	return err
}

type deadlineWorker struct {
	river.WorkerDefaults[jobargs.Deadline]
	d *Deliverer
}

func (w *deadlineWorker) Work(ctx context.Context, job *river.Job[jobargs.Deadline]) error {
	return w.d.expire(ctx, job.Args.DeliveryID)
}

type retentionWorker struct {
	river.WorkerDefaults[jobargs.Retention]
	d *Deliverer
}

// Timeout lets a long sweep finish; River's rescue leaves it alone as long.
func (w *retentionWorker) Timeout(*river.Job[jobargs.Retention]) time.Duration {
	return retentionTimeout
}

func (w *retentionWorker) Work(ctx context.Context, _ *river.Job[jobargs.Retention]) error {
	n, err := w.d.store.Purge(ctx, w.d.now().Add(-w.d.cfg.Retention))
	if err != nil {
		return err
	}
	if n > 0 {
		w.d.logger.InfoContext(ctx, "purged events past retention", "events", n, "retention", w.d.cfg.Retention)
	}
	return nil
}

// expire fails an invocation still awaiting its response at its deadline.
func (d *Deliverer) expire(ctx context.Context, id string) error {
	now := d.now().UTC()
	var early time.Duration
	_, err := d.store.UpdateDelivery(ctx, id, func(del *store.Delivery) error {
		if del.Status != store.StatusAwaitingResponse {
			return nil
		}
		if now.Before(del.Deadline) {
			early = del.Deadline.Sub(now)
			return nil
		}
		del.Status, del.Error, del.Completed = store.StatusFailed, "the subscriber did not complete the invocation before its deadline", now
		return nil
	})
	if errors.Is(err, storage.ErrNotFound) {
		return nil // purged
	}
	if err != nil {
		return err
	}
	if early > 0 {
		return river.JobSnooze(early)
	}
	return nil
}

// slots caps the requests in flight per subscription within this process.
type slots struct {
	mu  sync.Mutex
	max int
	sem map[string]chan struct{}
}

func newSlots(maxPerKey int) *slots {
	return &slots{max: max(maxPerKey, 1), sem: map[string]chan struct{}{}}
}

// acquire takes one of key's slots, waiting up to wait for one to free up. Waiting in memory
// rather than snoozing the job at once spares the database a write per waiting job every
// few milliseconds, which with a slow subscriber would take the single writer from ingest;
// the bound keeps one slow subscriber from holding every worker for long.
func (s *slots) acquire(ctx context.Context, key string, wait time.Duration) (release func(), ok bool) {
	s.mu.Lock()
	sem := s.sem[key]
	if sem == nil {
		sem = make(chan struct{}, s.max)
		s.sem[key] = sem
	}
	s.mu.Unlock()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, true
	default:
	}
	timer := time.NewTimer(wait)
	defer timer.Stop()
	select {
	case sem <- struct{}{}:
		return func() { <-sem }, true
	case <-timer.C:
		return nil, false
	case <-ctx.Done():
		return nil, false
	}
}

func errorText(err error) string {
	if err == nil {
		return ""
	}
	return fmt.Sprint(err)
}
