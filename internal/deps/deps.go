package deps
import (
 _ "github.com/tetratelabs/wazero"
 _ "github.com/filecoin-project/go-state-types/abi"
 _ "github.com/filecoin-project/go-hamt-ipld/v3"
 _ "github.com/filecoin-project/go-amt-ipld/v4"
 _ "github.com/filecoin-project/go-address"
 _ "github.com/ipfs/go-cid"
 _ "github.com/ipfs/go-ipld-cbor"
 _ "github.com/whyrusleeping/cbor-gen"
 _ "github.com/ipld/go-car/v2"
 _ "github.com/klauspost/compress/zstd"
 _ "github.com/spf13/cobra"
 _ "github.com/schollz/progressbar/v3"
)

import (
 _ "github.com/consensys/gnark-crypto/ecc/bls12-381"
 _ "github.com/decred/dcrd/dcrec/secp256k1/v4"
 _ "golang.org/x/crypto/blake2b"
 _ "github.com/filecoin-project/go-commp-utils/v2"
)
