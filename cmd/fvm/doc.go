// Command fvm is the go-fvm command-line tool: it runs conformance vectors
// (fvm conformance), inspects and compiles builtin-actors bundles (fvm bundle
// list, fvm bundle compile), inspects vectors (fvm vector inspect), prints a
// message's call tree decoded (fvm trace), instruments WASM modules as the FVM
// does (fvm wasm instrument) and runs a local Filecoin chain with Lotus's
// JSON-RPC (fvm devnet).
package main
