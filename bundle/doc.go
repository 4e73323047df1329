// Package bundle owns builtin-actors bundles: loading them (a zstd tarball of
// per-network CARs, as lotus ships them, or a single CAR) into a blockstore,
// parsing their manifests (actor name <-> code CID, and the builtin type ids
// the FVM derives from manifest order), checking them against the table of
// known manifest CIDs, locating the bundles of the lotus Go module, and
// mapping network versions to the actors versions they run.
package bundle
