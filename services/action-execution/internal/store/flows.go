package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/riverqueue/river"

	actionv1 "github.com/accessflow/accessflow/api/accessflow/action/v1"
	"github.com/accessflow/accessflow/pkg/apierror"
	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/jobs"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Statuses of flows and scripts.
const (
	StatusPending   = "PENDING"
	StatusRunning   = "RUNNING"
	StatusWaiting   = "WAITING"
	StatusSucceeded = "SUCCEEDED"
	StatusFailed    = "FAILED"
	StatusSkipped   = "SKIPPED"
	StatusCancelled = "CANCELLED"
)

// Ended reports whether a flow or script in status is done.
func Ended(status string) bool {
	switch status {
	case StatusSucceeded, StatusFailed, StatusSkipped, StatusCancelled:
		return true
	}
	return false
}

// Flow is a stored action flow, without its scripts.
type Flow struct {
	ID             string
	ChainID        string
	ChainName      string
	Status         string
	IdempotencyKey string
	// RequestHash identifies the request that started the flow.
	RequestHash    string
	TrackingNumber string
	Context        *actionv1.FlowContext
	Errors         []string
	Warnings       []string
	// Runs counts the flow's runs: 1, plus one per retry.
	Runs      int
	Created   time.Time
	Modified  time.Time
	Completed time.Time
}

// Script is one script of a flow.
type Script struct {
	// ID is the flow script's id: the idempotency key of what it calls.
	ID           string
	Index        int
	Name         string
	Type         string
	Compensation bool
	// Def is the chain script the flow script was made from.
	Def      *actionv1.ActionChainScript
	Status   string
	Attempts int
	State    ScriptState
	Error    string
	Started  time.Time
	Finished time.Time
}

// ScriptState is what a script's runs produced.
type ScriptState struct {
	// Output is what later scripts read as .Scripts.<name>.
	Output map[string]any `json:"output,omitempty"`
	// AccountID, AccountOperation, AttributeRequests and TicketID are what the connector
	// reported, for idn:post-provisioning.
	AccountID         string             `json:"accountId,omitempty"`
	AccountOperation  string             `json:"accountOperation,omitempty"`
	AttributeRequests []AttributeRequest `json:"attributeRequests,omitempty"`
	TicketID          string             `json:"ticketId,omitempty"`
	Evaluation
	// WakeAt is when a sleeping script wakes (Unix microseconds).
	WakeAt int64 `json:"wakeAt,omitempty"`
	// Accounts is an every_account_<operation> script's progress: the accounts it acts on,
	// fixed when it first runs, each with its own outcome.
	Accounts []AccountRun `json:"accounts,omitempty"`
}

// Evaluation is what a source's provisioning policy gave an operation. Evaluated is set once
// the policy was evaluated; Attributes and Reservations are kept so that a retry does not
// reserve again.
type Evaluation struct {
	Evaluated    bool           `json:"evaluated,omitempty"`
	Attributes   map[string]any `json:"attributes,omitempty"`
	Reservations []string       `json:"reservations,omitempty"`
	Warnings     []string       `json:"warnings,omitempty"`
}

// Statuses of an AccountRun besides StatusPending, StatusSucceeded and StatusFailed.
const (
	// StatusSkippedDisabled marks an account a disable skipped: the registry already had it
	// DISABLED.
	StatusSkippedDisabled = "SKIPPED_ALREADY_DISABLED"
)

// AccountRun is one account of an every_account_<operation> script.
type AccountRun struct {
	ProviderKey  string `json:"providerKey"`
	ProviderName string `json:"providerName,omitempty"`
	SourceID     string `json:"sourceId,omitempty"`
	SourceName   string `json:"sourceName,omitempty"`
	AccountID    string `json:"accountId"`
	// Status is PENDING until the account's operation ends: SUCCEEDED, FAILED, or
	// SKIPPED_ALREADY_DISABLED.
	Status string `json:"status"`
	// AccountOperation and AttributeRequests are what the connector reported.
	AccountOperation  string             `json:"accountOperation,omitempty"`
	AttributeRequests []AttributeRequest `json:"attributeRequests,omitempty"`
	Output            map[string]any     `json:"output,omitempty"`
	Error             string             `json:"error,omitempty"`
	Evaluation
}

// AttributeRequest is one attribute change a script made.
type AttributeRequest struct {
	Name      string `json:"attributeName"`
	Value     any    `json:"attributeValue"`
	Operation string `json:"operation"`
}

// FlowState is a flow and its scripts inside a read-modify-write (UpdateFlow), with the jobs
// the change causes.
type FlowState struct {
	Flow    Flow
	Scripts []Script
	jobs    []jobInsert
	// accounts are the registry rows the change writes (RecordAccount).
	accounts []Account
}

type jobInsert struct {
	args river.JobArgs
	opts *river.InsertOpts
}

// Enqueue asks for a job to be inserted in the transaction that stores the change.
func (st *FlowState) Enqueue(args river.JobArgs, opts *river.InsertOpts) {
	st.jobs = append(st.jobs, jobInsert{args: args, opts: opts})
}

// FlowFilterFields are the fields and operators ListFlows accepts.
var FlowFilterFields = collection.Allowed{
	"status":         {collection.OpEq, collection.OpIn},
	"chainId":        {collection.OpEq},
	"recipientId":    {collection.OpEq},
	"trackingNumber": {collection.OpEq},
}

var flowFilterColumns = map[string]string{
	"status": "status", "chainId": "chain_id", "recipientId": "recipient_id", "trackingNumber": "tracking_number",
}

// FlowQuery selects flows.
type FlowQuery struct {
	Filters []collection.Condition
	Page    collection.Page
}

type flowDoc struct {
	ChainName string          `json:"chainName"`
	Context   json.RawMessage `json:"context"`
}

// StartFlow stores st's flow and scripts and enqueues its jobs, unless a flow with the same
// idempotency key exists: then it returns that flow (created false), or
// apierror.ErrIdempotencyKeyReused when it was started by a different request.
func (s *Store) StartFlow(ctx context.Context, st *FlowState) (FlowState, bool, error) {
	f := st.Flow
	ctxDoc, err := marshal(f.Context)
	if err != nil {
		return FlowState{}, false, err
	}
	doc, err := json.Marshal(flowDoc{ChainName: f.ChainName, Context: json.RawMessage(ctxDoc)})
	if err != nil {
		return FlowState{}, false, fmt.Errorf("encode flow: %w", err)
	}
	var (
		out     FlowState
		created bool
	)
	err = s.group.Do(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx,
			`INSERT INTO flows (id, chain_id, status, idempotency_key, request_hash, tracking_number, recipient_id, doc, errors, warnings, runs, created_us, modified_us)
			 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) ON CONFLICT (idempotency_key) DO NOTHING`,
			f.ID, f.ChainID, f.Status, f.IdempotencyKey, f.RequestHash, f.TrackingNumber, f.Context.GetRecipient().GetId(), string(doc),
			jsonList(f.Errors), jsonList(f.Warnings), f.Runs, f.Created.UnixMicro(), f.Modified.UnixMicro())
		if err != nil {
			return fmt.Errorf("start flow: %w", err)
		}
		if n == 0 {
			var id string
			if err := tx.QueryRow(ctx, `SELECT id FROM flows WHERE idempotency_key = $1`, f.IdempotencyKey).Scan(&id); err != nil {
				return fmt.Errorf("start flow: %w", err)
			}
			existing, err := s.readFlow(ctx, tx, id, "")
			if err != nil {
				return err
			}
			if existing.Flow.RequestHash != f.RequestHash {
				return fmt.Errorf("%w: idempotency key %q started flow %s with another request", apierror.ErrIdempotencyKeyReused, f.IdempotencyKey, id)
			}
			out = existing
			return nil
		}
		for i := range st.Scripts {
			if err := insertScript(ctx, tx, f.ID, &st.Scripts[i]); err != nil {
				return err
			}
		}
		for _, j := range st.jobs {
			if err := tx.InsertJob(ctx, j.args, j.opts); err != nil {
				return fmt.Errorf("start flow: enqueue: %w", err)
			}
		}
		created = true
		out = FlowState{Flow: f, Scripts: st.Scripts}
		return nil
	})
	return out, created, err
}

func insertScript(ctx context.Context, tx storage.Tx, flowID string, sc *Script) error {
	def, err := marshal(sc.Def)
	if err != nil {
		return err
	}
	state, err := json.Marshal(sc.State)
	if err != nil {
		return fmt.Errorf("encode script state: %w", err)
	}
	_, err = tx.Exec(ctx,
		`INSERT INTO flow_scripts (id, flow_id, idx, name, type, compensation, def, status, attempts, state, error, started_us, finished_us)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		sc.ID, flowID, sc.Index, sc.Name, sc.Type, boolInt(sc.Compensation), def, sc.Status, sc.Attempts, string(state), sc.Error,
		micros(sc.Started), micros(sc.Finished))
	if err != nil {
		return fmt.Errorf("store flow script %s: %w", sc.Name, err)
	}
	return nil
}

const flowColumns = `id, chain_id, status, idempotency_key, request_hash, tracking_number, doc, errors, warnings, runs, created_us, modified_us, completed_us`

func (s *Store) scanFlow(row storage.Row) (Flow, error) {
	var (
		f                 Flow
		doc, errs, warns  string
		created, modified int64
		completed         sql.NullInt64
	)
	if err := row.Scan(&f.ID, &f.ChainID, &f.Status, &f.IdempotencyKey, &f.RequestHash, &f.TrackingNumber, &doc, &errs, &warns, &f.Runs, &created, &modified, &completed); err != nil {
		return Flow{}, err
	}
	var d flowDoc
	if err := json.Unmarshal([]byte(doc), &d); err != nil {
		return Flow{}, fmt.Errorf("decode flow: %w", err)
	}
	f.ChainName = d.ChainName
	var err error
	if f.Context, err = s.cache.flowContext(f.ID, string(d.Context)); err != nil {
		return Flow{}, err
	}
	if err := json.Unmarshal([]byte(errs), &f.Errors); err != nil {
		return Flow{}, fmt.Errorf("decode flow errors: %w", err)
	}
	if err := json.Unmarshal([]byte(warns), &f.Warnings); err != nil {
		return Flow{}, fmt.Errorf("decode flow warnings: %w", err)
	}
	f.Created, f.Modified = time.UnixMicro(created).UTC(), time.UnixMicro(modified).UTC()
	if completed.Valid {
		f.Completed = time.UnixMicro(completed.Int64).UTC()
	}
	return f, nil
}

const scriptColumns = `id, idx, name, type, compensation, def, status, attempts, state, error, started_us, finished_us`

func (s *Store) scanScript(row storage.Row) (Script, error) {
	var (
		sc                Script
		comp              int
		def, state        string
		started, finished sql.NullInt64
	)
	if err := row.Scan(&sc.ID, &sc.Index, &sc.Name, &sc.Type, &comp, &def, &sc.Status, &sc.Attempts, &state, &sc.Error, &started, &finished); err != nil {
		return Script{}, err
	}
	sc.Compensation = comp != 0
	var err error
	if sc.Def, err = s.cache.scriptDef(sc.ID, def); err != nil {
		return Script{}, err
	}
	if err := json.Unmarshal([]byte(state), &sc.State); err != nil {
		return Script{}, fmt.Errorf("decode script state: %w", err)
	}
	sc.Started, sc.Finished = fromMicros(started), fromMicros(finished)
	return sc, nil
}

// readFlow reads a flow and its scripts with q (lock appended to the flow's SELECT).
func (s *Store) readFlow(ctx context.Context, q storage.DBTX, id, lock string) (FlowState, error) {
	f, err := s.scanFlow(q.QueryRow(ctx, `SELECT `+flowColumns+` FROM flows WHERE id = $1`+lock, id))
	if err != nil {
		return FlowState{}, fmt.Errorf("action flow %q: %w", id, err)
	}
	scripts, err := s.scripts(ctx, q, id)
	if err != nil {
		return FlowState{}, err
	}
	return FlowState{Flow: f, Scripts: scripts}, nil
}

func (s *Store) scripts(ctx context.Context, q storage.DBTX, flowID string) ([]Script, error) {
	rows, err := q.Query(ctx, `SELECT `+scriptColumns+` FROM flow_scripts WHERE flow_id = $1 ORDER BY idx`, flowID)
	if err != nil {
		return nil, fmt.Errorf("flow scripts: %w", err)
	}
	defer rows.Close()
	var out []Script
	for rows.Next() {
		sc, err := s.scanScript(rows)
		if err != nil {
			return nil, fmt.Errorf("flow scripts: %w", err)
		}
		out = append(out, sc)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("flow scripts: %w", err)
	}
	return out, nil
}

// GetFlow returns the flow with id and its scripts, or storage.ErrNotFound.
func (s *Store) GetFlow(ctx context.Context, id string) (FlowState, error) {
	return s.readFlow(ctx, s.backend.DB(), id, "")
}

// ListFlows returns one page of the flows q selects, newest first, with their scripts.
func (s *Store) ListFlows(ctx context.Context, q FlowQuery) ([]FlowState, error) {
	where, args := where(q.Filters, flowFilterColumns)
	args = append(args, q.Page.Limit, q.Page.Offset)
	query := fmt.Sprintf(`SELECT %s FROM flows%s ORDER BY created_us DESC, id LIMIT $%d OFFSET $%d`, flowColumns, where, len(args)-1, len(args))
	rows, err := s.backend.DB().Query(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	var out []FlowState
	for rows.Next() {
		f, err := s.scanFlow(rows)
		if err != nil {
			_ = rows.Close()
			return nil, fmt.Errorf("list flows: %w", err)
		}
		out = append(out, FlowState{Flow: f})
	}
	if err := rows.Err(); err != nil {
		_ = rows.Close()
		return nil, fmt.Errorf("list flows: %w", err)
	}
	if err := rows.Close(); err != nil {
		return nil, fmt.Errorf("list flows: %w", err)
	}
	for i := range out {
		if out[i].Scripts, err = s.scripts(ctx, s.backend.DB(), out[i].Flow.ID); err != nil {
			return nil, err
		}
	}
	return out, nil
}

// CountFlows counts the flows q's filters select, ignoring its page.
func (s *Store) CountFlows(ctx context.Context, q FlowQuery) (int, error) {
	where, args := where(q.Filters, flowFilterColumns)
	return s.count(ctx, `SELECT count(*) FROM flows`+where, args...)
}

// where is the WHERE clause of conds (eq and in conditions, already checked against the
// query's allowed fields) over columns, the column of each filter field, with its arguments.
func where(conds []collection.Condition, columns map[string]string) (string, []any) {
	var (
		clauses []string
		args    []any
	)
	for _, c := range conds {
		col := columns[c.Field]
		marks := make([]string, len(c.Values))
		for i, v := range c.Values {
			args = append(args, fmt.Sprint(v))
			marks[i] = fmt.Sprintf("$%d", len(args))
		}
		if c.Op == collection.OpIn {
			clauses = append(clauses, fmt.Sprintf("%s IN (%s)", col, strings.Join(marks, ", ")))
		} else {
			clauses = append(clauses, fmt.Sprintf("%s = %s", col, marks[0]))
		}
	}
	if len(clauses) == 0 {
		return "", nil
	}
	return " WHERE " + strings.Join(clauses, " AND "), args
}

// UpdateFlow reads the flow with id and its scripts, lets change modify them and enqueue
// jobs, and stores what changed with those jobs, all in one transaction. change's error
// aborts the update and is returned; storage.ErrNotFound when there is no such flow.
func (s *Store) UpdateFlow(ctx context.Context, id string, change func(*FlowState) error) (FlowState, error) {
	var out FlowState
	err := s.group.Do(ctx, func(ctx context.Context, tx storage.Tx) error {
		st, err := s.readFlow(ctx, tx, id, s.lock)
		if err != nil {
			return err
		}
		before := make([]string, len(st.Scripts))
		for i := range st.Scripts {
			if before[i], err = scriptKey(&st.Scripts[i]); err != nil {
				return err
			}
		}
		flowBefore := flowKey(st.Flow)
		if err := change(&st); err != nil {
			return err
		}
		if flowKey(st.Flow) != flowBefore {
			f := st.Flow
			if _, err := tx.Exec(ctx,
				`UPDATE flows SET status = $2, errors = $3, warnings = $4, runs = $5, modified_us = $6, completed_us = $7 WHERE id = $1`,
				f.ID, f.Status, jsonList(f.Errors), jsonList(f.Warnings), f.Runs, f.Modified.UnixMicro(), micros(f.Completed)); err != nil {
				return fmt.Errorf("update flow %s: %w", f.ID, err)
			}
		}
		for i := range st.Scripts {
			sc := &st.Scripts[i]
			key, err := scriptKey(sc)
			if err != nil {
				return err
			}
			if key == before[i] {
				continue
			}
			state, err := json.Marshal(sc.State)
			if err != nil {
				return fmt.Errorf("encode script state: %w", err)
			}
			if _, err := tx.Exec(ctx,
				`UPDATE flow_scripts SET status = $2, attempts = $3, state = $4, error = $5, started_us = $6, finished_us = $7 WHERE id = $1`,
				sc.ID, sc.Status, sc.Attempts, string(state), sc.Error, micros(sc.Started), micros(sc.Finished)); err != nil {
				return fmt.Errorf("update flow script %s: %w", sc.Name, err)
			}
		}
		// The jobs belong to the flow, whoever's call caused them (an approval link's click, a
		// retry): they work under the flow's trackingNumber.
		jobCtx := jobs.Caused(ctx, st.Flow.TrackingNumber, "")
		for _, j := range st.jobs {
			if err := tx.InsertJob(jobCtx, j.args, j.opts); err != nil {
				return fmt.Errorf("update flow %s: enqueue: %w", id, err)
			}
		}
		for i := range st.accounts {
			if err := upsertAccount(ctx, tx, st.accounts[i]); err != nil {
				return err
			}
		}
		st.jobs, st.accounts = nil, nil
		out = st
		return nil
	})
	return out, err
}

func flowKey(f Flow) string {
	return fmt.Sprint(f.Status, f.Errors, f.Warnings, f.Runs, f.Modified.UnixMicro(), f.Completed.UnixMicro())
}

func scriptKey(sc *Script) (string, error) {
	state, err := json.Marshal(sc.State)
	if err != nil {
		return "", fmt.Errorf("encode script state: %w", err)
	}
	return fmt.Sprint(sc.Status, "\x00", sc.Attempts, "\x00", sc.Error, "\x00", sc.Started.UnixMicro(), "\x00", sc.Finished.UnixMicro(), "\x00", string(state)), nil
}

func jsonList(l []string) string {
	if l == nil {
		l = []string{}
	}
	b, _ := json.Marshal(l) // a []string always encodes
	return string(b)
}

func boolInt(b bool) int {
	if b {
		return 1
	}
	return 0
}

func micros(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMicro()
}

func fromMicros(v sql.NullInt64) time.Time {
	if !v.Valid {
		return time.Time{}
	}
	return time.UnixMicro(v.Int64).UTC()
}

// ClaimScript marks the script with scriptID RUNNING for one more attempt (its flow too)
// unless it or its flow has ended; it reports whether it did. It is the cheap write that
// starts every provider script's run.
func (s *Store) ClaimScript(ctx context.Context, flowID, scriptID string, now time.Time) (bool, error) {
	var claimed bool
	err := s.group.Do(ctx, func(ctx context.Context, tx storage.Tx) error {
		n, err := tx.Exec(ctx,
			`UPDATE flow_scripts SET status = $3, attempts = attempts + 1, started_us = COALESCE(started_us, $4)
			 WHERE id = $1 AND flow_id = $2 AND status IN ($5, $3)
			   AND EXISTS (SELECT 1 FROM flows WHERE id = $2 AND status IN ($5, $3, $6))`,
			scriptID, flowID, StatusRunning, now.UnixMicro(), StatusPending, StatusWaiting)
		if err != nil {
			return fmt.Errorf("claim flow script %s: %w", scriptID, err)
		}
		if claimed = n > 0; !claimed {
			return nil
		}
		if _, err := tx.Exec(ctx, `UPDATE flows SET status = $2, modified_us = $3 WHERE id = $1 AND status <> $2`, flowID, StatusRunning, now.UnixMicro()); err != nil {
			return fmt.Errorf("claim flow script %s: %w", scriptID, err)
		}
		return nil
	})
	return claimed, err
}
