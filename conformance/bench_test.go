package conformance

import (
	"context"
	"os"
	"testing"
	"time"
)

// BenchmarkCorpus applies every vector under $FVM_TEST_VECTORS (or only
// those under $FVM_BENCH_VECTORS, a path inside it) once per iteration and
// reports the gas executed per nanosecond of message execution (loading
// vectors is not timed), next to the gas model's 10 gas/ns:
//
//	FVM_TEST_VECTORS=../shared/test-vectors go test ./conformance -run '^$' -bench Corpus -count 5 | benchstat -
func BenchmarkCorpus(b *testing.B) {
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
	var gasUsed int64
	var exec time.Duration
	b.ResetTimer()
	for range b.N {
		for _, f := range files {
			res := r.RunFile(context.Background(), f)
			if res.Status == Fail {
				b.Fatalf("%s: %s", f, res.Reason)
			}
			gasUsed += res.GasUsed
			exec += res.Duration
		}
	}
	b.ReportMetric(float64(gasUsed)/float64(exec.Nanoseconds()), "gas/ns")
	b.ReportMetric(float64(exec.Nanoseconds())/float64(b.N), "exec-ns/op")
}
