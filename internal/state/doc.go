// Package state owns the FVM state tree: the state root ([version, actors,
// info]), the actors HAMT (bitwidth 5, SHA-256 keys), ActorState in its
// version-4 and version-5 layouts, address resolution through the init
// actor's address map, new actor ids, and nested transactions (snapshots)
// with commit and revert.
//
// As in the reference, reads go through an actor cache and writes stay in it:
// nothing touches the HAMT until Flush.
//
// The HAMTs (the actors map, the init actor's address map) are the package's
// own (hamt.go): go-hamt-ipld v3's layout and algorithms, but a node is read
// as its block and its pointers' offsets, so a lookup in a cold state costs a
// validation pass over each node on its path rather than decoding every pair
// of it, and a pointer that does not change is written back byte for byte.
// The init actor's decoded state and address map are kept between lookups,
// keyed by the CIDs they came from. A NodeCache, shared by the state trees of
// many machines (the root package's Engine owns one), keeps parsed nodes by
// CID across them, so the machine of the next tipset finds the nodes of the
// last one's state without reading or parsing them again; results never
// depend on it.
package state
