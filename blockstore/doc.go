// Package blockstore owns the IPLD block stores the FVM runs over: an in-memory
// store, and a buffered store that keeps every write in memory and, on Flush of
// a state root, copies to its base store only the blocks reachable from that
// root (the reference's behaviour). It also owns DAG-CBOR link scanning.
//
// Every store here satisfies go-ipld-cbor's IpldBlockstore, so go-hamt-ipld,
// go-amt-ipld and go-state-types can use it through cbor.NewCborStore.
package blockstore
