package chain

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"math/bits"

	amt4 "github.com/filecoin-project/go-amt-ipld/v4"
	blocks "github.com/ipfs/go-block-format"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	"github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
)

// eventsAMTBitWidth is the bit width of a receipt's events AMT (Lotus's
// types.EventAMTBitwidth).
const eventsAMTBitWidth = 5

// amt0Width is the fan-out of version-0 AMTs (go-amt-ipld v2), in which Lotus
// keeps a block's message lists and a tipset's receipts.
const amt0Width = 8

var cidBuilder = cid.V1Builder{Codec: cid.DagCBOR, MhType: multihash.BLAKE2B_MIN + 31}

// putCBOR stores DAG-CBOR bytes and returns their CID.
func putCBOR(ctx context.Context, bs blockstore.Blockstore, data []byte) (cid.Cid, error) {
	c, err := cidBuilder.Sum(data)
	if err != nil {
		return cid.Undef, err
	}
	blk, err := blocks.NewBlockWithCid(data, c)
	if err != nil {
		return cid.Undef, err
	}
	return c, bs.Put(ctx, blk)
}

func getBlock(ctx context.Context, bs blockstore.Blockstore, c cid.Cid) ([]byte, error) {
	b, err := bs.Get(ctx, c)
	if err != nil {
		return nil, err
	}
	return b.RawData(), nil
}

// buildAMT0 stores a dense version-0 AMT of encoded values (index i holds
// values[i]) and returns its root: [height, count, node], nodes
// [bitmap, links, values], width 8.
func buildAMT0(ctx context.Context, bs blockstore.Blockstore, values [][]byte) (cid.Cid, error) {
	height := 0
	for capacity := amt0Width; capacity < len(values); capacity *= amt0Width {
		height++
	}
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	must(w.WriteMajorTypeHeader(cbg.MajArray, 3))
	must(w.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(height)))
	must(w.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(len(values))))
	node, err := amt0Node(ctx, bs, values, height)
	if err != nil {
		return cid.Undef, err
	}
	buf.Write(node)
	return putCBOR(ctx, bs, buf.Bytes())
}

// amt0Node encodes the node holding values (at most 8^(height+1) of them),
// storing its children.
func amt0Node(ctx context.Context, bs blockstore.Blockstore, values [][]byte, height int) ([]byte, error) {
	var bitmap byte
	var links []cid.Cid
	var vals [][]byte
	if height == 0 {
		for i, v := range values {
			bitmap |= 1 << i
			vals = append(vals, v)
		}
	} else {
		span := 1
		for range height {
			span *= amt0Width
		}
		for i := 0; i*span < len(values); i++ {
			part := values[i*span : min(len(values), (i+1)*span)]
			child, err := amt0Node(ctx, bs, part, height-1)
			if err != nil {
				return nil, err
			}
			c, err := putCBOR(ctx, bs, child)
			if err != nil {
				return nil, err
			}
			bitmap |= 1 << i
			links = append(links, c)
		}
	}
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	must(w.WriteMajorTypeHeader(cbg.MajArray, 3))
	writeBytes(w, []byte{bitmap})
	must(w.WriteMajorTypeHeader(cbg.MajArray, uint64(len(links))))
	for _, l := range links {
		must(cbg.WriteCid(w, l))
	}
	must(w.WriteMajorTypeHeader(cbg.MajArray, uint64(len(vals))))
	for _, v := range vals {
		buf.Write(v)
	}
	return buf.Bytes(), nil
}

// readAMT0 returns the values of a version-0 AMT in index order.
func readAMT0(ctx context.Context, bs blockstore.Blockstore, root cid.Cid) ([][]byte, error) {
	data, err := getBlock(ctx, bs, root)
	if err != nil {
		return nil, err
	}
	r := cbg.NewCborReader(bytes.NewReader(data))
	if err := readArrayHeader(r, 3); err != nil {
		return nil, fmt.Errorf("amt root %s: %w", root, err)
	}
	maj, height, err := r.ReadHeader()
	if err != nil || maj != cbg.MajUnsignedInt || height > 20 {
		return nil, fmt.Errorf("amt root %s: bad height", root)
	}
	if _, _, err := r.ReadHeader(); err != nil {
		return nil, fmt.Errorf("amt root %s: %w", root, err)
	}
	var out [][]byte
	if err := readAMT0Node(ctx, bs, r, int(height), &out); err != nil {
		return nil, fmt.Errorf("amt %s: %w", root, err)
	}
	return out, nil
}

func readAMT0Node(ctx context.Context, bs blockstore.Blockstore, r *cbg.CborReader, height int, out *[][]byte) error {
	if err := readArrayHeader(r, 3); err != nil {
		return err
	}
	bitmap, err := cbg.ReadByteArray(r, 1)
	if err != nil || len(bitmap) != 1 {
		return fmt.Errorf("bad node bitmap")
	}
	maj, n, err := r.ReadHeader()
	if err != nil || maj != cbg.MajArray || n > amt0Width {
		return fmt.Errorf("bad node links")
	}
	links := make([]cid.Cid, n)
	for i := range links {
		if links[i], err = cbg.ReadCid(r); err != nil {
			return err
		}
	}
	maj, n, err = r.ReadHeader()
	if err != nil || maj != cbg.MajArray || n > amt0Width {
		return fmt.Errorf("bad node values")
	}
	for range n {
		var d cbg.Deferred
		if err := d.UnmarshalCBOR(r); err != nil {
			return err
		}
		*out = append(*out, d.Raw)
	}
	if height == 0 || bits.OnesCount8(bitmap[0]) != len(links) {
		return nil
	}
	for _, l := range links {
		data, err := getBlock(ctx, bs, l)
		if err != nil {
			return err
		}
		if err := readAMT0Node(ctx, bs, cbg.NewCborReader(bytes.NewReader(data)), height-1, out); err != nil {
			return err
		}
	}
	return nil
}

func readArrayHeader(r *cbg.CborReader, n uint64) error {
	maj, extra, err := r.ReadHeader()
	if err != nil {
		return err
	}
	if maj != cbg.MajArray || extra != n {
		return fmt.Errorf("want an array of %d", n)
	}
	return nil
}

func encodeCid(c cid.Cid) []byte {
	var buf bytes.Buffer
	must(cbg.WriteCid(&buf, c))
	return buf.Bytes()
}

// msgMeta stores a block's message lists (Lotus's MsgMeta: AMTs of the BLS
// messages' CIDs and of the secp256k1 ones') and returns the block's Messages CID.
func msgMeta(ctx context.Context, bs blockstore.Blockstore, bls, secp []cid.Cid) (cid.Cid, error) {
	roots := make([]cid.Cid, 2)
	for i, list := range [][]cid.Cid{bls, secp} {
		vals := make([][]byte, len(list))
		for j, c := range list {
			vals[j] = encodeCid(c)
		}
		root, err := buildAMT0(ctx, bs, vals)
		if err != nil {
			return cid.Undef, err
		}
		roots[i] = root
	}
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	must(w.WriteMajorTypeHeader(cbg.MajArray, 2))
	must(cbg.WriteCid(w, roots[0]))
	must(cbg.WriteCid(w, roots[1]))
	return putCBOR(ctx, bs, buf.Bytes())
}

// readMsgMeta returns the message CIDs of a block's Messages.
func readMsgMeta(ctx context.Context, bs blockstore.Blockstore, meta cid.Cid) (bls, secp []cid.Cid, err error) {
	data, err := getBlock(ctx, bs, meta)
	if err != nil {
		return nil, nil, err
	}
	r := cbg.NewCborReader(bytes.NewReader(data))
	if err := readArrayHeader(r, 2); err != nil {
		return nil, nil, fmt.Errorf("msg meta %s: %w", meta, err)
	}
	var lists [2][]cid.Cid
	for i := range lists {
		root, err := cbg.ReadCid(r)
		if err != nil {
			return nil, nil, fmt.Errorf("msg meta %s: %w", meta, err)
		}
		vals, err := readAMT0(ctx, bs, root)
		if err != nil {
			return nil, nil, err
		}
		for _, v := range vals {
			c, err := cbg.ReadCid(cbg.NewCborReader(bytes.NewReader(v)))
			if err != nil {
				return nil, nil, fmt.Errorf("msg meta %s: %w", meta, err)
			}
			lists[i] = append(lists[i], c)
		}
	}
	return lists[0], lists[1], nil
}

// encodeReceipt is a receipt's chain encoding (Lotus's MessageReceipt v1:
// [exit code, return, gas used, events root or null]).
func encodeReceipt(r *fvm.Receipt) []byte {
	var buf bytes.Buffer
	w := cbg.NewCborWriter(&buf)
	must(w.WriteMajorTypeHeader(cbg.MajArray, 4))
	writeInt(w, int64(r.ExitCode))
	writeBytes(w, r.Return)
	writeInt(w, r.GasUsed)
	if r.EventsRoot == nil {
		must(w.WriteMajorTypeHeader(cbg.MajOther, 22))
	} else {
		must(cbg.WriteCid(w, *r.EventsRoot))
	}
	return buf.Bytes()
}

func writeInt(w *cbg.CborWriter, v int64) {
	if v >= 0 {
		must(w.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(v)))
		return
	}
	must(w.WriteMajorTypeHeader(cbg.MajNegativeInt, uint64(-v-1)))
}

// cborEvent encodes an event as Lotus's types.Event: [emitter, [[flags, key, codec, value]...]].
type cborEvent fvm.Event

func (e *cborEvent) MarshalCBOR(out io.Writer) error {
	w := cbg.NewCborWriter(out)
	if err := w.WriteMajorTypeHeader(cbg.MajArray, 2); err != nil {
		return err
	}
	if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, uint64(e.Emitter)); err != nil {
		return err
	}
	if err := w.WriteMajorTypeHeader(cbg.MajArray, uint64(len(e.Entries))); err != nil {
		return err
	}
	for _, en := range e.Entries {
		if err := w.WriteMajorTypeHeader(cbg.MajArray, 4); err != nil {
			return err
		}
		if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, en.Flags); err != nil {
			return err
		}
		if err := w.WriteMajorTypeHeader(cbg.MajTextString, uint64(len(en.Key))); err != nil {
			return err
		}
		if _, err := io.WriteString(w, en.Key); err != nil {
			return err
		}
		if err := w.WriteMajorTypeHeader(cbg.MajUnsignedInt, en.Codec); err != nil {
			return err
		}
		if err := w.WriteMajorTypeHeader(cbg.MajByteString, uint64(len(en.Value))); err != nil {
			return err
		}
		if _, err := w.Write(en.Value); err != nil {
			return err
		}
	}
	return nil
}

// storeEvents stores the events AMT of a message's receipt and returns its root.
func storeEvents(ctx context.Context, bs blockstore.Blockstore, events []fvm.Event) (cid.Cid, error) {
	objs := make([]cbg.CBORMarshaler, len(events))
	for i := range events {
		objs[i] = (*cborEvent)(&events[i])
	}
	return amt4.FromArray(ctx, cbor.NewCborStore(bs), objs, amt4.UseTreeBitWidth(eventsAMTBitWidth))
}

// writeBytes writes a byte string of any length (cbg.WriteByteArray refuses
// more than 2 MiB).
func writeBytes(w *cbg.CborWriter, b []byte) {
	must(w.WriteMajorTypeHeader(cbg.MajByteString, uint64(len(b))))
	_, err := w.Write(b)
	must(err)
}

// must panics on a write error; writes into a bytes.Buffer never fail.
func must(err error) {
	if err != nil {
		panic(err)
	}
}
