package eth_test

import (
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/common/hexutil"
)

// BenchmarkTransfers is the Anvil benchmark's workload in-process, without
// node: ERC-20 transfers to distinct recipients, signed before the timer
// starts, each sent with eth_sendRawTransaction over HTTP and its receipt
// fetched (automine: the receipt is there when the send returns). ns/op is
// the devnet's time per transaction, client included (a Go HTTP client);
// mine-ns/tx is the part spent mining (selection, execution with reward and
// cron, commit), apply-ns/tx the part applying the transfers themselves, and
// tipsets/tx how many tipsets each transaction took. Profile it with
// -cpuprofile.
func BenchmarkTransfers(b *testing.B) {
	n := startNode(b)
	s := newSigner(b, key0)
	tok := n.deployToken(b, s)
	raws := make([][]byte, b.N)
	for i := range raws {
		to := common.BigToAddress(common.Big1)
		to[0], to[1], to[2] = 0xbe, byte(i>>8), byte(i)
		raws[i] = s.sign(b, &tok, transferData(to, 1), 50_000_000)
	}
	c := n.Devnet.Chain
	before := c.Stats()
	b.ResetTimer()
	for _, raw := range raws {
		var h common.Hash
		n.must(b, &h, "eth_sendRawTransaction", hexutil.Encode(raw))
		var r *receipt
		n.must(b, &r, "eth_getTransactionReceipt", h)
		if r == nil || r.Status != 1 {
			b.Fatalf("transfer %s: %+v", h.Hex(), r)
		}
	}
	b.StopTimer()
	after := c.Stats()
	per := func(v float64) float64 { return v / float64(b.N) }
	b.ReportMetric(per(float64(after.MineTime-before.MineTime)), "mine-ns/tx")
	b.ReportMetric(per(float64(after.MessageTime-before.MessageTime)), "apply-ns/tx")
	b.ReportMetric(per(float64(after.Tipsets-before.Tipsets)), "tipsets/tx")
}
