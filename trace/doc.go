// Package trace turns a message's execution trace into something people can read: the call
// tree with, for each call, the actor (address, builtin kind, actors version), the method's
// name, the parameters and return value decoded into their fields, the exit code, and the gas
// with its charges; the message's events decoded (EVM logs as topics and data); EVM
// InvokeContract calls with their 4-byte selector and calldata.
//
// The interface description is go-state-types': each actors version's builtin/vNN/<actor>
// package has a Methods table mapping method numbers to a name and a typed function whose
// parameter and return types (cbor-gen types) are the IPLD schema of the call. Decode looks
// the receiver's code up (Lookup), finds the table of its kind and version, decodes the
// bytes into those types and reflects on them.
//
// The output is a tree of Call values (JSON-ready), a text rendering (WriteText) and a pprof
// profile of the gas (Profile), whose samples are the gas charges and whose stacks are the
// call path of actors and methods plus the charge name.
package trace

//go:generate go run gen_methods.go
