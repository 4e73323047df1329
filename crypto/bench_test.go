package crypto

import (
	"fmt"
	"testing"

	bls12381 "github.com/consensys/gnark-crypto/ecc/bls12-381"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"golang.org/x/crypto/blake2b"
)

// The FVM prices crypto at 10 gas per nanosecond of reference execution; each benchmark reports
// its budget (ns/op implied by the gas the kernel charges), the wall-time/budget ratio, and on
// Linux the process CPU time per op and its ratio (meaningful on a loaded machine, where wall
// time is inflated by other processes; it also counts any parallel work, as the budget should).
const gasPerNs = 10

// cpuStart is the process CPU time when the timed loop started.
type cpuStart struct {
	ns int64
	ok bool
}

func startCPU(b *testing.B) cpuStart {
	b.Helper()
	b.ResetTimer()
	ns, ok := processCPUTime()
	return cpuStart{ns, ok}
}

func reportBudget(b *testing.B, start cpuStart, gas float64) {
	b.Helper()
	end, ok := processCPUTime()
	budget := gas / gasPerNs
	perOp := float64(b.Elapsed().Nanoseconds()) / float64(b.N)
	b.ReportMetric(budget, "budget-ns/op")
	b.ReportMetric(perOp/budget, "x-budget")
	if ok && start.ok {
		cpu := float64(end-start.ns) / float64(b.N)
		b.ReportMetric(cpu, "cpu-ns/op")
		b.ReportMetric(cpu/budget, "cpu-x-budget")
	}
}

func BenchmarkSecpVerify(b *testing.B) {
	key := testKey(b, 5)
	addr, _ := address.NewSecp256k1Address(key.PubKey().SerializeUncompressed())
	msg := make([]byte, 38) // a message CID
	d := blake2b.Sum256(msg)
	sig := signSecp(b, key, d[:])
	cs := startCPU(b)
	for i := 0; i < b.N; i++ {
		if ok, _ := VerifySignature(SigTypeSecp256k1, sig[:], addr, msg); !ok {
			b.Fatal("rejected")
		}
	}
	reportBudget(b, cs, 1_637_292+10*float64(len(msg)))
}

func BenchmarkSecpRecover(b *testing.B) {
	key := testKey(b, 6)
	d := blake2b.Sum256([]byte("x"))
	sig := signSecp(b, key, d[:])
	cs := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := RecoverSecpPublicKey(&d, &sig); err != nil {
			b.Fatal(err)
		}
	}
	reportBudget(b, cs, 1_637_292)
}

func BenchmarkBLSVerify(b *testing.B) {
	k := newBLSKey(9)
	addr, _ := address.NewBLSAddress(k.pk[:])
	msg := make([]byte, 38)
	s := k.sign(b, msg)
	sig := s.Bytes()
	cs := startCPU(b)
	for i := 0; i < b.N; i++ {
		if ok, _ := VerifySignature(SigTypeBLS, sig[:], addr, msg); !ok {
			b.Fatal("rejected")
		}
	}
	reportBudget(b, cs, 16_598_605+26*float64(len(msg)))
}

func BenchmarkBLSAggregate(b *testing.B) {
	for _, n := range []int{10, 100} {
		b.Run(fmt.Sprint(n), func(b *testing.B) {
			keys := make([][BLSPubLen]byte, n)
			msgs := make([][]byte, n)
			sigs := make([]bls12381.G2Affine, n)
			total := 0
			for i := range n {
				k := newBLSKey(int64(100 + i))
				keys[i] = k.pk
				msgs[i] = []byte(fmt.Sprintf("message %04d of the aggregate, about 38 B", i))[:38]
				total += len(msgs[i])
				sigs[i] = k.sign(b, msgs[i])
			}
			agg := aggregate(sigs...)
			cs := startCPU(b)
			for i := 0; i < b.N; i++ {
				if ok, _ := VerifyBLSAggregate(&agg, keys, msgs); !ok {
					b.Fatal("rejected")
				}
			}
			reportBudget(b, cs, 8_299_302*float64(n+1)+7*float64(total))
		})
	}
}

func BenchmarkHash(b *testing.B) {
	perByte := map[uint64]float64{HashSha2_256: 7, HashBlake2b256: 10, HashBlake2b512: 10, HashKeccak256: 33, HashRipemd160: 35}
	for _, h := range hashFunctions {
		for _, size := range []int{256, 64 << 10} {
			b.Run(fmt.Sprintf("%s/%d", h.Name, size), func(b *testing.B) {
				data := make([]byte, size)
				out := make([]byte, 64)
				b.SetBytes(int64(size))
				cs := startCPU(b)
				for i := 0; i < b.N; i++ {
					if _, err := HashInto(h.Code, data, out); err != nil {
						b.Fatal(err)
					}
				}
				reportBudget(b, cs, perByte[h.Code]*float64(size))
			})
		}
	}
}

// BenchmarkUnsealedCID32GiB: a 32 GiB sector holding a handful of deal pieces, the rest zero
// padding, against OnComputeUnsealedSectorCid (98,647 gas).
func BenchmarkUnsealedCID32GiB(b *testing.B) {
	pieces := []abi.PieceInfo{
		{Size: 1 << 30, PieceCID: somePieceCID(1)},
		{Size: 256 << 20, PieceCID: somePieceCID(2)},
		{Size: 4 << 30, PieceCID: somePieceCID(3)},
		{Size: 128 << 20, PieceCID: somePieceCID(4)},
		{Size: 2 << 30, PieceCID: somePieceCID(5)},
	}
	zeroCommitments() // the table is built once per process
	cs := startCPU(b)
	for i := 0; i < b.N; i++ {
		if _, err := ComputeUnsealedSectorCID(V4, abi.RegisteredSealProof_StackedDrg32GiBV1_1, pieces); err != nil {
			b.Fatal(err)
		}
	}
	reportBudget(b, cs, 98_647)
}
