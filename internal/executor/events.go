package executor

import (
	"context"
	"fmt"

	amt "github.com/filecoin-project/go-amt-ipld/v4"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"
	"io"

	"github.com/go-fvm/go-fvm/blockstore"
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
	store := cbor.NewCborStore(blockstore.NewMemory())
	root, err := amt.FromArray(ctx, store, vals, amt.UseTreeBitWidth(eventsAMTBitWidth))
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
