package storage_test

import (
	"bytes"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/accessflow/accessflow/pkg/storage"
)

// A full storage is logged once however many writes fail, other errors change nothing, and
// the first successful write clears it with one more line.
func TestFullState(t *testing.T) {
	t.Parallel()
	var logs bytes.Buffer
	f := storage.NewFullState("data/trigger-ingest.db", slog.New(slog.NewTextHandler(&logs, nil)))
	require.False(t, f.Full())
	for range 3 {
		f.Observe(fmt.Errorf("store event: %w: database or disk is full", storage.ErrFull))
	}
	require.True(t, f.Full())
	f.Observe(errors.New("some other failure"))
	require.True(t, f.Full(), "other errors do not clear it")
	f.Observe(nil)
	require.False(t, f.Full())
	f.Observe(nil)
	require.Equal(t, 1, strings.Count(logs.String(), "msg=\"database storage is full"))
	require.Equal(t, 1, strings.Count(logs.String(), "msg=\"database writes succeed again"))
}
