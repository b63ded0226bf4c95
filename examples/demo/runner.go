package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"testing"
)

// runner is the testing.TB the scenario helpers and the loopback test servers
// (internal/testserver) take, for a program: logs go to stderr, a failure stops the demo after
// running the cleanups.
type runner struct {
	testing.TB // not called: every method the helpers use is below

	ctx      context.Context
	cancel   context.CancelFunc
	cleanups []func()
	failed   bool
}

// errFailNow unwinds the demo from a failed check to main's recover.
var errFailNow = errors.New("demo failed")

func newRunner() *runner {
	ctx, cancel := context.WithCancel(context.Background())
	return &runner{ctx: ctx, cancel: cancel}
}

func (r *runner) Helper()                  {}
func (r *runner) Name() string             { return "demo" }
func (r *runner) Context() context.Context { return r.ctx }
func (r *runner) Cleanup(f func())         { r.cleanups = append(r.cleanups, f) }
func (r *runner) Failed() bool             { return r.failed }
func (r *runner) Log(args ...any)          { fmt.Fprintln(os.Stderr, args...) }
func (r *runner) Logf(format string, args ...any) {
	fmt.Fprintf(os.Stderr, format+"\n", args...)
}

func (r *runner) Errorf(format string, args ...any) {
	r.failed = true
	r.Logf(format, args...)
}

func (r *runner) Error(args ...any) {
	r.failed = true
	r.Log(args...)
}

func (r *runner) FailNow() {
	r.failed = true
	panic(errFailNow)
}

func (r *runner) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.FailNow()
}

func (r *runner) Fatal(args ...any) {
	r.Error(args...)
	r.FailNow()
}

func (r *runner) TempDir() string {
	dir, err := os.MkdirTemp("", "accessflow-demo-")
	if err != nil {
		r.Fatalf("temp dir: %v", err)
	}
	r.Cleanup(func() { _ = os.RemoveAll(dir) })
	return dir
}

// recover turns a FailNow into exit code 1.
func (r *runner) recover(code *int) {
	if v := recover(); v != nil {
		if v != errFailNow { //nolint:errorlint // the sentinel itself, panicked
			panic(v)
		}
	}
	if r.failed {
		*code = 1
	}
}

// cleanup runs the cleanups, last registered first.
func (r *runner) cleanup() {
	r.cancel()
	for i := len(r.cleanups) - 1; i >= 0; i-- {
		r.cleanups[i]()
	}
}
