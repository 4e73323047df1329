package crypto

import (
	"crypto/sha256"
	"errors"
	"fmt"
	"math"
	"math/bits"
	"sync"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/go-fvm/go-fvm/internal/cborhead"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// FVMVersion selects between the two reference implementations where they differ.
type FVMVersion int

// FVM versions: V2 is ref-fvm v2.12.1 (network versions 16-17), V3 is ref-fvm v3.14.1
// (18-20), V4 is ref-fvm v4.8.2 (21+).
const (
	V2 FVMVersion = 2
	V3 FVMVersion = 3
	V4 FVMVersion = 4
)

// Commitment CID parts (FRC-0069, ref-fvm `fvm_shared::commcid`).
const (
	// CodecFilCommitmentUnsealed is the CID codec of data and piece commitments.
	CodecFilCommitmentUnsealed uint64 = 0xf101
	// MhSha2_256Trunc254Padded is the multihash code of data and piece commitments.
	MhSha2_256Trunc254Padded uint64 = 0x1012
)

// SealProofSectorSize returns the sector size of a registered seal proof as the FVM version
// knows it: V2 knows types 0-9 (V1, V1_1), V3 also 10-14 (V1_1 synthetic PoRep), V4 also
// 15-19 (V1_2 non-interactive PoRep). Anything else is an error wrapping
// [ErrInvalidProofType] and [ErrIllegalArgument].
func SealProofSectorSize(v FVMVersion, p abi.RegisteredSealProof) (uint64, error) {
	maxType := abi.RegisteredSealProof_StackedDrg64GiBV1_1_Feat_SyntheticPoRep
	switch {
	case v >= V4:
		maxType = abi.RegisteredSealProof_StackedDrg64GiBV1_2_Feat_NiPoRep
	case v <= V2:
		maxType = abi.RegisteredSealProof_StackedDrg64GiBV1_1
	}
	if p < 0 || p > maxType {
		return 0, fmt.Errorf("%w: %w: seal proof %d", ErrIllegalArgument, ErrInvalidProofType, p)
	}
	// Within each group of five the order is 2KiB, 8MiB, 512MiB, 32GiB, 64GiB.
	sizes := [5]uint64{2 << 10, 8 << 20, 512 << 20, 32 << 30, 64 << 30}
	return sizes[p%5], nil
}

// ComputeUnsealedSectorCID computes the unsealed sector CID (CommD) of a sector of the given
// seal proof type holding pieces in order, as the reference kernel does (ref-fvm
// `compute_unsealed_sector_cid` feeding filecoin-proofs 19 `compute_comm_d`):
//
//   - no pieces: the CommD of an all-zero sector;
//   - otherwise each piece is preceded by the zero pieces needed to align it to its own size,
//     the sector is filled up with zero pieces, and the pieces are combined pairwise with
//     sha256-trunc254 in a stack, padding with zero pieces wherever a piece is bigger than the
//     subtree to its left.
//
// Every rejection is an error wrapping [ErrIllegalArgument]: an unknown proof type, a piece CID
// that is not a 32-byte sha2-256-trunc254-padded fil-commitment-unsealed CID, piece sizes that
// are zero, not a power of two of at least 128, too many pieces, or pieces that do not fit the
// sector. The kernel charges OnComputeUnsealedSectorCid before calling.
func ComputeUnsealedSectorCID(v FVMVersion, proof abi.RegisteredSealProof, pieces []abi.PieceInfo) (cid.Cid, error) {
	ssize, err := SealProofSectorSize(v, proof)
	if err != nil {
		return cid.Undef, err
	}
	all, err := layoutPieces(ssize, pieces)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w: %w", ErrIllegalArgument, ErrInvalidPieces, err)
	}
	commD, err := computeCommD(ssize, all)
	if err != nil {
		return cid.Undef, fmt.Errorf("%w: %w: %w", ErrIllegalArgument, ErrInvalidPieces, err)
	}
	return DataCommitmentToCID(commD), nil
}

// DataCommitmentToCID wraps a 32-byte data or piece commitment into its CID (CIDv1,
// fil-commitment-unsealed, sha2-256-trunc254-padded).
func DataCommitmentToCID(comm [32]byte) cid.Cid {
	mh := make([]byte, 0, 3+32)
	mh = append(mh, 0x92, 0x20, 32) // varint(0x1012), digest length
	mh = append(mh, comm[:]...)
	return cid.NewCidV1(CodecFilCommitmentUnsealed, mh)
}

// PieceCommitmentFromCID extracts the 32-byte commitment from a piece CID, which must have the
// fil-commitment-unsealed codec, the sha2-256-trunc254-padded multihash and a 32-byte digest.
func PieceCommitmentFromCID(c cid.Cid) ([32]byte, error) {
	var comm [32]byte
	if !c.Defined() {
		return comm, errors.New("piece CID is undefined")
	}
	pre := c.Prefix()
	if pre.Codec != CodecFilCommitmentUnsealed {
		return comm, fmt.Errorf("piece CID %s: codec %#x is not fil-commitment-unsealed", c, pre.Codec)
	}
	if pre.MhType != MhSha2_256Trunc254Padded {
		return comm, fmt.Errorf("piece CID %s: multihash %#x is not sha2-256-trunc254-padded", c, pre.MhType)
	}
	h := c.Hash()
	if pre.MhLength != 32 || len(h) < 32 {
		return comm, fmt.Errorf("piece CID %s: digest is %d bytes, want 32", c, pre.MhLength)
	}
	copy(comm[:], h[len(h)-32:])
	return comm, nil
}

// proofPiece is a piece as the proofs library sees it: an unpadded size and a commitment.
type proofPiece struct {
	unpadded uint64
	comm     [32]byte
}

// layoutPieces is the kernel half: it interleaves the caller's pieces with the zero pieces
// that align each to its size and fill the sector. Arithmetic wraps on overflow and
// divisions by zero or out-of-table sizes fail, as the reference's release build (whose
// panics become IllegalArgument).
func layoutPieces(ssize uint64, pieces []abi.PieceInfo) ([]proofPiece, error) {
	if len(pieces) == 0 {
		zc, err := zeroPieceCommitment(ssize)
		if err != nil {
			return nil, err
		}
		return []proofPiece{{unpadded: unpadPieceSize(ssize), comm: zc}}, nil
	}
	all := make([]proofPiece, 0, 2*len(pieces)+8)
	var sum uint64
	pad := func(to uint64) error {
		if to == 0 {
			return errors.New("piece size is zero")
		}
		fill := (0 - sum) % to
		for fill != 0 {
			size := uint64(1) << bits.TrailingZeros64(fill)
			fill ^= size
			zc, err := zeroPieceCommitment(size)
			if err != nil {
				return err
			}
			all = append(all, proofPiece{unpadded: unpadPieceSize(size), comm: zc})
			sum += size
		}
		return nil
	}
	for i, p := range pieces {
		size := uint64(p.Size)
		if err := pad(size); err != nil {
			return nil, fmt.Errorf("piece %d: %w", i, err)
		}
		comm, err := PieceCommitmentFromCID(p.PieceCID)
		if err != nil {
			return nil, fmt.Errorf("piece %d: %w", i, err)
		}
		all = append(all, proofPiece{unpadded: unpadPieceSize(size), comm: comm})
		sum += size
	}
	if err := pad(ssize); err != nil {
		return nil, err
	}
	return all, nil
}

// unpadPieceSize is fvm_shared `PaddedPieceSize::unpadded`: p - p/128.
func unpadPieceSize(p uint64) uint64 { return p - p/128 }

// fr32 bit layout: 254 data bits in every 256-bit element.
const (
	fr32DataBits    = 254
	fr32ElementBits = 256
)

// fr32Padded is filecoin-proofs `PaddedBytesAmount::from(UnpaddedBytesAmount)`: the byte
// length of u bytes after fr32 padding, rounded up. Quirk (rust-fil-proofs fr32): the
// conversion goes through f64 and the bit count wraps on overflow; copied exactly.
func fr32Padded(u uint64) uint64 {
	bitPos := u * 8
	t := bitPos/fr32DataBits*fr32ElementBits + bitPos%fr32DataBits
	return uint64(math.Ceil(float64(t) / 8))
}

// fr32Unpadded is filecoin-proofs `UnpaddedBytesAmount::from(SectorSize)`, rounded down.
func fr32Unpadded(p uint64) uint64 {
	bitPos := p * 8
	t := bitPos/fr32ElementBits*fr32DataBits + bitPos%fr32ElementBits
	return uint64(math.Floor(float64(t) / 8))
}

// minPieceUnpadded is filecoin-proofs MINIMUM_RESERVED_BYTES_FOR_PIECE_IN_FULLY_ALIGNED_SECTOR.
const minPieceUnpadded = 4*32 - 1

// maxStackSteps bounds the padding loops. The reference loops cannot exceed 64 doublings per
// piece for any input that terminates there; this only turns inputs on which the reference
// would not terminate into errors.
const maxStackSteps = 1 << 16

// computeCommD is filecoin-proofs `compute_comm_d` for a non-empty piece list.
func computeCommD(ssize uint64, pieces []proofPiece) ([32]byte, error) {
	if uint64(len(pieces)) > fr32Unpadded(ssize)/minPieceUnpadded {
		return [32]byte{}, fmt.Errorf("too many pieces (%d) for a %d-byte sector", len(pieces), ssize)
	}
	var total uint64
	for _, p := range pieces {
		total += fr32Padded(p.unpadded)
	}
	if total > ssize {
		return [32]byte{}, fmt.Errorf("pieces (%d bytes padded) are larger than the %d-byte sector", total, ssize)
	}
	var st commStack
	steps := 0
	for i, p := range pieces {
		if padded := fr32Padded(p.unpadded); padded == 0 || padded&(padded-1) != 0 {
			return [32]byte{}, fmt.Errorf("piece %d: padded size %d is not a power of two", i, padded)
		}
		if i == 0 {
			st = append(st, p)
			continue
		}
		for st.top().unpadded < p.unpadded {
			if steps++; steps > maxStackSteps {
				return [32]byte{}, errors.New("piece padding does not terminate")
			}
			zp, err := zeroPadding(st.top().unpadded)
			if err != nil {
				return [32]byte{}, err
			}
			st.shiftReduce(zp)
		}
		st.shiftReduce(p)
	}
	for len(st) > 1 {
		if steps++; steps > maxStackSteps {
			return [32]byte{}, errors.New("piece padding does not terminate")
		}
		zp, err := zeroPadding(st.top().unpadded)
		if err != nil {
			return [32]byte{}, err
		}
		st.shiftReduce(zp)
	}
	return st[0].comm, nil
}

type commStack []proofPiece

func (s commStack) top() proofPiece { return s[len(s)-1] }

// shiftReduce pushes p and joins the top two entries while they have equal sizes.
func (s *commStack) shiftReduce(p proofPiece) {
	*s = append(*s, p)
	for len(*s) >= 2 {
		st := *s
		l, r := st[len(st)-2], st[len(st)-1]
		if l.unpadded != r.unpadded {
			return
		}
		st[len(st)-2] = proofPiece{unpadded: l.unpadded + r.unpadded, comm: pieceHash(&l.comm, &r.comm)}
		*s = st[:len(st)-1]
	}
}

// zeroPadding is filecoin-proofs `zero_padding`: the commitment of an all-zero piece of the
// given unpadded size, whose padded size must be a power of two of at least 64.
func zeroPadding(unpadded uint64) (proofPiece, error) {
	padded := fr32Padded(unpadded)
	hashed := uint64(64)
	for hashed < padded {
		hashed *= 2
		if hashed == 0 {
			return proofPiece{}, fmt.Errorf("zero padding of %d bytes does not terminate", unpadded)
		}
	}
	if hashed != padded {
		return proofPiece{}, fmt.Errorf("zero padding: padded size %d is not a power of two of at least 64", padded)
	}
	return proofPiece{unpadded: unpadded, comm: zeroCommitments()[bits.TrailingZeros64(padded)]}, nil
}

// zeroPieceCommitment is fvm_shared `zero_piece_commitment`: a table lookup by the size's
// trailing zeros, defined for 128 B up to 2^41 B; other sizes are errors (the reference panics,
// which the kernel turns into IllegalArgument).
func zeroPieceCommitment(padded uint64) ([32]byte, error) {
	tz := bits.TrailingZeros64(padded)
	if tz < 7 || tz > 41 {
		return [32]byte{}, fmt.Errorf("no zero piece commitment for size %d", padded)
	}
	return zeroCommitments()[tz], nil
}

// pieceHash is sha256 of the two children with the top two bits of the last byte cleared
// (sha2-256-trunc254).
func pieceHash(l, r *[32]byte) [32]byte {
	var buf [64]byte
	copy(buf[:32], l[:])
	copy(buf[32:], r[:])
	out := sha256.Sum256(buf[:])
	out[31] &= 0x3f
	return out
}

// zeroCommitments returns the commitments of all-zero pieces indexed by log2 of the padded size
// (5: 32 bytes, all zero; 6: 64 bytes; ... 63), computed once.
var zeroCommitments = sync.OnceValue(func() *[64][32]byte {
	var t [64][32]byte
	for i := 6; i < 64; i++ {
		t[i] = pieceHash(&t[i-1], &t[i-1])
	}
	return &t
})

// MaxPieceInfos bounds the number of pieces [DecodePieceInfos] accepts, so that a hostile
// length cannot make it allocate: far more than any sector can hold (a 64 GiB sector has at
// most 2^29 minimal pieces, and the proofs library refuses more).
const MaxPieceInfos = 1 << 20

// DecodePieceInfos decodes the DAG-CBOR `Vec<PieceInfo>` argument of the
// `compute_unsealed_sector_cid` syscall: an array of [padded size, piece CID] pairs, each CID
// under tag 42 as a byte string holding 0x00 and the binary CID.
//
// It follows the reference decoder (serde_ipld_dagcbor 0.6.4 over cbor4ii, and the cid crate)
// rather than strict DAG-CBOR: Quirk (ref-fvm decoding): integers, lengths and the tag may use
// non-minimal encodings, and bytes after the CID inside its byte string are ignored. Trailing
// bytes after the list, indefinite lengths, wrong tuple sizes, and CIDs with digests over 64
// bytes are rejected. Every error wraps [ErrIllegalArgument].
func DecodePieceInfos(data []byte) ([]abi.PieceInfo, error) {
	d := cborDecoder{buf: data}
	n, err := d.header(cbg.MajArray)
	if err != nil {
		return nil, pieceDecodeErr(err)
	}
	if n > MaxPieceInfos || n > uint64(len(data)) {
		return nil, pieceDecodeErr(fmt.Errorf("%d pieces is too many", n))
	}
	out := make([]abi.PieceInfo, 0, n)
	for i := uint64(0); i < n; i++ {
		p, err := d.pieceInfo()
		if err != nil {
			return nil, pieceDecodeErr(fmt.Errorf("piece %d: %w", i, err))
		}
		out = append(out, p)
	}
	if len(d.buf) != 0 {
		return nil, pieceDecodeErr(fmt.Errorf("%d trailing bytes", len(d.buf)))
	}
	return out, nil
}

func pieceDecodeErr(err error) error {
	return fmt.Errorf("%w: decoding piece infos: %w", ErrIllegalArgument, err)
}

// cborDecoder reads CBOR items leniently (non-minimal argument encodings accepted).
type cborDecoder struct {
	buf []byte
}

var errCBORTruncated = errors.New("truncated CBOR")

// header reads an item header of the wanted major type and returns its argument.
func (d *cborDecoder) header(major byte) (uint64, error) {
	if len(d.buf) == 0 {
		return 0, errCBORTruncated
	}
	if got := d.buf[0] >> 5; got != major {
		return 0, fmt.Errorf("major type %d, want %d", got, major)
	}
	_, arg, rest, ok := cborhead.Read(d.buf)
	if !ok {
		if info := d.buf[0] & 0x1f; info > 27 {
			return 0, fmt.Errorf("unsupported additional information %d (indefinite or reserved)", info)
		}
		return 0, errCBORTruncated
	}
	d.buf = rest
	return arg, nil
}

func (d *cborDecoder) pieceInfo() (abi.PieceInfo, error) {
	fields, err := d.header(cbg.MajArray)
	if err != nil {
		return abi.PieceInfo{}, err
	}
	if fields != 2 {
		return abi.PieceInfo{}, fmt.Errorf("tuple of %d fields, want 2", fields)
	}
	size, err := d.header(cbg.MajUnsignedInt)
	if err != nil {
		return abi.PieceInfo{}, fmt.Errorf("size: %w", err)
	}
	c, err := d.cid()
	if err != nil {
		return abi.PieceInfo{}, fmt.Errorf("cid: %w", err)
	}
	return abi.PieceInfo{Size: abi.PaddedPieceSize(size), PieceCID: c}, nil
}

// maxCIDDigest is the cid crate's default multihash capacity (Multihash<64>).
const maxCIDDigest = 64

func (d *cborDecoder) cid() (cid.Cid, error) {
	tag, err := d.header(cbg.MajTag)
	if err != nil {
		return cid.Undef, err
	}
	if tag != 42 {
		return cid.Undef, fmt.Errorf("tag %d, want 42", tag)
	}
	n, err := d.header(cbg.MajByteString)
	if err != nil {
		return cid.Undef, err
	}
	if n > uint64(len(d.buf)) {
		return cid.Undef, errCBORTruncated
	}
	raw := d.buf[:n]
	d.buf = d.buf[n:]
	if len(raw) == 0 || raw[0] != 0 {
		return cid.Undef, errors.New("CID bytes lack the 0x00 multibase prefix")
	}
	_, c, err := cid.CidFromBytes(raw[1:])
	if err != nil {
		return cid.Undef, err
	}
	if c.Prefix().MhLength > maxCIDDigest {
		return cid.Undef, fmt.Errorf("CID digest of %d bytes exceeds %d", c.Prefix().MhLength, maxCIDDigest)
	}
	return c, nil
}
