// Package conformance owns the Filecoin test-vector model (the `message`
// class of github.com/filecoin-project/test-vectors, schema v0.0.7) and the
// loading of a vector's state: its CAR (base64 of gzip of a CARv1), its
// messages and their chain lengths, its randomness records.
package conformance
