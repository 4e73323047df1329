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

	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/go-fvm/go-fvm/conformance"
)

// conformanceFlags are the options of fvm conformance.
type conformanceFlags struct {
	asJSON   bool
	jobs     int
	repeat   int
	cacheDir string
	profile  bool
}

func newConformanceCmd() *cobra.Command {
	var f conformanceFlags
	cmd := &cobra.Command{
		Use:   "conformance PATH...",
		Short: "Run the message test vectors found under the paths and compare with their expectations",
		Long: "Run every message test vector found under the paths (files, or folders searched for *.json;\n" +
			"a folder without any is an error): one line per vector as soon as it is known, in order,\n" +
			"PASS, FAIL with the first mismatch, or SKIP with its reason, then \"N passed, M failed,\n" +
			"K skipped\" and the gas rate. Exit status 1 if anything failed.\n\n" +
			"--repeat N runs each vector N times in one process, as a node meets the same messages\n" +
			"again and again: each line then shows the vector's best time and gas per nanosecond, and\n" +
			"the summary the distribution over the vectors (worst, median, aggregate) next to the gas\n" +
			"model's 10 gas/ns, with the five slowest in gas/ns.",
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			return runConformance(cmd, paths, f)
		},
	}
	defaultCache, _ := fvm.DefaultCacheDir()
	cmd.Flags().BoolVar(&f.asJSON, "json", false, "print one JSON object per vector and a summary object")
	cmd.Flags().IntVarP(&f.jobs, "jobs", "j", 1, "vectors to run in parallel")
	cmd.Flags().IntVar(&f.repeat, "repeat", 0, "run each vector N times and report its best time and gas/ns, and their distribution")
	cmd.Flags().StringVar(&f.cacheDir, "cache-dir", defaultCache, "compiled-code cache (empty: none)")
	cmd.Flags().BoolVar(&f.profile, "profile", false, "split each vector's time into wasm, syscalls, blocks and other; print the slowest five")
	return cmd
}

func runConformance(cmd *cobra.Command, paths []string, f conformanceFlags) error {
	switch {
	case f.jobs < 1:
		return fmt.Errorf("-j %d: need at least one job", f.jobs)
	case cmd.Flags().Changed("repeat") && f.repeat < 1:
		return fmt.Errorf("--repeat %d: need at least one run", f.repeat)
	}
	files, err := conformance.FindVectors(paths)
	if err != nil {
		return err
	}
	ctx := cmd.Context()
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: f.cacheDir})
	if err != nil {
		return err
	}
	defer eng.Close(ctx)
	progress := newRunnerProgress(cmd.ErrOrStderr())
	runner, err := conformance.NewRunner(ctx, eng, locator(cmd), conformance.ReferenceSkips, conformance.WithProgress(progress.report))
	progress.finish()
	if err != nil {
		return err
	}
	runner.Profile = f.profile
	runner.Repeat = f.repeat

	// Process CPU time says something per vector only when they run one at
	// a time.
	rep := &reporter{out: cmd.OutOrStdout(), asJSON: f.asJSON, repeat: f.repeat, cpu: f.jobs == 1}
	results := runAll(cmd, runner, files, f.jobs, rep.vector)
	err = rep.summary(results)
	if f.profile && !f.asJSON {
		printSlowest(cmd.OutOrStdout(), results, 5)
	}
	return err
}

// runAll runs the vectors on jobs workers and hands each result to emit as
// soon as it and every result before it are known, in the files' order.
func runAll(cmd *cobra.Command, runner *conformance.Runner, files []string, jobs int, emit func(conformance.Result)) []conformance.Result {
	results := make([]conformance.Result, len(files))
	finished := make(chan int)
	next := make(chan int)
	var wg sync.WaitGroup
	for range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range next {
				results[i] = runner.RunFile(cmd.Context(), files[i])
				finished <- i
			}
		}()
	}
	go func() {
		for i := range files {
			next <- i
		}
		close(next)
		wg.Wait()
		close(finished)
	}()
	// The results array is written by the worker before it sends i, so it
	// is safe to read here once i arrived.
	done := make([]bool, len(files))
	printed := 0
	for i := range finished {
		done[i] = true
		for printed < len(files) && done[printed] {
			emit(results[printed])
			printed++
		}
	}
	return results
}

// runnerProgress shows the compilation of the bundles' actors on stderr:
// a counter updated in place on a terminal; elsewhere a line per actor, but
// only once compiling has taken a second (a warm cache stays quiet).
type runnerProgress struct {
	w        io.Writer
	terminal bool
	start    time.Time
	mu       sync.Mutex
	shown    bool
}

func newRunnerProgress(w io.Writer) *runnerProgress {
	p := &runnerProgress{w: w, start: time.Now()}
	if f, ok := w.(*os.File); ok && term.IsTerminal(int(f.Fd())) {
		p.terminal = true
	}
	return p
}

func (p *runnerProgress) report(version, done, total int, name string) {
	p.mu.Lock()
	defer p.mu.Unlock()
	elapsed := time.Since(p.start)
	if p.terminal {
		fmt.Fprintf(p.w, "\r\033[Kcompiling actors v%d: %d/%d (%s) %.1fs", version, done, total, name, elapsed.Seconds())
		p.shown = true
		return
	}
	if elapsed < time.Second {
		return
	}
	fmt.Fprintf(p.w, "compiling actors v%d: %d/%d (%s) %.1fs\n", version, done, total, name, elapsed.Seconds())
	p.shown = true
}

// finish ends the progress display with the time it all took.
func (p *runnerProgress) finish() {
	p.mu.Lock()
	defer p.mu.Unlock()
	if !p.shown {
		return
	}
	if p.terminal {
		fmt.Fprint(p.w, "\r\033[K")
	}
	fmt.Fprintf(p.w, "actors compiled in %.1fs\n", time.Since(p.start).Seconds())
}

// reporter prints each vector's line and the closing summary.
type reporter struct {
	out    io.Writer
	asJSON bool
	repeat int
	cpu    bool
}

// summary is the closing report.
type summary struct {
	Passed, Failed, Skipped int
	GasUsed                 int64
	ExecNanos               int64
	GasPerNano              float64
	// Runs is the runs per vector (--repeat); the figures below are over
	// the vectors that used gas, each at its best run.
	Runs         int          `json:",omitempty"`
	Distribution *rateSummary `json:",omitempty"`
	// CPUDistribution is the same over the vectors' CPU time (with -j 1).
	CPUDistribution *rateSummary `json:",omitempty"`
	Slowest         []vectorRate `json:",omitempty"`
	BelowModel      int          `json:",omitempty"`
}

// vector prints one vector's line (or JSON object).
func (rep *reporter) vector(r conformance.Result) {
	if rep.asJSON {
		_ = json.NewEncoder(rep.out).Encode(r)
		return
	}
	name := r.ID
	if name == "" {
		name = r.Path
	}
	switch {
	case r.Status == conformance.Fail && r.ID != "":
		// A failure names its file, to run it again.
		fmt.Fprintf(rep.out, "FAIL %s (%s): %s\n", r.ID, r.Path, r.Reason)
	case r.Status != conformance.Pass:
		fmt.Fprintf(rep.out, "%s %s: %s\n", r.Status, name, r.Reason)
	case rep.repeat > 0:
		fmt.Fprintf(rep.out, "PASS %s %s %d gas %s%s\n", name, r.Duration.Round(time.Microsecond), r.GasUsed, formatRate(rateOf(r)), rep.cpuNote(r))
	default:
		fmt.Fprintf(rep.out, "PASS %s\n", name)
	}
}

func (rep *reporter) summary(results []conformance.Result) error {
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
	}
	s.ExecNanos = exec.Nanoseconds()
	if s.ExecNanos > 0 {
		s.GasPerNano = float64(s.GasUsed) / float64(s.ExecNanos)
	}
	if rep.repeat > 0 {
		s.Runs = rep.repeat
		rates := vectorRates(results)
		s.Distribution = distribution(rates)
		if rep.cpu {
			s.CPUDistribution = distribution(cpuRates(results))
		}
		s.Slowest = rates[:min(5, len(rates))]
		for _, v := range rates {
			if v.GasPerNano < gasModelRate {
				s.BelowModel++
			}
		}
	}
	if rep.asJSON {
		if err := json.NewEncoder(rep.out).Encode(s); err != nil {
			return err
		}
	} else {
		rep.printSummary(s, exec)
	}
	if s.Failed > 0 {
		return silentError{fmt.Errorf("%d vectors failed", s.Failed)}
	}
	return nil
}

// gasModelRate is the execution speed the gas model prices (FIP-0032):
// 10 gas per nanosecond.
const gasModelRate = 10.0

func (rep *reporter) printSummary(s summary, exec time.Duration) {
	out := rep.out
	fmt.Fprintf(out, "%d passed, %d failed, %d skipped\n", s.Passed, s.Failed, s.Skipped)
	best := ""
	if s.Runs > 0 {
		best = fmt.Sprintf(" (best of %d runs per vector)", s.Runs)
	}
	fmt.Fprintf(out, "gas used %d in %s of execution%s: %.2f gas/ns (the gas model assumes 10 gas/ns)\n",
		s.GasUsed, exec.Round(time.Millisecond), best, s.GasPerNano)
	if s.Distribution == nil {
		return
	}
	d := s.Distribution
	fmt.Fprintf(out, "gas/ns per vector, %d vectors at their best: worst %.2f, p10 %.2f, median %.2f, p90 %.2f, best %.2f, aggregate %.2f; %d below the model's 10 gas/ns\n",
		d.Vectors, d.Worst, d.P10, d.Median, d.P90, d.Best, d.Aggregate, s.BelowModel)
	if c := s.CPUDistribution; c != nil {
		fmt.Fprintf(out, "gas per CPU-ns per vector (the process's CPU time, less distorted by a loaded machine): worst %.2f, p10 %.2f, median %.2f, p90 %.2f, best %.2f, aggregate %.2f\n",
			c.Worst, c.P10, c.Median, c.P90, c.Best, c.Aggregate)
	}
	fmt.Fprintf(out, "slowest %d in gas/ns:\n", len(s.Slowest))
	for _, v := range s.Slowest {
		cpu := ""
		if rep.cpu && v.CPUNanos > 0 {
			cpu = fmt.Sprintf("; cpu %s, %.2f gas/cpu-ns", time.Duration(v.CPUNanos).Round(time.Microsecond), float64(v.GasUsed)/float64(v.CPUNanos))
		}
		fmt.Fprintf(out, "  %s: %d gas in %s, %s%s\n", v.ID, v.GasUsed, time.Duration(v.BestNanos).Round(time.Microsecond), formatRate(v.GasPerNano), cpu)
	}
}

// vectorRate is a vector's best gas rate.
type vectorRate struct {
	ID         string
	GasUsed    int64
	BestNanos  int64
	WorstNanos int64
	CPUNanos   int64 `json:",omitempty"`
	GasPerNano float64
}

// rateSummary is the distribution of the vectors' best gas rates.
type rateSummary struct {
	Vectors                          int
	Worst, P10, Median, P90, Best    float64
	Aggregate                        float64
	AggregateGas, AggregateBestNanos int64
}

func rateOf(r conformance.Result) float64 {
	if r.Duration <= 0 {
		return 0
	}
	return float64(r.GasUsed) / float64(r.Duration.Nanoseconds())
}

func formatRate(rate float64) string {
	return fmt.Sprintf("%.2f gas/ns (%.2fx the model)", rate, rate/gasModelRate)
}

// vectorRates returns the passed vectors that used gas, slowest (in gas/ns)
// first.
func vectorRates(results []conformance.Result) []vectorRate {
	var out []vectorRate
	for _, r := range results {
		if r.Status != conformance.Pass || r.GasUsed == 0 || r.Duration <= 0 {
			continue
		}
		worst := r.Duration
		for _, d := range r.Runs {
			worst = max(worst, d)
		}
		out = append(out, vectorRate{ID: r.ID, GasUsed: r.GasUsed, BestNanos: r.Duration.Nanoseconds(), WorstNanos: worst.Nanoseconds(), CPUNanos: r.CPU.Nanoseconds(), GasPerNano: rateOf(r)})
	}
	slices.SortStableFunc(out, func(a, b vectorRate) int { return cmp.Compare(a.GasPerNano, b.GasPerNano) })
	return out
}

// cpuRates returns the passed vectors that used gas, by gas per CPU-ns,
// slowest first.
func cpuRates(results []conformance.Result) []vectorRate {
	var out []vectorRate
	for _, r := range results {
		if r.Status != conformance.Pass || r.GasUsed == 0 || r.CPU <= 0 {
			continue
		}
		out = append(out, vectorRate{ID: r.ID, GasUsed: r.GasUsed, BestNanos: r.CPU.Nanoseconds(), CPUNanos: r.CPU.Nanoseconds(),
			GasPerNano: float64(r.GasUsed) / float64(r.CPU.Nanoseconds())})
	}
	slices.SortStableFunc(out, func(a, b vectorRate) int { return cmp.Compare(a.GasPerNano, b.GasPerNano) })
	return out
}

// cpuNote is a vector line's CPU-time figure (with -j 1).
func (rep *reporter) cpuNote(r conformance.Result) string {
	if !rep.cpu || r.CPU <= 0 {
		return ""
	}
	return fmt.Sprintf("; cpu %s %.2f gas/cpu-ns", r.CPU.Round(time.Microsecond), float64(r.GasUsed)/float64(r.CPU.Nanoseconds()))
}

// distribution summarises rates (sorted slowest first).
func distribution(rates []vectorRate) *rateSummary {
	if len(rates) == 0 {
		return nil
	}
	d := &rateSummary{Vectors: len(rates)}
	at := func(q float64) float64 { return rates[int(q*float64(len(rates)-1)+0.5)].GasPerNano }
	d.Worst, d.P10, d.Median, d.P90, d.Best = at(0), at(0.1), at(0.5), at(0.9), at(1)
	for _, r := range rates {
		d.AggregateGas += r.GasUsed
		d.AggregateBestNanos += r.BestNanos
	}
	d.Aggregate = float64(d.AggregateGas) / float64(d.AggregateBestNanos)
	return d
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
		fmt.Fprintf(w, "  %s: %s, %d gas (%.2f gas/ns): wasm %.0f%% syscalls %.0f%% blocks %.0f%% other %.0f%%\n",
			r.ID, r.Duration.Round(time.Microsecond), r.GasUsed, rateOf(r), share("wasm"), share("syscalls"), share("blocks"), share("other"))
	}
}
