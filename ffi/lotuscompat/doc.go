// Package lotuscompat holds the test that decodes package ffi's ExecTraceBytes and
// EventsBytes with Lotus's own types (github.com/filecoin-project/lotus/chain/types, which
// builds with CGO_ENABLED=0). It is a module of its own so that Lotus's dependencies never
// enter go-fvm's module graph: run it with `cd ffi/lotuscompat && go test ./...`.
package lotuscompat
