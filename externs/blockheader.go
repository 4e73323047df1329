package externs

import (
	"bytes"
	"fmt"
	"io"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	gscrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"
)

// BlockHeader is a Filecoin block header, with the fields and CBOR layout of Lotus's
// `types.BlockHeader` (a 16-element array). Only what consensus-fault verification needs is
// interpreted; the rest is kept to re-encode the header exactly as Lotus does.
type BlockHeader struct {
	Miner                 address.Address     // the block's miner (an ID address on chain)
	Ticket                *Ticket             // the miner's VRF ticket
	ElectionProof         *ElectionProof      // the election proof
	BeaconEntries         []BeaconEntry       // drand entries
	WinPoStProof          []proof.PoStProof   // winning PoSt proofs
	Parents               []cid.Cid           // the parent tipset's block CIDs
	ParentWeight          big.Int             // the parent tipset's weight
	Height                abi.ChainEpoch      // the block's epoch
	ParentStateRoot       cid.Cid             // state root after the parent tipset
	ParentMessageReceipts cid.Cid             // receipts root of the parent tipset
	Messages              cid.Cid             // the block's message meta
	BLSAggregate          *gscrypto.Signature // aggregate of the block's BLS messages
	Timestamp             uint64              // the block's timestamp
	BlockSig              *gscrypto.Signature // the worker's signature over SigningBytes
	ForkSignaling         uint64              // unused
	ParentBaseFee         abi.TokenAmount     // base fee after the parent tipset
}

// Ticket is a block's VRF ticket.
type Ticket struct {
	VRFProof []byte // the VRF output
}

// ElectionProof is a block's election proof.
type ElectionProof struct {
	WinCount int64  // number of wins
	VRFProof []byte // the VRF output
}

// BeaconEntry is a drand beacon entry.
type BeaconEntry struct {
	Round uint64 // drand round
	Data  []byte // drand signature
}

// Decoder limits, as Lotus's generated code.
const (
	maxHeaderArray = 8192
	maxHeaderBytes = 2 << 20
)

// DecodeBlockHeader decodes a block header the way Lotus's `BlockHeader.UnmarshalCBOR` does.
// Quirk (Lotus): decoding stops after the header, so trailing bytes are ignored; integers must
// be minimally encoded (cbor-gen).
func DecodeBlockHeader(data []byte) (*BlockHeader, error) {
	var h BlockHeader
	cr := cbg.NewCborReader(bytes.NewReader(data))
	if err := h.unmarshal(cr); err != nil {
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return nil, fmt.Errorf("decoding block header: %w", err)
	}
	return &h, nil
}

func (h *BlockHeader) unmarshal(cr *cbg.CborReader) error {
	if err := readArrayHeader(cr, 16); err != nil {
		return err
	}
	if err := h.Miner.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("miner: %w", err)
	}
	var err error
	if h.Ticket, err = readNullable(cr, func() (*Ticket, error) {
		t := new(Ticket)
		if err := readArrayHeader(cr, 1); err != nil {
			return nil, err
		}
		t.VRFProof, err = readBytes(cr)
		return t, err
	}); err != nil {
		return fmt.Errorf("ticket: %w", err)
	}
	if h.ElectionProof, err = readNullable(cr, func() (*ElectionProof, error) {
		e := new(ElectionProof)
		if err := readArrayHeader(cr, 2); err != nil {
			return nil, err
		}
		if e.WinCount, err = readInt64(cr); err != nil {
			return nil, err
		}
		e.VRFProof, err = readBytes(cr)
		return e, err
	}); err != nil {
		return fmt.Errorf("election proof: %w", err)
	}
	n, err := readArrayLen(cr)
	if err != nil {
		return fmt.Errorf("beacon entries: %w", err)
	}
	if n > 0 {
		h.BeaconEntries = make([]BeaconEntry, n)
	}
	for i := range h.BeaconEntries {
		if err := readArrayHeader(cr, 2); err != nil {
			return fmt.Errorf("beacon entry %d: %w", i, err)
		}
		if h.BeaconEntries[i].Round, err = readUint64(cr); err != nil {
			return fmt.Errorf("beacon entry %d: %w", i, err)
		}
		if h.BeaconEntries[i].Data, err = readBytes(cr); err != nil {
			return fmt.Errorf("beacon entry %d: %w", i, err)
		}
	}
	if n, err = readArrayLen(cr); err != nil {
		return fmt.Errorf("winning post proofs: %w", err)
	}
	if n > 0 {
		h.WinPoStProof = make([]proof.PoStProof, n)
	}
	for i := range h.WinPoStProof {
		if err := h.WinPoStProof[i].UnmarshalCBOR(cr); err != nil {
			return fmt.Errorf("winning post proof %d: %w", i, err)
		}
	}
	if n, err = readArrayLen(cr); err != nil {
		return fmt.Errorf("parents: %w", err)
	}
	if n > 0 {
		h.Parents = make([]cid.Cid, n)
	}
	for i := range h.Parents {
		if h.Parents[i], err = cbg.ReadCid(cr); err != nil {
			return fmt.Errorf("parent %d: %w", i, err)
		}
	}
	if err := h.ParentWeight.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("parent weight: %w", err)
	}
	height, err := readInt64(cr)
	if err != nil {
		return fmt.Errorf("height: %w", err)
	}
	h.Height = abi.ChainEpoch(height)
	for _, f := range []struct {
		name string
		c    *cid.Cid
	}{{"parent state root", &h.ParentStateRoot}, {"parent message receipts", &h.ParentMessageReceipts}, {"messages", &h.Messages}} {
		if *f.c, err = cbg.ReadCid(cr); err != nil {
			return fmt.Errorf("%s: %w", f.name, err)
		}
	}
	if h.BLSAggregate, err = readSignature(cr); err != nil {
		return fmt.Errorf("bls aggregate: %w", err)
	}
	if h.Timestamp, err = readUint64(cr); err != nil {
		return fmt.Errorf("timestamp: %w", err)
	}
	if h.BlockSig, err = readSignature(cr); err != nil {
		return fmt.Errorf("block signature: %w", err)
	}
	if h.ForkSignaling, err = readUint64(cr); err != nil {
		return fmt.Errorf("fork signaling: %w", err)
	}
	if err := h.ParentBaseFee.UnmarshalCBOR(cr); err != nil {
		return fmt.Errorf("parent base fee: %w", err)
	}
	return nil
}

// Bytes re-encodes the header as Lotus does (its CID is taken over these bytes, not over the
// bytes it was decoded from).
func (h *BlockHeader) Bytes() ([]byte, error) {
	var buf bytes.Buffer
	if err := h.marshal(cbg.NewCborWriter(&buf)); err != nil {
		return nil, fmt.Errorf("encoding block header: %w", err)
	}
	return buf.Bytes(), nil
}

// SigningBytes is the encoding of the header without its block signature, which the miner's
// worker key signs.
func (h *BlockHeader) SigningBytes() ([]byte, error) {
	c := *h
	c.BlockSig = nil
	return c.Bytes()
}

// CID is the header's CID: CIDv1, DAG-CBOR, blake2b-256 of [BlockHeader.Bytes].
func (h *BlockHeader) CID() (cid.Cid, error) {
	b, err := h.Bytes()
	if err != nil {
		return cid.Undef, err
	}
	return abi.CidBuilder.Sum(b)
}

func (h *BlockHeader) marshal(cw *cbg.CborWriter) error {
	if err := cw.WriteMajorTypeHeader(cbg.MajArray, 16); err != nil {
		return err
	}
	if err := h.Miner.MarshalCBOR(cw); err != nil {
		return err
	}
	if h.Ticket == nil {
		if _, err := cw.Write(cbg.CborNull); err != nil {
			return err
		}
	} else if err := writeArrayHeader(cw, 1); err != nil {
		return err
	} else if err := writeBytes(cw, h.Ticket.VRFProof); err != nil {
		return err
	}
	if h.ElectionProof == nil {
		if _, err := cw.Write(cbg.CborNull); err != nil {
			return err
		}
	} else {
		if err := writeArrayHeader(cw, 2); err != nil {
			return err
		}
		if err := writeInt64(cw, h.ElectionProof.WinCount); err != nil {
			return err
		}
		if err := writeBytes(cw, h.ElectionProof.VRFProof); err != nil {
			return err
		}
	}
	if err := writeArrayHeader(cw, len(h.BeaconEntries)); err != nil {
		return err
	}
	for _, e := range h.BeaconEntries {
		if err := writeArrayHeader(cw, 2); err != nil {
			return err
		}
		if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, e.Round); err != nil {
			return err
		}
		if err := writeBytes(cw, e.Data); err != nil {
			return err
		}
	}
	if err := writeArrayHeader(cw, len(h.WinPoStProof)); err != nil {
		return err
	}
	for i := range h.WinPoStProof {
		if err := h.WinPoStProof[i].MarshalCBOR(cw); err != nil {
			return err
		}
	}
	if err := writeArrayHeader(cw, len(h.Parents)); err != nil {
		return err
	}
	for _, p := range h.Parents {
		if err := cbg.WriteCid(cw, p); err != nil {
			return err
		}
	}
	if err := h.ParentWeight.MarshalCBOR(cw); err != nil {
		return err
	}
	if err := writeInt64(cw, int64(h.Height)); err != nil {
		return err
	}
	for _, c := range []cid.Cid{h.ParentStateRoot, h.ParentMessageReceipts, h.Messages} {
		if err := cbg.WriteCid(cw, c); err != nil {
			return err
		}
	}
	if err := h.BLSAggregate.MarshalCBOR(cw); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, h.Timestamp); err != nil {
		return err
	}
	if err := h.BlockSig.MarshalCBOR(cw); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, h.ForkSignaling); err != nil {
		return err
	}
	return h.ParentBaseFee.MarshalCBOR(cw)
}

func readArrayHeader(cr *cbg.CborReader, want uint64) error {
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray {
		return fmt.Errorf("major type %d, want array", maj)
	}
	if n != want {
		return fmt.Errorf("array of %d elements, want %d", n, want)
	}
	return nil
}

func readArrayLen(cr *cbg.CborReader) (int, error) {
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return 0, err
	}
	if n > maxHeaderArray {
		return 0, fmt.Errorf("array too large (%d)", n)
	}
	if maj != cbg.MajArray {
		return 0, fmt.Errorf("major type %d, want array", maj)
	}
	return int(n), nil
}

func readBytes(cr *cbg.CborReader) ([]byte, error) {
	maj, n, err := cr.ReadHeader()
	if err != nil {
		return nil, err
	}
	if n > maxHeaderBytes {
		return nil, fmt.Errorf("byte string too large (%d)", n)
	}
	if maj != cbg.MajByteString {
		return nil, fmt.Errorf("major type %d, want byte string", maj)
	}
	if n == 0 {
		return nil, nil
	}
	b := make([]byte, n)
	if _, err := io.ReadFull(cr, b); err != nil {
		return nil, err
	}
	return b, nil
}

func readUint64(cr *cbg.CborReader) (uint64, error) {
	maj, v, err := cr.ReadHeader()
	if err != nil {
		return 0, err
	}
	if maj != cbg.MajUnsignedInt {
		return 0, fmt.Errorf("major type %d, want unsigned int", maj)
	}
	return v, nil
}

func readInt64(cr *cbg.CborReader) (int64, error) {
	maj, v, err := cr.ReadHeader()
	if err != nil {
		return 0, err
	}
	if v > 1<<63-1 {
		return 0, fmt.Errorf("int64 overflow")
	}
	switch maj {
	case cbg.MajUnsignedInt:
		return int64(v), nil
	case cbg.MajNegativeInt:
		return -1 - int64(v), nil
	default:
		return 0, fmt.Errorf("major type %d, want int", maj)
	}
}

// readNullable reads CBOR null as nil, anything else with read.
func readNullable[T any](cr *cbg.CborReader, read func() (*T, error)) (*T, error) {
	b, err := cr.ReadByte()
	if err != nil {
		return nil, err
	}
	if b == cbg.CborNull[0] {
		return nil, nil
	}
	if err := cr.UnreadByte(); err != nil {
		return nil, err
	}
	return read()
}

func readSignature(cr *cbg.CborReader) (*gscrypto.Signature, error) {
	return readNullable(cr, func() (*gscrypto.Signature, error) {
		s := new(gscrypto.Signature)
		return s, s.UnmarshalCBOR(cr)
	})
}

func writeArrayHeader(cw *cbg.CborWriter, n int) error {
	if n > maxHeaderArray {
		return fmt.Errorf("array too long (%d)", n)
	}
	return cw.WriteMajorTypeHeader(cbg.MajArray, uint64(n))
}

func writeBytes(cw *cbg.CborWriter, b []byte) error {
	if len(b) > maxHeaderBytes {
		return fmt.Errorf("byte string too long (%d)", len(b))
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajByteString, uint64(len(b))); err != nil {
		return err
	}
	_, err := cw.Write(b)
	return err
}

func writeInt64(cw *cbg.CborWriter, v int64) error {
	if v >= 0 {
		return cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(v))
	}
	return cw.WriteMajorTypeHeader(cbg.MajNegativeInt, uint64(-v-1))
}
