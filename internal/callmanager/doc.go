// Package callmanager owns one message's call stack: sends, value transfer,
// auto-creation of account and placeholder actors, transactions (state
// snapshots) with rollback, call depth, read-only mode, gas limits on sends,
// the FIP-0057 state-access charges and the events accumulator. Running
// actor code is delegated to an Invoker (the kernel and engine layers).
package callmanager
