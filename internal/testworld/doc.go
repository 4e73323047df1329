// Package testworld is the test world the engine layers' tests share: a
// machine at nv18 on a genesis state built by the public genesis package
// (genesis.Build, actors v10), with a few extra actors the tests need that a
// genesis has no reason to make (an f410 placeholder, senders of unusual
// kinds), and the helpers the tests share (NoExterns, fixed addresses and
// keys, EmptyArray, WantErrNum). It is test support only.
package testworld
