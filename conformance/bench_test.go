package conformance

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"
)

// benchVectors loads, once, every vector under $FVM_TEST_VECTORS (or only
// those under $FVM_BENCH_VECTORS, a path inside it) that the runner does
// not skip.
func benchVectors(b *testing.B) (*Runner, []*loaded) {
	b.Helper()
	dir := os.Getenv("FVM_BENCH_VECTORS")
	if dir == "" {
		dir = os.Getenv("FVM_TEST_VECTORS")
	}
	if dir == "" {
		b.Skip("FVM_TEST_VECTORS is not set")
	}
	files, err := FindVectors([]string{dir})
	if err != nil {
		b.Fatal(err)
	}
	r, err := testRunner()
	if err != nil {
		b.Fatal(err)
	}
	ctx := context.Background()
	var out []*loaded
	for _, f := range files {
		if res := r.RunFile(ctx, f); res.Status != Pass {
			if res.Status == Fail {
				b.Fatalf("%s: %s", f, res.Reason)
			}
			continue
		}
		v, err := LoadVector(f)
		if err != nil {
			b.Fatal(err)
		}
		lv, err := load(ctx, v)
		if err != nil {
			b.Fatal(err)
		}
		out = append(out, lv)
	}
	if len(out) == 0 {
		b.Skipf("no vector to run under %s", dir)
	}
	return r, out
}

// runBench applies the vectors once per iteration (loading is done before)
// and reports the gas executed per nanosecond of message execution and
// flush, next to the gas model's 10 gas/ns.
func runBench(b *testing.B, r *Runner, vectors []*loaded) {
	ctx := context.Background()
	var gasUsed int64
	var exec time.Duration
	for b.Loop() {
		for _, lv := range vectors {
			var res Result
			if err := r.runLoaded(ctx, lv, &res); err != nil {
				b.Fatalf("%s: %v", lv.v.ID(), err)
			}
			gasUsed += res.GasUsed
			exec += res.Duration
		}
	}
	b.ReportMetric(float64(gasUsed)/float64(exec.Nanoseconds()), "gas/ns")
	b.ReportMetric(float64(exec.Nanoseconds())/float64(b.N), "exec-ns/op")
}

// BenchmarkCorpus applies every vector once per iteration:
//
//	FVM_TEST_VECTORS=../shared/test-vectors go test ./conformance -run '^$' -bench Corpus -count 5 | benchstat -
func BenchmarkCorpus(b *testing.B) {
	r, vectors := benchVectors(b)
	runBench(b, r, vectors)
}

// BenchmarkVector applies each vector on its own, one sub-benchmark per
// vector (named by its id less the corpus prefix), for per-vector rates and
// profiles:
//
//	FVM_TEST_VECTORS=../shared/test-vectors go test ./conformance -run '^$' -bench 'Vector/Send-Ok-1$' -cpuprofile cpu.out
func BenchmarkVector(b *testing.B) {
	r, vectors := benchVectors(b)
	for i, lv := range vectors {
		name := strings.TrimPrefix(lv.v.ID(), "ext-0002-")
		if name == "" {
			name = strconv.Itoa(i)
		}
		b.Run(name, func(b *testing.B) { runBench(b, r, []*loaded{lv}) })
	}
}
