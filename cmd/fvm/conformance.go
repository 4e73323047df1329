package main

import (
	"cmp"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"slices"
	"sync"
	"time"

	fvm "github.com/go-fvm/go-fvm"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/go-fvm/go-fvm/conformance"
)

func newConformanceCmd() *cobra.Command {
	var (
		asJSON   bool
		jobs     int
		cacheDir string
		profile  bool
	)
	cmd := &cobra.Command{
		Use:   "conformance PATH...",
		Short: "Run the message test vectors found under the paths and compare with their expectations",
		Long: "Run every message test vector found under the paths (files, or folders searched for *.json):\n" +
			"one line per vector, PASS, FAIL with the first mismatch, or SKIP with its reason, then\n" +
			"\"N passed, M failed, K skipped\" and the gas rate. Exit status 1 if anything failed.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			files, err := conformance.FindVectors(paths)
			if err != nil {
				return err
			}
			if jobs < 1 {
				return fmt.Errorf("-j %d: need at least one job", jobs)
			}
			ctx := cmd.Context()
			eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: cacheDir})
			if err != nil {
				return err
			}
			defer eng.Close(ctx)
			runner, err := conformance.NewRunner(ctx, eng, locator(cmd), conformance.ReferenceSkips)
			if err != nil {
				return err
			}
			runner.Profile = profile

			results := runAll(cmd, runner, files, jobs)
			err = report(cmd, results, asJSON)
			if profile && !asJSON {
				printSlowest(cmd.OutOrStdout(), results, 5)
			}
			return err
		},
	}
	defaultCache, _ := fvm.DefaultCacheDir()
	cmd.Flags().BoolVar(&asJSON, "json", false, "print one JSON object per vector and a summary object")
	cmd.Flags().IntVarP(&jobs, "jobs", "j", 1, "vectors to run in parallel")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", defaultCache, "compiled-code cache (empty: none)")
	cmd.Flags().BoolVar(&profile, "profile", false, "split each vector's time into wasm, syscalls, blocks and other; print the slowest five")
	return cmd
}

// runAll runs the vectors on jobs workers; results keep the files' order.
func runAll(cmd *cobra.Command, runner *conformance.Runner, files []string, jobs int) []conformance.Result {
	results := make([]conformance.Result, len(files))
	var bar *progressbar.ProgressBar
	if f, ok := cmd.ErrOrStderr().(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		bar = progressbar.NewOptions(len(files), progressbar.OptionSetWriter(f), progressbar.OptionClearOnFinish())
	}
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runner.RunFile(cmd.Context(), files[i])
				if bar != nil {
					_ = bar.Add(1)
				}
			}
		}()
	}
	for i := range files {
		next <- i
	}
	close(next)
	wg.Wait()
	return results
}

// summary is the closing report.
type summary struct {
	Passed, Failed, Skipped int
	GasUsed                 int64
	ExecNanos               int64
	GasPerNano              float64
}

func report(cmd *cobra.Command, results []conformance.Result, asJSON bool) error {
	out := cmd.OutOrStdout()
	enc := json.NewEncoder(out)
	var s summary
	var exec time.Duration
	for _, r := range results {
		switch r.Status {
		case conformance.Pass:
			s.Passed++
		case conformance.Fail:
			s.Failed++
		case conformance.Skip:
			s.Skipped++
		}
		s.GasUsed += r.GasUsed
		exec += r.Duration
		if asJSON {
			if err := enc.Encode(r); err != nil {
				return err
			}
			continue
		}
		name := r.ID
		if name == "" {
			name = r.Path
		}
		if r.Status == conformance.Pass {
			fmt.Fprintf(out, "PASS %s\n", name)
		} else {
			fmt.Fprintf(out, "%s %s: %s\n", r.Status, name, r.Reason)
		}
	}
	s.ExecNanos = exec.Nanoseconds()
	if s.ExecNanos > 0 {
		s.GasPerNano = float64(s.GasUsed) / float64(s.ExecNanos)
	}
	if asJSON {
		if err := enc.Encode(s); err != nil {
			return err
		}
	} else {
		fmt.Fprintf(out, "%d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
		fmt.Fprintf(out, "gas used %d in %s of execution: %.2f gas/ns (the gas model assumes 10 gas/ns)\n",
			s.GasUsed, exec.Round(time.Millisecond), s.GasPerNano)
	}
	if s.Failed > 0 {
		return silentError{fmt.Errorf("%d vectors failed", s.Failed)}
	}
	return nil
}

// printSlowest prints the n slowest vectors with their time split by phase.
func printSlowest(w io.Writer, results []conformance.Result, n int) {
	sorted := slices.Clone(results)
	slices.SortFunc(sorted, func(a, b conformance.Result) int { return cmp.Compare(b.Duration, a.Duration) })
	fmt.Fprintf(w, "slowest %d vectors (share of time in wasm / syscalls / blocks / other):\n", min(n, len(sorted)))
	for _, r := range sorted[:min(n, len(sorted))] {
		share := func(p string) float64 {
			if r.Duration == 0 {
				return 0
			}
			return 100 * float64(r.Phases[p]) / float64(r.Duration)
		}
		gasPerNs := 0.0
		if r.Duration > 0 {
			gasPerNs = float64(r.GasUsed) / float64(r.Duration.Nanoseconds())
		}
		fmt.Fprintf(w, "  %s: %s, %d gas (%.2f gas/ns): wasm %.0f%% syscalls %.0f%% blocks %.0f%% other %.0f%%\n",
			r.ID, r.Duration.Round(time.Microsecond), r.GasUsed, gasPerNs, share("wasm"), share("syscalls"), share("blocks"), share("other"))
	}
}
