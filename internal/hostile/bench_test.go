package hostile

import (
	"bufio"
	"bytes"
	"context"
	"os"
	"strconv"
	"testing"
	"time"

	"github.com/go-fvm/go-fvm/internal/engine"
)

// BenchmarkCorpus runs every case at full size (close to the 10B block gas
// limit) and reports:
//   - gas/ns: gas used per nanosecond of wall time with the pages the
//     message touches resident (after one warm-up run in the same engine);
//     the gas model prices execution at 10 gas/ns.
//   - first-gas/ns: the same for the warm-up run, the first in a fresh
//     engine, which touches fresh pages.
//   - gas/cpu-ns: the same per nanosecond of the process's CPU time (all
//     threads: the garbage collector's too), which a loaded machine distorts
//     less than wall time.
//   - peak-MiB: the process's peak resident memory (VmHWM, reset before the
//     case where Linux allows it), and base-MiB the resident memory before
//     the case.
//
// Run with -benchtime=Nx (each op is one message of up to 10B gas):
//
//	go test ./internal/hostile -run '^$' -bench Corpus -benchtime 2x
func BenchmarkCorpus(b *testing.B) {
	dir, err := engine.DefaultCacheDir()
	if err != nil {
		b.Fatal(err)
	}
	for i := range corpus {
		c := &corpus[i]
		b.Run(c.name, func(b *testing.B) {
			eng, err := engine.New(context.Background(), engine.Config{CacheDir: dir})
			if err != nil {
				b.Fatal(err)
			}
			defer eng.Close(context.Background())
			w := newWorld(b, eng)
			resetPeakRSS()
			base := residentMiB("VmRSS")
			start := time.Now()
			ret := c.run(b, w, true)
			first := time.Since(start)
			c.check(b, ret, true)
			firstGas := ret.Receipt.GasUsed
			var gasUsed int64
			cpu := processCPUTime()
			b.ResetTimer()
			for range b.N {
				ret := c.run(b, w, true)
				if ret.Receipt.ExitCode != c.exit {
					b.Fatalf("exit %d, want %d", ret.Receipt.ExitCode, c.exit)
				}
				gasUsed += ret.Receipt.GasUsed
			}
			b.StopTimer()
			cpu = processCPUTime() - cpu
			b.ReportMetric(float64(gasUsed)/float64(b.Elapsed().Nanoseconds()), "gas/ns")
			if cpu > 0 {
				b.ReportMetric(float64(gasUsed)/float64(cpu.Nanoseconds()), "gas/cpu-ns")
			}
			b.ReportMetric(float64(firstGas)/float64(first.Nanoseconds()), "first-gas/ns")
			b.ReportMetric(float64(gasUsed)/float64(b.N), "gas/op")
			b.ReportMetric(residentMiB("VmHWM"), "peak-MiB")
			b.ReportMetric(base, "base-MiB")
		})
	}
}

// resetPeakRSS resets the process's peak resident set (Linux; elsewhere a
// no-op, and peak-MiB is the peak since the start).
func resetPeakRSS() {
	_ = os.WriteFile("/proc/self/clear_refs", []byte("5"), 0)
}

// residentMiB reads a memory figure (VmRSS, VmHWM) of /proc/self/status in
// MiB, or 0 where there is none.
func residentMiB(field string) float64 {
	f, err := os.Open("/proc/self/status")
	if err != nil {
		return 0
	}
	defer f.Close()
	s := bufio.NewScanner(f)
	for s.Scan() {
		line := s.Bytes()
		if !bytes.HasPrefix(line, []byte(field+":")) {
			continue
		}
		fields := bytes.Fields(line[len(field)+1:])
		if len(fields) == 0 {
			return 0
		}
		kb, err := strconv.ParseFloat(string(fields[0]), 64)
		if err != nil {
			return 0
		}
		return kb / 1024
	}
	return 0
}
