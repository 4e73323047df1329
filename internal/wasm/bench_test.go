package wasm

import (
	"strings"
	"testing"
)

// largestActor returns the largest builtin actor module of the v16 bundle (the largest of
// all bundles: the v16 EVM actor).
func largestActor(b *testing.B) actorCode {
	actors := loadBundle(b, "v16")
	best := actors[0]
	for _, a := range actors {
		if len(a.code) > len(best.code) {
			best = a
		}
	}
	return best
}

// BenchmarkInstrumentLargestActor measures the whole FVM pipeline (decode, validate, stack
// limiter, gas metering, NaN canonicalisation, encode, re-validate) on the largest actor.
func BenchmarkInstrumentLargestActor(b *testing.B) {
	a := largestActor(b)
	b.Logf("%s: %d bytes", a.name, len(a.code))
	b.SetBytes(int64(len(a.code)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instrument(a.code, FVMConfig()); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstrumentLargestActorNoRevalidate leaves out the final validation.
func BenchmarkInstrumentLargestActorNoRevalidate(b *testing.B) {
	a := largestActor(b)
	cfg := FVMConfig()
	cfg.ValidateOutput = false
	b.SetBytes(int64(len(a.code)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Instrument(a.code, cfg); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkDecodeLargestActor measures decoding alone.
func BenchmarkDecodeLargestActor(b *testing.B) {
	a := largestActor(b)
	b.SetBytes(int64(len(a.code)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Decode(a.code); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkInstrumentMainnetBundle instruments every actor of the v16 mainnet bundle, as
// an executor preloading the builtin actors does.
func BenchmarkInstrumentMainnetBundle(b *testing.B) {
	var actors []actorCode
	var size int64
	for _, a := range loadBundle(b, "v16") {
		if strings.Contains(a.name, "-mainnet/") {
			actors = append(actors, a)
			size += int64(len(a.code))
		}
	}
	b.Logf("%d actors, %d bytes", len(actors), size)
	b.SetBytes(size)
	b.ReportAllocs()
	for b.Loop() {
		for _, a := range actors {
			if _, err := Instrument(a.code, FVMConfig()); err != nil {
				b.Fatal(err)
			}
		}
	}
}
