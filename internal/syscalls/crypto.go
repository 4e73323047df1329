package syscalls

import (
	"bytes"
	"encoding/binary"
	"fmt"
	"io"
	"math"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/ipfs/go-cid"
	"github.com/tetratelabs/wazero/api"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// cryptoModule is the crypto namespace, plus a version's extra syscalls.
func cryptoModule(extra ...syscall) engine.HostModule {
	return module("crypto", append([]syscall{
		syscall{name: "verify_signature", params: []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, ret: 4, fn: cryptoVerifySignature},
		syscall{name: "recover_secp_public_key", params: []api.ValueType{i32, i32}, ret: crypto.SecpPubLen, fn: cryptoRecoverSecpPublicKey},
		syscall{name: "hash", params: []api.ValueType{i64, i32, i32, i32, i32}, ret: 4, fn: cryptoHash},
		syscall{name: "compute_unsealed_sector_cid", params: []api.ValueType{i64, i32, i32, i32, i32}, ret: 4, fn: cryptoComputeUnsealedSectorCID},
		syscall{name: "verify_post", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyPoSt},
		syscall{name: "verify_consensus_fault", params: []api.ValueType{i32, i32, i32, i32, i32, i32}, ret: VerifyConsensusFaultSize, fn: cryptoVerifyConsensusFault},
		syscall{name: "verify_aggregate_seals", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyAggregateSeals},
		syscall{name: "verify_replica_update", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyReplicaUpdate},
		syscall{name: "batch_verify_seals", params: []api.ValueType{i32, i32, i32}, fn: cryptoBatchVerifySeals},
	}, extra...)...)
}

// verifyBLSAggregateSyscall is crypto.verify_bls_aggregate (v4, FIP-0079).
func verifyBLSAggregateSyscall() syscall {
	return syscall{name: "verify_bls_aggregate", params: []api.ValueType{i32, i32, i32, i32, i32}, ret: 4, fn: cryptoVerifyBLSAggregate}
}

// cryptoVerifyBLSAggregate reads (n, sig, keys, plaintexts, lens): n×48 must
// fit a u32; then the signature, keys and lengths are bounds-checked, and the
// plaintexts by the sum of the lengths.
func cryptoVerifyBLSAggregate(c *call, a []uint64) ([]byte, error) {
	n := u32(a[0])
	keysLen := uint64(n) * crypto.BLSPubLen
	if keysLen > math.MaxUint32 {
		return nil, kernel.Errorf(kernel.IllegalArgument, "number of signatures aggregated (%d) exceeds limit", n)
	}
	sig, err := c.mem.TryBytes(u32(a[1]), crypto.BLSSigLen)
	if err != nil {
		return nil, err
	}
	rawKeys, err := c.mem.TryBytes(u32(a[2]), uint32(keysLen))
	if err != nil {
		return nil, err
	}
	rawLens, err := c.mem.TryBytes(u32(a[4]), n*4)
	if err != nil {
		return nil, err
	}
	lens := make([]uint32, n)
	var total uint32
	for i := range lens {
		lens[i] = binary.LittleEndian.Uint32(rawLens[4*i:])
		// Quirk (ref-fvm v4 syscalls/crypto.rs:89): the lengths are summed
		// as u32 and wrap (release build), so a wrapped total bounds-checks
		// a shorter buffer and the kernel's split then fails.
		total += lens[i]
	}
	concat, err := c.mem.TryBytes(u32(a[3]), total)
	if err != nil {
		return nil, err
	}
	keys := make([][crypto.BLSPubLen]byte, n)
	for i := range keys {
		copy(keys[i][:], rawKeys[i*crypto.BLSPubLen:])
	}
	ok, err := c.k.VerifyBLSAggregate((*[crypto.BLSSigLen]byte)(sig), keys, concat, lens)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

// verdict encodes a verification result: 0 valid, -1 invalid.
func verdict(ok bool) []byte {
	if ok {
		return le32(0)
	}
	return le32(0xffffffff)
}

func cryptoVerifySignature(c *call, a []uint64) ([]byte, error) {
	t, sig, signer, plaintext, err := signatureArgs(c, a)
	if err != nil {
		return nil, err
	}
	ok, err := c.k.VerifySignature(t, sig, signer, plaintext)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

// signatureArgs reads verify_signature's arguments (the same in v2 and v3):
// the signature type (secp256k1 or BLS), the signature, the signer and the
// plaintext.
func signatureArgs(c *call, a []uint64) (crypto.SignatureType, []byte, address.Address, []byte, error) {
	t := u32(a[0])
	if t != uint32(crypto.SigTypeSecp256k1) && t != uint32(crypto.SigTypeBLS) {
		return 0, nil, address.Undef, nil, kernel.Errorf(kernel.IllegalArgument, "unknown signature type %d", t)
	}
	sig, err := c.mem.TryBytes(u32(a[1]), u32(a[2]))
	if err != nil {
		return 0, nil, address.Undef, nil, err
	}
	signer, err := c.mem.ReadAddress(u32(a[3]), u32(a[4]))
	if err != nil {
		return 0, nil, address.Undef, nil, err
	}
	plaintext, err := c.mem.TryBytes(u32(a[5]), u32(a[6]))
	if err != nil {
		return 0, nil, address.Undef, nil, err
	}
	return crypto.SignatureType(t), sig, signer, plaintext, nil
}

func cryptoRecoverSecpPublicKey(c *call, a []uint64) ([]byte, error) {
	h, err := c.mem.TryBytes(u32(a[0]), crypto.SecpHashLen)
	if err != nil {
		return nil, err
	}
	s, err := c.mem.TryBytes(u32(a[1]), crypto.SecpSigLen)
	if err != nil {
		return nil, err
	}
	pub, err := c.k.RecoverSecpPublicKey((*[crypto.SecpHashLen]byte)(h), (*[crypto.SecpSigLen]byte)(s))
	if err != nil {
		return nil, err
	}
	return pub[:], nil
}

func cryptoHash(c *call, a []uint64) ([]byte, error) {
	outOff, outLen := u32(a[3]), u32(a[4])
	if err := c.mem.CheckBounds(outOff, outLen); err != nil {
		return nil, err
	}
	data, err := c.mem.TryBytes(u32(a[1]), u32(a[2]))
	if err != nil {
		return nil, err
	}
	digest, err := c.k.Hash(a[0], data)
	if err != nil {
		return nil, err
	}
	out, err := c.mem.TryBytes(outOff, outLen)
	if err != nil {
		return nil, err
	}
	n := copy(out, digest)
	return le32(uint32(n)), nil
}

// readCBOR decodes a CBOR argument; a decoding failure is IllegalArgument.
func readCBOR(c *call, off, n uint32, v cbg.CBORUnmarshaler) error {
	b, err := c.mem.TryBytes(off, n)
	if err != nil {
		return err
	}
	r := bytes.NewReader(b)
	if err := v.UnmarshalCBOR(r); err != nil {
		return kernel.Errorf(kernel.IllegalArgument, "failed to decode %T: %v", v, err)
	}
	if r.Len() != 0 {
		return kernel.Errorf(kernel.IllegalArgument, "failed to decode %T: %d trailing bytes", v, r.Len())
	}
	return nil
}

func cryptoComputeUnsealedSectorCID(c *call, a []uint64) ([]byte, error) {
	p := abi.RegisteredSealProof(int64(a[0]))
	if _, err := crypto.SealProofSectorSize(crypto.FVMVersion(c.k.CM.Machine().Profile.FVMVersion), p); err != nil {
		return nil, kernel.Errorf(kernel.IllegalArgument, "invalid proof type %d", int64(a[0]))
	}
	raw, err := c.mem.TryBytes(u32(a[1]), u32(a[2]))
	if err != nil {
		return nil, err
	}
	pieces, err := crypto.DecodePieceInfos(raw)
	if err != nil {
		return nil, kernel.Errorf(kernel.IllegalArgument, "%v", err)
	}
	off, n := u32(a[3]), u32(a[4])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	commD, err := c.k.ComputeUnsealedSectorCID(p, pieces)
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, commD)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}

func cryptoVerifyPoSt(c *call, a []uint64) ([]byte, error) {
	var info proof.WindowPoStVerifyInfo
	if err := readCBOR(c, u32(a[0]), u32(a[1]), &info); err != nil {
		return nil, err
	}
	ok, err := c.k.VerifyPoSt(c.ctx, &info)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

func cryptoVerifyConsensusFault(c *call, a []uint64) ([]byte, error) {
	var bufs [3][]byte
	for i := range bufs {
		b, err := c.mem.TryBytes(u32(a[2*i]), u32(a[2*i+1]))
		if err != nil {
			return nil, err
		}
		bufs[i] = b
	}
	fault, err := c.k.VerifyConsensusFault(c.ctx, bufs[0], bufs[1], bufs[2])
	if err != nil {
		return nil, err
	}
	if fault == nil {
		return VerifyConsensusFault{}.Bytes(), nil
	}
	return VerifyConsensusFault{Epoch: int64(fault.Epoch), Target: fault.Target, Fault: uint32(fault.Type)}.Bytes(), nil
}

func cryptoVerifyAggregateSeals(c *call, a []uint64) ([]byte, error) {
	var agg proof.AggregateSealVerifyProofAndInfos
	if err := readCBOR(c, u32(a[0]), u32(a[1]), &agg); err != nil {
		return nil, err
	}
	ok, err := c.k.VerifyAggregateSeals(&agg)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

func cryptoVerifyReplicaUpdate(c *call, a []uint64) ([]byte, error) {
	var info replicaUpdateInfo
	if err := readCBOR(c, u32(a[0]), u32(a[1]), &info); err != nil {
		return nil, err
	}
	ok, err := c.k.VerifyReplicaUpdate((*proof.ReplicaUpdateInfo)(&info))
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

// sealInfos is a CBOR list of seal verify infos.
type sealInfos []proof.SealVerifyInfo

func (s *sealInfos) UnmarshalCBOR(r io.Reader) error {
	cr := cbg.NewCborReader(r)
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n > cbg.MaxLength {
		return fmt.Errorf("expected a list of seal infos")
	}
	*s = make([]proof.SealVerifyInfo, n)
	for i := range *s {
		if err := (*s)[i].UnmarshalCBOR(cr); err != nil {
			return err
		}
	}
	return nil
}

func cryptoBatchVerifySeals(c *call, a []uint64) ([]byte, error) {
	var infos sealInfos
	if err := readCBOR(c, u32(a[0]), u32(a[1]), &infos); err != nil {
		return nil, err
	}
	out, err := c.mem.TryBytes(u32(a[2]), uint32(len(infos)))
	if err != nil {
		return nil, err
	}
	res, err := c.k.BatchVerifySeals(infos)
	if err != nil {
		return nil, err
	}
	for i, ok := range res {
		out[i] = 0
		if ok {
			out[i] = 1
		}
	}
	return nil, nil
}

// replicaUpdateInfo decodes the FVM's ReplicaUpdateInfo.
//
// Quirk (ref-fvm v3/v4 shared sector/seal.rs): unlike every other proof
// struct, its proof field has no strict_bytes attribute, so it is encoded
// as a CBOR array of integers (each 0-255), not as a byte string.
type replicaUpdateInfo proof.ReplicaUpdateInfo

func (r *replicaUpdateInfo) UnmarshalCBOR(rd io.Reader) error {
	cr := cbg.NewCborReader(rd)
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n != 5 {
		return fmt.Errorf("expected a 5-tuple, got major type %d length %d", maj, n)
	}
	maj, t, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	switch maj {
	case cbg.MajUnsignedInt:
		r.UpdateProofType = abi.RegisteredUpdateProof(t)
	case cbg.MajNegativeInt:
		r.UpdateProofType = abi.RegisteredUpdateProof(-1 - int64(t))
	default:
		return fmt.Errorf("update proof type: major type %d", maj)
	}
	for _, dst := range []*cid.Cid{&r.OldSealedSectorCID, &r.NewSealedSectorCID, &r.NewUnsealedSectorCID} {
		if *dst, err = cbg.ReadCid(cr); err != nil {
			return err
		}
	}
	maj, n, err = cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || n > cbg.ByteArrayMaxLen {
		return fmt.Errorf("proof: expected an array of bytes, got major type %d length %d", maj, n)
	}
	r.Proof = make([]byte, n)
	for i := range r.Proof {
		maj, v, err := cr.ReadHeader()
		if err != nil {
			return err
		}
		if maj != cbg.MajUnsignedInt || v > 255 {
			return fmt.Errorf("proof byte %d: not a u8", i)
		}
		r.Proof[i] = byte(v)
	}
	return nil
}
