package sqlite

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"

	"github.com/accessflow/accessflow/pkg/jobs"
)

// presence marks this process's River client as alive with an exclusive lock on a file of its
// own next to the database (<database>.clients/<client id>.lock), held for as long as the
// process runs: the kernel drops it the moment the process goes, killed or not, so another
// process knows at once that the client is gone (see jobs.TakeOver).
type presence struct {
	dir  string
	file *os.File
}

func holdPresence(dbPath, clientID string) (*presence, error) {
	p := &presence{dir: dbPath + ".clients"}
	if err := os.MkdirAll(p.dir, 0o700); err != nil {
		return nil, fmt.Errorf("presence dir: %w", err)
	}
	f, err := os.OpenFile(p.path(clientID), os.O_CREATE|os.O_RDWR, 0o600)
	if err != nil {
		return nil, fmt.Errorf("presence file: %w", err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		return nil, errors.Join(fmt.Errorf("presence lock: %w", err), f.Close())
	}
	p.file = f
	return p, nil
}

func (p *presence) path(clientID string) string {
	return filepath.Join(p.dir, filepath.Base(clientID)+".lock")
}

// Alive reports whether clientID's file is locked; the file of a gone client is removed.
func (p *presence) Alive(_ context.Context, clientID string) (bool, error) {
	f, err := os.OpenFile(p.path(clientID), os.O_RDWR, 0)
	if errors.Is(err, os.ErrNotExist) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("presence file: %w", err)
	}
	defer f.Close()
	switch err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); {
	case errors.Is(err, syscall.EWOULDBLOCK):
		return true, nil
	case err != nil:
		return false, fmt.Errorf("presence lock: %w", err)
	}
	_ = os.Remove(f.Name())
	return false, nil
}

func (p *presence) close() error {
	_ = os.Remove(p.file.Name())
	return p.file.Close()
}

// takeOver frees what gone processes of this service hold before the client works; River's
// own timers remain the fallback when it cannot.
func (b *Backend) takeOver(ctx context.Context) {
	if b.presence == nil {
		return
	}
	if err := jobs.TakeOver(ctx, b.river, "", b.presence.Alive, b.logger); err != nil {
		b.logger.WarnContext(ctx, "river takeover failed; gone processes' jobs wait for River's rescuer", "error", err)
	}
}
