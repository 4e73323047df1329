package fvm_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"testing"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"

	fvm "github.com/go-fvm/go-fvm"
)

// The first EVM call of a fresh process: a process starts, makes an engine
// over a compiled-code cache, builds a genesis state of today's actors (which
// loads their bundle) with one account, opens a VM over it, deploys the
// Counter contract (the EAM, init and EVM actors run) and calls it. Measured in a child process (this test binary, run
// with firstCallEnv naming the cache folder), with an empty cache (cold) and
// with the cache the cold run left (warm).

// firstCallEnv names the cache folder of a child process run;
// firstCallModeEnv how its engine compiles: "lazy" (on first call) or
// "tiered" (EngineConfig.InterpretWhileCompiling).
const (
	firstCallEnv     = "FVM_FIRST_CALL_CACHE"
	firstCallModeEnv = "FVM_FIRST_CALL_MODE"
)

// firstCallTimes are a child's milestones, from its start, and the CPU
// time it had used (every thread) when the call returned.
type firstCallTimes struct {
	Engine, Genesis, VM, Deploy, Call time.Duration
	CPU                               time.Duration
}

// TestFirstCallChild is the child process's work; it does nothing unless
// firstCallEnv is set.
func TestFirstCallChild(t *testing.T) {
	dir := os.Getenv(firstCallEnv)
	if dir == "" {
		t.Skip("run by BenchmarkFirstEVMCall in a child process")
	}
	start := time.Now()
	var times firstCallTimes
	ctx := context.Background()
	mode := os.Getenv(firstCallModeEnv)
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir, InterpretWhileCompiling: mode == "tiered"})
	if err != nil {
		t.Fatal(err)
	}
	defer eng.Close(ctx)
	times.Engine = time.Since(start)
	sender, err := address.NewSecp256k1Address([]byte("first call sender"))
	if err != nil {
		t.Fatal(err)
	}
	w := todayGenesis(t, fil(1000), sender)
	times.Genesis = time.Since(start)
	vm := w.vm(t, eng, w.base)
	times.VM = time.Since(start)

	counter := deployCounter(t, vm, sender, 0)
	times.Deploy = time.Since(start)
	calldata := append([]byte{0x7c, 0xf5, 0xda, 0xb0}, make([]byte, 32)...)
	calldata[35] = 1
	ret := apply(t, vm, sender, 1, counter, evmInvokeContract, cborBytes(calldata), big.Zero())
	if ret.Receipt.ExitCode != exitcode.Ok {
		t.Fatalf("call: exit %d (%s)", ret.Receipt.ExitCode, ret.FailureInfo)
	}
	times.Call = time.Since(start)
	times.CPU, _ = processCPUTime()
	out, _ := json.Marshal(times)
	fmt.Printf("first-call %s\n", out)
}

// runFirstCall runs the child with the cache folder dir and returns its
// milestones and the parent's wall time (process start included).
func runFirstCall(b *testing.B, dir, mode string) (firstCallTimes, time.Duration) {
	b.Helper()
	start := time.Now()
	cmd := exec.Command(os.Args[0], "-test.run=^TestFirstCallChild$", "-test.v")
	cmd.Env = append(os.Environ(), firstCallEnv+"="+dir)
	cmd.Env = append(cmd.Env, firstCallModeEnv+"="+mode)
	out, err := cmd.CombinedOutput()
	wall := time.Since(start)
	if err != nil {
		b.Fatalf("child: %v\n%s", err, out)
	}
	i := bytes.Index(out, []byte("first-call "))
	if i < 0 {
		b.Fatalf("child printed no times:\n%s", out)
	}
	line, _, _ := bytes.Cut(out[i+len("first-call "):], []byte("\n"))
	var times firstCallTimes
	if err := json.Unmarshal(line, &times); err != nil {
		b.Fatalf("child times %q: %v", line, err)
	}
	return times, wall
}

func reportFirstCall(b *testing.B, runs []firstCallTimes, walls []time.Duration) {
	ms := func(f func(firstCallTimes) time.Duration) float64 {
		var sum time.Duration
		for _, r := range runs {
			sum += f(r)
		}
		return float64(sum.Microseconds()) / 1e3 / float64(len(runs))
	}
	var wall time.Duration
	for _, w := range walls {
		wall += w
	}
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.Engine }), "engine-ms")
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.Genesis - t.Engine }), "genesis-ms")
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.Deploy - t.VM }), "deploy-ms")
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.Call - t.Deploy }), "call-ms")
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.Call }), "to-call-ms")
	b.ReportMetric(ms(func(t firstCallTimes) time.Duration { return t.CPU }), "cpu-at-call-ms")
	b.ReportMetric(float64(wall.Milliseconds())/float64(len(walls)), "process-ms")
}

// BenchmarkFirstEVMCall measures the first EVM deployment and call of a
// fresh process, cold (an empty compiled-code cache) and warm (the cache a
// cold run left), in milliseconds from the process's start, with actors
// compiled when first called (lazy) and with
// EngineConfig.InterpretWhileCompiling (tiered):
//
//	go test -run '^$' -bench FirstEVMCall -benchtime 3x .
func BenchmarkFirstEVMCall(b *testing.B) {
	for _, mode := range []string{"lazy", "tiered"} {
		b.Run(mode+"/cold", func(b *testing.B) {
			var runs []firstCallTimes
			var walls []time.Duration
			for b.Loop() {
				t, w := runFirstCall(b, b.TempDir(), mode)
				runs, walls = append(runs, t), append(walls, w)
			}
			reportFirstCall(b, runs, walls)
		})
		b.Run(mode+"/warm", func(b *testing.B) {
			dir := b.TempDir()
			runFirstCall(b, dir, mode)
			var runs []firstCallTimes
			var walls []time.Duration
			for b.Loop() {
				t, w := runFirstCall(b, dir, mode)
				runs, walls = append(runs, t), append(walls, w)
			}
			reportFirstCall(b, runs, walls)
		})
	}
}
