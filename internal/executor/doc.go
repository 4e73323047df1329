// Package executor owns message application: preflight checks and their
// exit codes and penalties, inclusion gas, nonce and fee handling, the
// top-level call, the receipt (with its events root) and the gas outputs
// (base-fee burn, over-estimation burn, miner tip and penalty, refund).
package executor
