// Package state owns the FVM state tree: the state root ([version, actors,
// info]), the actors HAMT (bitwidth 5, SHA-256 keys), ActorState in its
// version-4 and version-5 layouts, address resolution through the init
// actor's address map, new actor ids, and nested transactions (snapshots)
// with commit and revert.
//
// As in the reference, reads go through an actor cache and writes stay in it:
// nothing touches the HAMT until Flush.
package state
