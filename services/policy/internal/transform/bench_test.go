package transform

import (
	"context"
	"strconv"
	"sync/atomic"
	"testing"
)

// BenchmarkEvaluateSeedPolicy measures one evaluation of the seed issue's
// policy, including the in-memory claim and its release, with two candidates
// already taken so the claimer has to skip some.
func BenchmarkEvaluateSeedPolicy(b *testing.B) {
	prog, err := Compile(decodeFields(b, seedPolicy))
	if err != nil {
		b.Fatal(err)
	}
	claimer := NewMemoryClaimer()
	claimer.Reserve("userName", "John.Smith", "John.Smith1")
	in := Input{Identity: map[string]any{"firstname": "John", "lastname": "Smith"}, Claimer: claimer}
	ctx := context.Background()
	b.ReportAllocs()
	for b.Loop() {
		res, err := prog.Evaluate(ctx, in)
		if err != nil {
			b.Fatal(err)
		}
		claimer.Release("userName", res.Claims[0].Value)
	}
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}

// BenchmarkEvaluateSeedPolicyParallel runs the same evaluation from
// GOMAXPROCS goroutines, each with its own identity, sharing one Program and
// one claimer.
func BenchmarkEvaluateSeedPolicyParallel(b *testing.B) {
	prog, err := Compile(decodeFields(b, seedPolicy))
	if err != nil {
		b.Fatal(err)
	}
	claimer := NewMemoryClaimer()
	var worker atomic.Int64
	ctx := context.Background()
	b.ReportAllocs()
	b.RunParallel(func(pb *testing.PB) {
		first := "John" + strconv.FormatInt(worker.Add(1), 10)
		in := Input{Identity: map[string]any{"firstname": first, "lastname": "Smith"}, Claimer: claimer}
		for pb.Next() {
			res, err := prog.Evaluate(ctx, in)
			if err != nil {
				b.Error(err)
				return
			}
			claimer.Release("userName", res.Claims[0].Value)
		}
	})
	b.ReportMetric(float64(b.N)/b.Elapsed().Seconds(), "evals/s")
}

// BenchmarkCompileSeedPolicy shows what compiling once saves.
func BenchmarkCompileSeedPolicy(b *testing.B) {
	fields := decodeFields(b, seedPolicy)
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Compile(fields); err != nil {
			b.Fatal(err)
		}
	}
}
