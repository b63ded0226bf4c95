package store

import (
	"context"
	"fmt"
	"time"

	"github.com/accessflow/accessflow/pkg/collection"
	"github.com/accessflow/accessflow/pkg/storage"
)

// Statuses of a registry account.
const (
	AccountActive   = "ACTIVE"
	AccountDisabled = "DISABLED"
	AccountDeleted  = "DELETED"
)

// Account is one row of the account registry: an account a provider script created or
// changed, by provider and account id, with the identity (the flow's recipient) it belongs to.
type Account struct {
	ProviderKey string
	AccountID   string
	IdentityID  string
	// SourceID and SourceName are the provider's source when the account was last touched.
	SourceID   string
	SourceName string
	// Status is ACTIVE, DISABLED or DELETED; RecordAccount with an empty Status keeps the
	// stored one (a Modify does not re-enable an account), ACTIVE for a new row.
	Status string
	// LastOperation is the last account operation (Create, Modify, Disable…).
	LastOperation   string
	CreatedByFlowID string
	LastFlowID      string
	// TrackingNumber is the tracking number of the last flow that touched the account.
	TrackingNumber string
	Created        time.Time
	Updated        time.Time
}

// AccountFilterFields are the fields and operators ListAccounts accepts.
var AccountFilterFields = collection.Allowed{
	"identityId":  {collection.OpEq},
	"providerKey": {collection.OpEq},
	"sourceId":    {collection.OpEq},
	"status":      {collection.OpEq, collection.OpIn},
	"accountId":   {collection.OpEq},
}

var accountFilterColumns = map[string]string{
	"identityId": "identity_id", "providerKey": "provider_key", "sourceId": "source_id", "status": "status", "accountId": "account_id",
}

// AccountQuery selects registry accounts.
type AccountQuery struct {
	Filters []collection.Condition
	Page    collection.Page
}

// RecordAccount asks for a registry row to be written in the transaction that stores the
// flow's change (UpdateFlow): the account a script's success touched.
func (st *FlowState) RecordAccount(a Account) {
	st.accounts = append(st.accounts, a)
}

// upsertAccount inserts or updates a registry row: the creating flow and the creation time
// of an existing row are kept.
func upsertAccount(ctx context.Context, tx storage.Tx, a Account) error {
	status, keep := a.Status, 0
	if status == "" {
		status, keep = AccountActive, 1
	}
	_, err := tx.Exec(ctx,
		`INSERT INTO accounts (provider_key, account_id, identity_id, source_id, source_name, status, last_operation, created_by_flow_id, last_flow_id, tracking_number, created_us, updated_us)
		 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $8, $9, $10, $10)
		 ON CONFLICT (provider_key, account_id) DO UPDATE SET
		   identity_id = excluded.identity_id, source_id = excluded.source_id, source_name = excluded.source_name,
		   status = CASE WHEN $11 = 1 THEN accounts.status ELSE excluded.status END,
		   last_operation = excluded.last_operation, last_flow_id = excluded.last_flow_id,
		   tracking_number = excluded.tracking_number, updated_us = excluded.updated_us`,
		a.ProviderKey, a.AccountID, a.IdentityID, a.SourceID, a.SourceName, status, a.LastOperation, a.LastFlowID, a.TrackingNumber,
		a.Updated.UnixMicro(), keep)
	if err != nil {
		return fmt.Errorf("record account %s on %s: %w", a.AccountID, a.ProviderKey, err)
	}
	return nil
}

const accountColumns = `provider_key, account_id, identity_id, source_id, source_name, status, last_operation, created_by_flow_id, last_flow_id, tracking_number, created_us, updated_us`

func scanAccount(row storage.Row) (Account, error) {
	var (
		a                Account
		created, updated int64
	)
	if err := row.Scan(&a.ProviderKey, &a.AccountID, &a.IdentityID, &a.SourceID, &a.SourceName, &a.Status, &a.LastOperation,
		&a.CreatedByFlowID, &a.LastFlowID, &a.TrackingNumber, &created, &updated); err != nil {
		return Account{}, err
	}
	a.Created, a.Updated = time.UnixMicro(created).UTC(), time.UnixMicro(updated).UTC()
	return a, nil
}

// GetAccount returns the registry account accountID on the provider with key, or
// storage.ErrNotFound.
func (s *Store) GetAccount(ctx context.Context, providerKey, accountID string) (Account, error) {
	a, err := scanAccount(s.backend.DB().QueryRow(ctx, `SELECT `+accountColumns+` FROM accounts WHERE provider_key = $1 AND account_id = $2`, providerKey, accountID))
	if err != nil {
		return Account{}, fmt.Errorf("account %q on provider %q: %w", accountID, providerKey, err)
	}
	return a, nil
}

// ListAccounts returns one page of the registry accounts q selects, most recently updated
// first.
func (s *Store) ListAccounts(ctx context.Context, q AccountQuery) ([]Account, error) {
	where, args := where(q.Filters, accountFilterColumns)
	args = append(args, q.Page.Limit, q.Page.Offset)
	query := fmt.Sprintf(`SELECT %s FROM accounts%s ORDER BY updated_us DESC, provider_key, account_id LIMIT $%d OFFSET $%d`, accountColumns, where, len(args)-1, len(args))
	out, err := s.queryAccounts(ctx, query, args...)
	if err != nil {
		return nil, fmt.Errorf("list accounts: %w", err)
	}
	return out, nil
}

// CountAccounts counts the registry accounts q's filters select, ignoring its page.
func (s *Store) CountAccounts(ctx context.Context, q AccountQuery) (int, error) {
	where, args := where(q.Filters, accountFilterColumns)
	return s.count(ctx, `SELECT count(*) FROM accounts`+where, args...)
}

// LiveAccounts returns the identity's registry accounts that are not DELETED, on the provider
// with key when providerKey is not empty, most recently updated first.
func (s *Store) LiveAccounts(ctx context.Context, identityID, providerKey string) ([]Account, error) {
	query := `SELECT ` + accountColumns + ` FROM accounts WHERE identity_id = $1 AND status <> $2`
	args := []any{identityID, AccountDeleted}
	if providerKey != "" {
		query += ` AND provider_key = $3`
		args = append(args, providerKey)
	}
	out, err := s.queryAccounts(ctx, query+` ORDER BY updated_us DESC, provider_key, account_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("accounts of identity %q: %w", identityID, err)
	}
	return out, nil
}

// queryAccounts runs a query selecting accountColumns and scans its rows.
func (s *Store) queryAccounts(ctx context.Context, query string, args ...any) ([]Account, error) {
	rows, err := s.backend.DB().Query(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Account
	for rows.Next() {
		a, err := scanAccount(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}
