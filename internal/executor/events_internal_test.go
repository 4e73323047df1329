package executor

import (
	"context"
	"fmt"
	"testing"

	amt "github.com/filecoin-project/go-amt-ipld/v4"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// TestEventsRootMatchesBlockstoreAMT: the hash-only events root is the root
// the AMT gets in a real blockstore, for one leaf, several, and several
// levels.
func TestEventsRootMatchesBlockstoreAMT(t *testing.T) {
	ctx := context.Background()
	for _, n := range []int{1, 2, 31, 32, 33, 64, 1023, 1024, 1025, 32768, 32769, 40_000} {
		t.Run(fmt.Sprint(n), func(t *testing.T) {
			events := make([]kernel.StampedEvent, n)
			vals := make([]cbg.CBORMarshaler, n)
			for i := range events {
				events[i] = kernel.StampedEvent{Emitter: uint64(1000 + i%7), Entries: []kernel.EventEntry{
					{Flags: 3, Key: "d", Codec: 0x55, Value: []byte(fmt.Sprintf("value %d", i))},
					{Flags: 1, Key: "t1", Codec: 0x55, Value: make([]byte, i%40)},
				}}
				vals[i] = stampedEvent(events[i])
			}
			want, err := amt.FromArray(ctx, cbor.NewCborStore(blockstore.NewMemory()), vals, amt.UseTreeBitWidth(eventsAMTBitWidth))
			if err != nil {
				t.Fatal(err)
			}
			got, err := eventsRoot(ctx, events)
			if err != nil {
				t.Fatal(err)
			}
			if got == nil || !got.Equals(want) {
				t.Fatalf("events root %v, want %v", got, want)
			}
		})
	}
}
