package gas

import (
	"math"
	"testing"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/filecoin-project/go-state-types/proof"
)

// g is whole gas in milligas, for readable expectations.
func g(whole uint64) uint64 { return whole * 1000 }

// chargeCase is one expected charge. The numbers are derived by hand from
// the ref-fvm v3.13.3 / v4.8.2 price lists (see the comments next to each).
type chargeCase struct {
	name           string
	charge         GasCharge
	wantName       string
	compute, other uint64 // milligas
}

func checkCharges(t *testing.T, cases []chargeCase) {
	t.Helper()
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			c := tc.charge
			if c.Name != tc.wantName {
				t.Errorf("name = %q, want %q", c.Name, tc.wantName)
			}
			if c.ComputeGas.Milligas() != tc.compute || c.OtherGas.Milligas() != tc.other {
				t.Errorf("compute/other = %d/%d mg, want %d/%d mg",
					c.ComputeGas.Milligas(), c.OtherGas.Milligas(), tc.compute, tc.other)
			}
		})
	}
}

// mustFn returns a helper that unwraps a (GasCharge, error) result.
func mustFn(t *testing.T) func(GasCharge, error) GasCharge {
	return func(c GasCharge, err error) GasCharge {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return c
	}
}

func TestPriceListByNetworkVersion(t *testing.T) {
	tests := []struct {
		nv      network.Version
		want    string
		version int
	}{
		{network.Version16, "skyr", 2}, {network.Version17, "skyr", 2},
		{network.Version18, "hygge", 3}, {network.Version19, "hygge", 3}, {network.Version20, "hygge", 3},
		{network.Version21, "watermelon", 4}, {network.Version22, "watermelon", 4},
		{network.Version23, "watermelon", 4}, {network.Version24, "watermelon", 4},
		{network.Version25, "teep", 4}, {network.Version26, "teep", 4},
		{network.Version27, "teep", 4}, {network.Version28, "teep", 4},
		{network.Version29, "teep", 4},
	}
	for _, tc := range tests {
		p, err := PriceListByNetworkVersion(tc.nv)
		if err != nil {
			t.Fatalf("nv%d: %v", tc.nv, err)
		}
		if p.Name != tc.want || p.FVMVersion != tc.version {
			t.Errorf("nv%d: got %s (v%d), want %s (v%d)", tc.nv, p.Name, p.FVMVersion, tc.want, tc.version)
		}
	}
	for _, nv := range []network.Version{0, network.Version15, network.Version29 + 1, 1000} {
		if _, err := PriceListByNetworkVersion(nv); err == nil {
			t.Errorf("nv%d: no error", nv)
		}
	}
	// Each call returns an independent copy.
	a, _ := PriceListByNetworkVersion(network.Version25)
	a.VerifyAggregateSealPer[abi.RegisteredSealProof_StackedDrg32GiBV1_1] = ZeroGas
	b, _ := PriceListByNetworkVersion(network.Version25)
	if b.VerifyAggregateSealPer[abi.RegisteredSealProof_StackedDrg32GiBV1_1] != NewGas(449_900) {
		t.Fatal("price lists share state")
	}
}

// Charges whose formula and values are the same in all three lists.
func TestCommonCharges(t *testing.T) {
	for _, p := range []*PriceList{HyggePrices(), WatermelonPrices(), TeepPrices()} {
		t.Run(p.Name, func(t *testing.T) {
			must := mustFn(t)
			postInfo := &proof.WindowPoStVerifyInfo{
				Proofs:            []proof.PoStProof{{PoStProof: abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1}},
				ChallengedSectors: make([]proof.SectorInfo, 10),
			}
			checkCharges(t, []chargeCase{
				// 38,863 compute; 475,000 + 36·1300 + 200·1300 = 781,800 other;
				// total 560,663 + 1300·200 = 820,663.
				{"message 200 bytes", p.OnChainMessage(200), "OnChainMessage", g(38_863), g(781_800)},
				{"message 0 bytes", p.OnChainMessage(0), "OnChainMessage", g(38_863), g(521_800)},
				{"return 100 bytes", p.OnChainReturnValue(100), "OnChainReturnValue", 0, g(130_000)},
				{"value transfer", p.OnValueTransfer(), "OnValueTransfer", g(6000), 0},
				{"syscall", p.OnSyscall(), "OnSyscall", g(14_000), 0},
				{"actor lookup", p.OnActorLookup(), "OnActorLookup", 0, g(500_000)},
				{"actor update", p.OnActorUpdate(), "OnActorUpdate", 0, g(475_000)},
				{"actor create", p.OnActorCreate(), "OnActorCreate", 0, g(650_000)},
				{"create actor", p.OnCreateActor(false), "OnCreateActor", 0, g(650_000)},
				// 650,000 + 1,000,000 + 1,050,000.
				{"create actor new address", p.OnCreateActor(true), "OnCreateActor", 0, g(2_700_000)},
				{"delete actor", p.OnDeleteActor(), "OnDeleteActor", 0, 0},
				// 0.4 gas/byte × 1000.
				{"block read 1000", p.OnBlockRead(1000), "OnBlockRead", g(400), 0},
				{"block read 0", p.OnBlockRead(0), "OnBlockRead", 0, 0},
				{"block stat", p.OnBlockStat(), "OnBlockStat", 0, 0},
				{"sha2-256 100", must(p.OnHashing(HashSha2_256, 100)), "OnHashing", g(700), 0},
				{"blake2b-256 100", must(p.OnHashing(HashBlake2b256, 100)), "OnHashing", g(1000), 0},
				{"blake2b-512 100", must(p.OnHashing(HashBlake2b512, 100)), "OnHashing", g(1000), 0},
				{"keccak-256 100", must(p.OnHashing(HashKeccak256, 100)), "OnHashing", g(3300), 0},
				{"ripemd-160 100", must(p.OnHashing(HashRipemd160, 100)), "OnHashing", g(3500), 0},
				// 1,637,292 + 10·100.
				{"secp256k1 100", must(p.OnVerifySignature(crypto.SigTypeSecp256k1, 100)), "OnVerifySignature", g(1_638_292), 0},
				// 16,598,605 + 26·100.
				{"bls 100", must(p.OnVerifySignature(crypto.SigTypeBLS, 100)), "OnVerifySignature", g(16_601_205), 0},
				{"secp256k1 0", must(p.OnVerifySignature(crypto.SigTypeSecp256k1, 0)), "OnVerifySignature", g(1_637_292), 0},
				{"recover secp", p.OnRecoverSecpPublicKey(), "OnRecoverSecpPublicKey", g(1_637_292), 0},
				{"unsealed cid", p.OnComputeUnsealedSectorCid(abi.RegisteredSealProof_StackedDrg32GiBV1_1, make([]abi.PieceInfo, 5)), "OnComputeUnsealedSectorCid", g(98_647), 0},
				// 117,680,921 + 43,780·10.
				{"window post 10 sectors", p.OnVerifyPost(postInfo), "OnVerifyPost", g(118_118_721), 0},
				{"window post no proofs", p.OnVerifyPost(&proof.WindowPoStVerifyInfo{}), "OnVerifyPost", g(117_680_921), 0},
				{"window post V1 type", p.OnVerifyPost(&proof.WindowPoStVerifyInfo{
					Proofs:            []proof.PoStProof{{PoStProof: abi.RegisteredPoStProof_StackedDrgWindow64GiBV1}},
					ChallengedSectors: make([]proof.SectorInfo, 2)}), "OnVerifyPost", g(117_768_481), 0},
				{"consensus fault", p.OnVerifyConsensusFault(100, 100, 0), "OnVerifyConsensusFault", 0, g(516_422)},
				{"replica update", p.OnVerifyReplicaUpdate(&proof.ReplicaUpdateInfo{}), "OnVerifyReplicaUpdate", g(36_316_136), 0},
				// 449,900·10 + step(10) = 4,499,000 + 112,356,810.
				{"aggregate 32GiB x10", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
					SealProof: abi.RegisteredSealProof_StackedDrg32GiBV1_1, Infos: make([]proof.AggregateSealVerifyInfo, 10)}),
					"OnVerifyAggregateSeals", g(116_855_810), 0},
				// 359,272·3 + 0 (no step below 4).
				{"aggregate 64GiB x3", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
					SealProof: abi.RegisteredSealProof_StackedDrg64GiBV1_1, Infos: make([]proof.AggregateSealVerifyInfo, 3)}),
					"OnVerifyAggregateSeals", g(1_077_816), 0},
				// 359,272·500 + 509,880,640.
				{"aggregate 64GiB x500", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
					SealProof: abi.RegisteredSealProof_StackedDrg64GiBV1_1, Infos: make([]proof.AggregateSealVerifyInfo, 500)}),
					"OnVerifyAggregateSeals", g(689_516_640), 0},
				// An unpriced type uses 32GiB V1P1: 449,900·4 + 103,994,170.
				{"aggregate unknown type x4", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
					SealProof: abi.RegisteredSealProof_StackedDrg2KiBV1_1, Infos: make([]proof.AggregateSealVerifyInfo, 4)}),
					"OnVerifyAggregateSeals", g(105_793_770), 0},
				{"self balance", p.OnSelfBalance(), "OnSelfBalance", 0, 0},
				{"balance of", p.OnBalanceOf(), "OnBalanceOf", 0, 0},
				{"resolve address", p.OnResolveAddress(), "OnResolveAddress", 0, 0},
				{"lookup delegated", p.OnLookupDelegatedAddress(), "OnLookupAddress", 0, 0},
				{"actor code cid", p.OnGetActorCodeCid(), "OnGetActorCodeCid", 0, 0},
				{"builtin type", p.OnGetBuiltinActorType(), "OnGetBuiltinActorType", 0, 0},
				{"code cid for type", p.OnGetCodeCidForType(), "OnGetCodeCidForType", 0, 0},
				{"network context", p.OnNetworkContext(), "OnNetworkContext", 0, 0},
				{"message context", p.OnMessageContext(), "OnMessageContext", 0, 0},
				{"install actor", p.OnInstallActor(1 << 20), "OnInstallActor", 0, 0},
				// 0.4 gas/byte × 65,536.
				{"memory init 1 page", p.OnWasmMemoryInit(65536), "wasm_memory_init", 26_214_400, 0},
				{"memory init 0", p.OnWasmMemoryInit(0), "wasm_memory_init", 0, 0},
				// 0.4 × 8 bytes × 10 elements.
				{"table init 10", p.OnWasmTableInit(10), "wasm_table_init", g(32), 0},
			})
			if _, err := p.OnVerifySignature(crypto.SigTypeDelegated, 10); err == nil {
				t.Error("delegated signature priced")
			}
			if _, err := p.OnHashing(0x11, 10); err == nil {
				t.Error("sha1 priced")
			}
			if _, err := p.OnBlockLink(0x13, 10); err == nil {
				t.Error("block link with sha2-512 priced")
			}
			for _, id := range []abi.ActorID{0, 1, 2, 3, 4, 5, 6, 7, 10, 99} {
				if !p.IsPreloadedActor(id) {
					t.Errorf("actor %d not preloaded", id)
				}
			}
			for _, id := range []abi.ActorID{8, 9, 11, 98, 100, 1000} {
				if p.IsPreloadedActor(id) {
					t.Errorf("actor %d preloaded", id)
				}
			}
			// The inclusion cost the executor compares with the gas limit.
			if got := p.OnChainMessage(95).Total().RoundUp(); got != 560_663+1300*95 {
				t.Errorf("inclusion for 95 bytes = %d", got)
			}
		})
	}
}

func TestHyggeCharges(t *testing.T) {
	p := HyggePrices()
	must := mustFn(t)
	checkCharges(t, []chargeCase{
		// v3: links are not priced.
		{"method invocation", p.OnMethodInvocation(100, 5), "OnMethodInvocation", g(75_000), 0},
		{"block open base", p.OnBlockOpenBase(), "OnBlockOpenBase", 0, g(187_440)},
		// compute 2·1000 + 0.4·1000 = 2,400; other 10·1000 − 2,400 = 7,600.
		{"block open 1000", p.OnBlockOpen(1000, 3), "OnBlockOpenPerByte", g(2400), g(7600)},
		{"block open 0", p.OnBlockOpen(0, 0), "OnBlockOpenPerByte", 0, 0},
		{"block create 1000", p.OnBlockCreate(1000, 3), "OnBlockCreate", g(2400), g(7600)},
		// compute 0.4·100 + 2·100 + 10·100 = 1,240; other 172,000 + 334,000 + 3,340·100.
		{"block link 100", must(p.OnBlockLink(HashBlake2b256, 100)), "OnBlockLink", g(1240), g(840_000)},
		// 21,000 + 10·(32 + 48).
		{"randomness entropy 32", p.OnGetRandomness(5, 32), "OnGetRandomness", 0, g(21_800)},
		{"randomness no entropy", p.OnGetRandomness(-7, 0), "OnGetRandomness", 0, g(21_480)},
		{"tipset cid lookback 1", p.OnTipsetCid(1), "OnTipsetCid", 0, g(50_000)},
		{"tipset cid lookback 2", p.OnTipsetCid(2), "OnTipsetCid", 0, g(215_000)},
		{"tipset cid lookback 899", p.OnTipsetCid(899), "OnTipsetCid", 0, g(215_000)},
		{"verify seal", p.OnVerifySeal(&proof.SealVerifyInfo{}), "OnVerifySeal", g(2000), 0},
		// NI-PoRep is not priced before Teep: 32GiB V1P1 fallback, 449,900·3.
		{"aggregate NI 32GiB x3", p.OnVerifyAggregateSeals(&proof.AggregateSealVerifyProofAndInfos{
			SealProof: abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep, Infos: make([]proof.AggregateSealVerifyInfo, 3)}),
			"OnVerifyAggregateSeals", g(1_349_700), 0},
		// 0.4·100 + 2·100 + 1,750 + 25·100.
		{"event validate 100", p.OnActorEventValidate(100), "OnActorEventValidate", g(4490), 0},
		// S = 112: compute 44.8 + 224; other 2·44.8 + 224 + 1,120.
		{"event accept 100", p.OnActorEventAccept(100, 2, 40), "OnActorEventAccept", 268_800, 1_433_600},
		{"get root (not charged in v3)", p.OnGetRoot(), "OnActorGetRoot", 0, 0},
		{"set root (not charged in v3)", p.OnSetRoot(), "OnActorSetRoot", 0, 0},
		{"bls aggregate (no v3 syscall)", p.OnVerifyAggregateSignature(3, 100), "OnVerifyBlsAggregateSignature", 0, 0},
	})
	c, ok := p.OnMethodReturn(1, 100, 2)
	if !ok || c.Name != "OnChainReturnValue" || c.Total() != NewGas(130_000) {
		t.Errorf("depth-1 return: %+v %v", c, ok)
	}
	if _, ok := p.OnMethodReturn(2, 100, 2); ok {
		t.Error("v3 charges a nested return")
	}
}

func TestWatermelonAndTeepCharges(t *testing.T) {
	for _, p := range []*PriceList{WatermelonPrices(), TeepPrices()} {
		t.Run(p.Name, func(t *testing.T) {
			must := mustFn(t)
			checkCharges(t, []chargeCase{
				// 75,000 + 300·2.
				{"method invocation 2 links", p.OnMethodInvocation(100, 2), "OnMethodInvocation", g(75_600), 0},
				{"method invocation no links", p.OnMethodInvocation(0, 0), "OnMethodInvocation", g(75_000), 0},
				{"block open base", p.OnBlockOpenBase(), "OnBlockOpenBase", g(300), g(187_440)},
				// compute 300·3; other 2,400 + (10,000 − 900 − 2,400).
				{"block open 1000 3 links", p.OnBlockOpen(1000, 3), "OnBlockOpen", g(900), g(9100)},
				// compute 300·40 = 12,000 > retention 1,000: other 240.
				{"block open 100 40 links", p.OnBlockOpen(100, 40), "OnBlockOpen", g(12_000), g(240)},
				// compute 2,400 + 300·2; other 10,000 − 3,000.
				{"block create 1000 2 links", p.OnBlockCreate(1000, 2), "OnBlockCreate", g(3000), g(7000)},
				{"block create 1000", p.OnBlockCreate(1000, 0), "OnBlockCreate", g(2400), g(7600)},
				// v3 + 300.
				{"block link 100", must(p.OnBlockLink(HashBlake2b256, 100)), "OnBlockLink", g(1540), g(840_000)},
				// 146,200 + 75·10.
				{"randomness lookback 10", p.OnGetRandomness(10, 32), "OnGetRandomness", 0, g(146_950)},
				{"randomness lookback 0", p.OnGetRandomness(0, 0), "OnGetRandomness", 0, g(146_200)},
				// Quirk: a future epoch saturates.
				{"randomness lookback -1", p.OnGetRandomness(-1, 0), "OnGetRandomness", 0, math.MaxUint64},
				{"tipset cid lookback 1", p.OnTipsetCid(1), "OnTipsetCid", 0, g(146_275)},
				// 146,200 + 75·899.
				{"tipset cid lookback 899", p.OnTipsetCid(899), "OnTipsetCid", 0, g(213_625)},
				{"tipset cid lookback 10000", p.OnTipsetCid(10_000), "OnTipsetCid", 0, g(896_200)},
				// 8,299,302·4 + 7·100.
				{"bls aggregate 3 sigs", p.OnVerifyAggregateSignature(3, 100), "OnVerifyBlsAggregateSignature", g(33_197_908), 0},
				{"bls aggregate 0 sigs", p.OnVerifyAggregateSignature(0, 0), "OnVerifyBlsAggregateSignature", g(8_299_302), 0},
				// S = 12 + 9·2 + 10 + 50 = 90, mem = 2.4·90 = 216:
				// compute 432 + 2,000 + 2,800 + 500 + 160; other 900 + 216.
				{"event 2 entries", p.OnActorEvent(2, 10, 50), "OnActorEvent", g(5892), g(1116)},
				{"utf8 100", p.OnUTF8Validation(100), "OnUtf8Validation", g(2100), 0},
				{"get root", p.OnGetRoot(), "OnActorGetRoot", g(300), 0},
				{"set root", p.OnSetRoot(), "OnActorSetRoot", g(300), 0},
				{"scan links", p.OnScanIpldLinks(NewGas(35*3 + 400)), "OnScanIpldLinks", g(505), 0},
			})
			c, ok := p.OnMethodReturn(2, 100, 3)
			if !ok || c.Name != "OnReturnValue" || c.ComputeGas != NewGas(900) || !c.OtherGas.IsZero() {
				t.Errorf("nested return: %+v %v", c, ok)
			}
			c, ok = p.OnMethodReturn(2, 100, 0)
			if !ok || c.Name != "OnReturnValue" || !c.Total().IsZero() {
				t.Errorf("nested return without links: %+v %v", c, ok)
			}
			c, ok = p.OnMethodReturn(1, 100, 3)
			if !ok || c.Name != "OnChainReturnValue" || c.OtherGas != NewGas(130_000) {
				t.Errorf("top-level return: %+v %v", c, ok)
			}
			if p.IPLDCborScanPerField != NewGas(35) || p.IPLDCborScanPerCid != NewGas(400) ||
				p.IPLDLinkTracked != NewGas(300) || p.IPLDLinkChecked != NewGas(300) {
				t.Error("IPLD scan prices differ from ref-fvm (35/400/300/300)")
			}
		})
	}
}

func TestSealPricesByList(t *testing.T) {
	ni32 := func(n int) *proof.AggregateSealVerifyProofAndInfos {
		return &proof.AggregateSealVerifyProofAndInfos{
			SealProof: abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep, Infos: make([]proof.AggregateSealVerifyInfo, n)}
	}
	ni64 := func(n int) *proof.AggregateSealVerifyProofAndInfos {
		return &proof.AggregateSealVerifyProofAndInfos{
			SealProof: abi.RegisteredSealProof_StackedDrg64GiBV1_2_Feat_NiPoRep, Infos: make([]proof.AggregateSealVerifyInfo, n)}
	}
	w, tp := WatermelonPrices(), TeepPrices()
	checkCharges(t, []chargeCase{
		{"watermelon verify seal", w.OnVerifySeal(nil), "OnVerifySeal", g(2000), 0},
		{"teep verify seal", tp.OnVerifySeal(nil), "OnVerifySeal", g(42_000_000), 0},
		// Watermelon: NI-PoRep falls back to 32GiB V1P1: 449,900·3.
		{"watermelon NI 32GiB x3", w.OnVerifyAggregateSeals(ni32(3)), "OnVerifyAggregateSeals", g(1_349_700), 0},
		// Teep: 44,990·126 = 5,668,740 per proof; step(3) = 137,559,930.
		{"teep NI 32GiB x3", tp.OnVerifyAggregateSeals(ni32(3)), "OnVerifyAggregateSeals", g(154_566_150), 0},
		// Teep: 35,928·126 = 4,526,928; step(1) = 110,803,030.
		{"teep NI 64GiB x1", tp.OnVerifyAggregateSeals(ni64(1)), "OnVerifyAggregateSeals", g(115_329_958), 0},
		// 5,668,740·65 + 528,274,980.
		{"teep NI 32GiB x65", tp.OnVerifyAggregateSeals(ni32(65)), "OnVerifyAggregateSeals", g(896_743_080), 0},
		{"teep NI 32GiB x0", tp.OnVerifyAggregateSeals(ni32(0)), "OnVerifyAggregateSeals", 0, 0},
	})
}

// Length-dependent charges saturate rather than wrap.
func TestChargeSaturation(t *testing.T) {
	for _, p := range []*PriceList{HyggePrices(), WatermelonPrices(), TeepPrices()} {
		for name, c := range map[string]GasCharge{
			"message":    p.OnChainMessage(math.MaxInt),
			"block read": p.OnBlockRead(math.MaxInt),
			"block open": p.OnBlockOpen(math.MaxInt, math.MaxInt),
			"create":     p.OnBlockCreate(math.MaxInt, math.MaxInt),
			"negative":   p.OnBlockRead(-1),
		} {
			if c.Total() != MaxGas {
				t.Errorf("%s %s: total %v, want saturation", p.Name, name, c.Total())
			}
		}
	}
	w := WatermelonPrices()
	if w.OnActorEvent(math.MaxInt, math.MaxInt, math.MaxInt).Total() != MaxGas {
		t.Error("event charge does not saturate")
	}
	if w.OnVerifyAggregateSignature(math.MaxInt, 0).Total() != MaxGas {
		t.Error("aggregate signature charge does not saturate")
	}
}
