// Package hostile holds the hostile-message corpus: messages an attacker
// would send to find the work that go-fvm does slower than gas prices it
// (memory growth, large returns and reverts, many large events, hashing over
// large memory, deep recursion, tight call loops, storage fills, garbage to
// builtin actors and precompiles). Its tests check each case's exit code and
// result on actors v17 (nv27); its benchmarks report gas per nanosecond and
// peak memory per case.
//
// The contracts are Solidity, in testdata/Hostile.sol, compiled by
// testdata/compile.js into testdata/Hostile.json (see that script for the
// compiler and settings).
//
// The package has no non-test code.
package hostile
