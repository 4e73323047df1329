package ethtx

import (
	"bytes"
	"testing"

	"github.com/ethereum/go-ethereum/common"
)

// FuzzParse feeds raw transactions, as eth_sendRawTransaction receives them,
// to Parse and to the conversions a node makes of what it accepts. Nothing
// may panic; an accepted envelope re-encodes to one that parses to the same
// hash; a transaction whose signature recovers a sender becomes a message
// that a node authenticates, and whose Ethereum hash is the transaction's
// (the hash eth_sendRawTransaction answers is the one lookups find).
func FuzzParse(f *testing.F) {
	t := &testing.T{}
	to := common.HexToAddress("0x1111111111111111111111111111111111111111")
	for _, kind := range []Kind{Homestead, EIP155, EIP1559} {
		f.Add(envelope(t, kind, &to, nil))
		f.Add(envelope(t, kind, &to, []byte{0xde, 0xad, 0xbe, 0xef}))
		f.Add(envelope(t, kind, nil, []byte{0x60, 0x00}))
	}
	f.Add([]byte{})
	f.Add([]byte{0x02, 0xc0})
	f.Fuzz(func(t *testing.T, raw []byte) {
		tx, err := Parse(raw)
		if err != nil {
			return
		}
		again, err := Parse(tx.Raw())
		if err != nil {
			t.Fatalf("re-encoding %x of %x does not parse: %v", tx.Raw(), raw, err)
		}
		if again.Hash() != tx.Hash() || !bytes.Equal(again.Raw(), tx.Raw()) {
			t.Fatalf("re-encoding of %x parses to another transaction", raw)
		}
		chainID := tx.ChainID()
		if tx.Kind() == Homestead {
			chainID = devChainID
		}
		smsg, _, err := tx.SignedMessage(chainID)
		if err != nil {
			return
		}
		if err := Authenticate(smsg, chainID); err != nil {
			t.Fatalf("%x: the message it converts to does not authenticate: %v", raw, err)
		}
		h, err := HashOf(smsg, chainID)
		if err != nil || h != tx.Hash() {
			t.Fatalf("%x: message hash %x (%v), transaction hash %x", raw, h, err, tx.Hash())
		}
	})
}
