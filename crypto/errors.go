package crypto

import "errors"

// ErrIllegalArgument marks every error that the reference kernel reports to the actor as the
// syscall error IllegalArgument. All errors returned by this package for bad input wrap it.
var ErrIllegalArgument = errors.New("illegal argument")

// ErrUnsupportedHash is returned by [LookupHash] for a multihash code the FVM does not support.
var ErrUnsupportedHash = errors.New("unsupported hash code")

// ErrUnsupportedSigner is returned by [VerifySignature] when the signer is not a key address
// (protocol 1 secp256k1 or 3 BLS).
var ErrUnsupportedSigner = errors.New("signer address protocol not supported")

// ErrInvalidSecpSignature is returned by [RecoverSecpPublicKey] when r or s is zero or not
// below the group order, or the recovery id is out of range, or recovery fails.
var ErrInvalidSecpSignature = errors.New("invalid secp256k1 signature")

// ErrInvalidPieces is returned by [ComputeUnsealedSectorCID] for piece infos that the proofs
// library rejects (bad sizes, bad CIDs, too many pieces, pieces larger than the sector).
var ErrInvalidPieces = errors.New("invalid piece infos")

// ErrInvalidProofType is returned for a registered proof type that the FVM version does not
// know.
var ErrInvalidProofType = errors.New("invalid registered proof type")
