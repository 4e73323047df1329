package executor

import (
	"context"
	"fmt"

	"bytes"
	"io"

	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"
	"golang.org/x/crypto/blake2b"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// eventsAMTBitWidth is the bit width of the events AMT in receipts.
const eventsAMTBitWidth = 5

// eventsRoot returns the root of the AMT of a message's events, or nil when
// there are none. As in the reference, the AMT's blocks are not kept, so
// only their CIDs are computed (eventsAMT).
func eventsRoot(_ context.Context, events []kernel.StampedEvent) (*cid.Cid, error) {
	if len(events) == 0 {
		return nil, nil
	}
	root, err := eventsAMT(events)
	if err != nil {
		return nil, fmt.Errorf("%w: events root: %w", ErrFatal, err)
	}
	return &root, nil
}

// amtWidth is the number of slots of an events AMT node (bit width 5).
const amtWidth = 1 << eventsAMTBitWidth

// eventsAMT returns the root CID of the AMT (go-amt-ipld v4, bit width 5)
// holding events at indices 0..n-1, the way amt.FromArray builds it: leaves
// of up to 32 values, internal nodes of up to 32 links, the top node inside
// the root block [bitWidth, height, count, node]. Every block is encoded in
// one reused buffer and hashed (DAG-CBOR, blake2b-256); nothing is kept. A
// message's events may be hundreds of megabytes; this costs one encoding
// and one hash of them.
func eventsAMT(events []kernel.StampedEvent) (cid.Cid, error) {
	var h amtHasher
	height := 0
	for span := amtWidth; span < len(events); span *= amtWidth {
		height++
	}
	// The leaves (all but the root's own node when height is 0).
	var links []cid.Cid
	if height > 0 {
		for i := 0; i < len(events); i += amtWidth {
			h.startNode(min(amtWidth, len(events)-i))
			h.buf.WriteByte(0x80) // no links
			if err := h.values(events[i:min(i+amtWidth, len(events))]); err != nil {
				return cid.Undef, err
			}
			c, err := h.sum()
			if err != nil {
				return cid.Undef, err
			}
			links = append(links, c)
		}
	}
	// Internal nodes below the root's.
	for level := 1; level < height; level++ {
		var up []cid.Cid
		for i := 0; i < len(links); i += amtWidth {
			if err := h.linkNode(links[i:min(i+amtWidth, len(links))]); err != nil {
				return cid.Undef, err
			}
			c, err := h.sum()
			if err != nil {
				return cid.Undef, err
			}
			up = append(up, c)
		}
		links = up
	}
	// The root: [bitWidth, height, count, node].
	h.buf.Reset()
	w := cbg.NewCborWriter(&h.buf)
	if err := w.WriteMajorTypeHeader(cbg.MajArray, 4); err != nil {
		return cid.Undef, err
	}
	for _, v := range []uint64{eventsAMTBitWidth, uint64(height), uint64(len(events))} {
		if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, v); err != nil {
			return cid.Undef, err
		}
	}
	if height == 0 {
		h.nodeHeader(len(events))
		h.buf.WriteByte(0x80)
		if err := h.values(events); err != nil {
			return cid.Undef, err
		}
	} else if err := h.linkNodeBody(links); err != nil {
		return cid.Undef, err
	}
	return h.sum()
}

// amtHasher encodes AMT nodes into one buffer and hashes them.
type amtHasher struct {
	buf bytes.Buffer
}

// startNode resets the buffer and writes a node's header for n slots used.
func (h *amtHasher) startNode(n int) {
	h.buf.Reset()
	h.nodeHeader(n)
}

// nodeHeader writes [bmap, ... with the first n slots set (dense: the
// events fill indices 0..count-1).
func (h *amtHasher) nodeHeader(n int) {
	var bmap [amtWidth / 8]byte
	for i := range n {
		bmap[i/8] |= 1 << (i % 8)
	}
	h.buf.WriteByte(0x83)                   // [bmap, links, values]
	h.buf.WriteByte(0x40 | byte(len(bmap))) // bytes(4)
	h.buf.Write(bmap[:])
}

// values writes the values array.
func (h *amtHasher) values(events []kernel.StampedEvent) error {
	w := cbg.NewCborWriter(&h.buf)
	if err := w.WriteMajorTypeHeader(cbg.MajArray, uint64(len(events))); err != nil {
		return err
	}
	for i := range events {
		if err := stampedEvent(events[i]).MarshalCBOR(w); err != nil {
			return err
		}
	}
	return nil
}

// linkNode encodes a node of links on its own.
func (h *amtHasher) linkNode(links []cid.Cid) error {
	h.buf.Reset()
	return h.linkNodeBody(links)
}

// linkNodeBody writes a node of links: bmap, the links, no values.
func (h *amtHasher) linkNodeBody(links []cid.Cid) error {
	h.nodeHeader(len(links))
	w := cbg.NewCborWriter(&h.buf)
	if err := w.WriteMajorTypeHeader(cbg.MajArray, uint64(len(links))); err != nil {
		return err
	}
	for _, c := range links {
		if err := cbg.WriteCid(w, c); err != nil {
			return err
		}
	}
	h.buf.WriteByte(0x80) // no values
	return nil
}

// sum returns the CID of the buffer's block, as a DAG-CBOR store would name
// it (CIDv1, blake2b-256).
func (h *amtHasher) sum() (cid.Cid, error) {
	sum := blake2b.Sum256(h.buf.Bytes())
	digest, err := mh.Encode(sum[:], mh.BLAKE2B_MIN+31)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(cid.DagCBOR, digest), nil
}

// stampedEvent encodes as [emitter, [[flags, key, codec, value], ...]].
type stampedEvent kernel.StampedEvent

func (ev stampedEvent) MarshalCBOR(w io.Writer) error {
	cw := cbg.NewCborWriter(w)
	if err := cw.WriteMajorTypeHeader(cbg.MajArray, 2); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, ev.Emitter); err != nil {
		return err
	}
	if err := cw.WriteMajorTypeHeader(cbg.MajArray, uint64(len(ev.Entries))); err != nil {
		return err
	}
	for _, e := range ev.Entries {
		if err := cw.WriteMajorTypeHeader(cbg.MajArray, 4); err != nil {
			return err
		}
		if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, e.Flags); err != nil {
			return err
		}
		if err := cw.WriteMajorTypeHeader(cbg.MajTextString, uint64(len(e.Key))); err != nil {
			return err
		}
		if _, err := cw.WriteString(e.Key); err != nil {
			return err
		}
		if err := cw.WriteMajorTypeHeader(cbg.MajUnsignedInt, e.Codec); err != nil {
			return err
		}
		if err := cbg.WriteByteArray(cw, e.Value); err != nil {
			return err
		}
	}
	return nil
}
