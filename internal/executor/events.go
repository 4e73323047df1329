package executor

import (
	"context"
	"fmt"

	"bytes"
	"errors"
	"io"

	amt "github.com/filecoin-project/go-amt-ipld/v4"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	mh "github.com/multiformats/go-multihash"
	cbg "github.com/whyrusleeping/cbor-gen"
	"golang.org/x/crypto/blake2b"

	"github.com/go-fvm/go-fvm/internal/kernel"
)

// eventsAMTBitWidth is the bit width of the events AMT in receipts.
const eventsAMTBitWidth = 5

// eventsRoot returns the root of the AMT of a message's events, or nil when
// there are none. As in the reference, the AMT's blocks are not kept.
func eventsRoot(ctx context.Context, events []kernel.StampedEvent) (*cid.Cid, error) {
	if len(events) == 0 {
		return nil, nil
	}
	vals := make([]cbg.CBORMarshaler, len(events))
	for i := range events {
		vals[i] = stampedEvent(events[i])
	}
	root, err := amt.FromArray(ctx, &hashOnlyStore{}, vals, amt.UseTreeBitWidth(eventsAMTBitWidth))
	if err != nil {
		return nil, fmt.Errorf("%w: events root: %w", ErrFatal, err)
	}
	return &root, nil
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

// hashOnlyStore is the store the events AMT is built in: it computes each
// node's CID (DAG-CBOR, blake2b-256, as cbor.BasicIpldStore does) and keeps
// nothing, reusing one buffer for the encodings, since the events root's
// blocks are thrown away. A message's events may be hundreds of megabytes;
// this keeps the cost to one encoding and one hash of them.
type hashOnlyStore struct {
	buf bytes.Buffer
}

var _ cbor.IpldStore = (*hashOnlyStore)(nil)

var errHashOnly = errors.New("the events store keeps no blocks")

// Get implements cbor.IpldStore: there is nothing to get.
func (s *hashOnlyStore) Get(context.Context, cid.Cid, any) error { return errHashOnly }

// Put implements cbor.IpldStore.
func (s *hashOnlyStore) Put(_ context.Context, v any) (cid.Cid, error) {
	m, ok := v.(cbg.CBORMarshaler)
	if !ok {
		return cid.Undef, fmt.Errorf("events store: %T is not CBOR-marshalable", v)
	}
	s.buf.Reset()
	if err := m.MarshalCBOR(&s.buf); err != nil {
		return cid.Undef, err
	}
	sum := blake2b.Sum256(s.buf.Bytes())
	digest, err := mh.Encode(sum[:], mh.BLAKE2B_MIN+31)
	if err != nil {
		return cid.Undef, err
	}
	return cid.NewCidV1(cid.DagCBOR, digest), nil
}
