package audit_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"
	"google.golang.org/protobuf/types/known/structpb"

	policyv1 "github.com/accessflow/accessflow/api/accessflow/policy/v1"
	"github.com/accessflow/accessflow/pkg/audit"
	"github.com/accessflow/accessflow/pkg/storage"
	"github.com/accessflow/accessflow/pkg/storage/postgres"
	"github.com/accessflow/accessflow/pkg/storage/sqlite"
	"github.com/accessflow/accessflow/pkg/storage/storagetest"
)

func TestRedact(t *testing.T) {
	t.Parallel()
	attrs, err := structpb.NewStruct(map[string]any{
		"host":     "ldap.corp",
		"password": "hunter2",
		"nested":   map[string]any{"apiKey": "k", "list": []any{map[string]any{"client_secret": "s", "ok": "v"}}},
	})
	require.NoError(t, err)
	src := &policyv1.Source{Name: "x", ConnectorAttributes: attrs}
	out := audit.Redact(&policyv1.CreateSourceRequest{Source: src}).(*policyv1.CreateSourceRequest)
	got := out.GetSource().GetConnectorAttributes().AsMap()
	require.Equal(t, "ldap.corp", got["host"])
	require.Equal(t, audit.Redacted, got["password"])
	nested := got["nested"].(map[string]any)
	require.Equal(t, audit.Redacted, nested["apiKey"])
	item := nested["list"].([]any)[0].(map[string]any)
	require.Equal(t, audit.Redacted, item["client_secret"])
	require.Equal(t, "v", item["ok"])
	require.Equal(t, "hunter2", src.GetConnectorAttributes().AsMap()["password"], "the original is untouched")
}

// The log is append-only in the database itself, not just by convention.
func TestAppendOnly(t *testing.T) {
	insert := `INSERT INTO audit_events (id, time_us, method, actor, client_id, tracking_number, target, outcome, request, result)
		VALUES ('e1', 1, 'm', 'a', '', '', '', 'OK', '{}', '{}')`
	check := func(t *testing.T, b storage.Backend) {
		ctx := t.Context()
		require.NoError(t, b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error { _, err := tx.Exec(ctx, insert); return err }))
		for _, stmt := range []string{`UPDATE audit_events SET actor = 'mallory'`, `DELETE FROM audit_events`} {
			err := b.InTx(ctx, func(ctx context.Context, tx storage.Tx) error { _, err := tx.Exec(ctx, stmt); return err })
			require.ErrorContains(t, err, "append-only", stmt)
		}
	}
	t.Run("sqlite", func(t *testing.T) {
		m, err := audit.Migrations(storage.BackendSQLite)
		require.NoError(t, err)
		b, err := sqlite.Open(t.Context(), storagetest.SQLitePath(t), sqlite.Options{Platform: m})
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		check(t, b)
	})
	t.Run("postgres", func(t *testing.T) {
		m, err := audit.Migrations(storage.BackendPostgres)
		require.NoError(t, err)
		open := func(ctx context.Context, url string) (*postgres.Backend, error) {
			return postgres.Open(ctx, url, postgres.Options{Schema: "audit", Platform: m})
		}
		url := storagetest.NewPostgresDatabase(t, "audit", m, func(ctx context.Context, url string) error {
			b, err := open(ctx, url)
			if err != nil {
				return err
			}
			return b.Close()
		})
		b, err := open(t.Context(), url)
		require.NoError(t, err)
		t.Cleanup(func() { require.NoError(t, b.Close()) })
		check(t, b)
	})
}
