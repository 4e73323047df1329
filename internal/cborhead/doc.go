// Package cborhead decodes CBOR item headers, the one piece of CBOR both the
// blockstore's reachability walk and the kernel's metered link scan need.
package cborhead
