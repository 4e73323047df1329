package gas

import (
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/network"
)

// Multihash codes of the hash functions the FVM supports (the kernel's
// SupportedHashes); OnHashing and OnBlockLink are priced per code.
const (
	HashSha2_256   uint64 = 0x12
	HashBlake2b256 uint64 = 0xb220
	HashBlake2b512 uint64 = 0xb240
	HashKeccak256  uint64 = 0x1b
	HashRipemd160  uint64 = 0x1053
)

// PriceList holds the prices of one gas schedule. All values are Gas
// (milligas inside). Fields mirror ref-fvm's PriceList so that a Filecoin
// engineer finds them; fields marked "v2", "v3" or "v4" exist only in that
// FVM version's lists and are zero in the others. Treat a PriceList as
// read-only: the constructors return a fresh copy each time.
type PriceList struct {
	// Name is the schedule's name: "skyr", "hygge", "watermelon" or "teep".
	Name string
	// FVMVersion is the reference FVM major version whose charge formulas
	// apply: 2 (Skyr), 3 (Hygge) or 4 (Watermelon, Teep).
	FVMVersion int

	// OnChainMessageCompute and OnChainMessageStorage price a message's
	// inclusion on chain, by its serialized length.
	OnChainMessageCompute ScalingCost
	OnChainMessageStorage ScalingCost
	// OnChainReturnCompute and OnChainReturnStorage price the top-level
	// return value, by its length.
	OnChainReturnCompute ScalingCost
	OnChainReturnStorage ScalingCost

	// SendTransferFunds is charged for a send with non-zero value.
	SendTransferFunds Gas
	// SendInvokeMethod is charged for invoking a method (method != 0).
	SendInvokeMethod Gas
	// SendBase is charged for every send, method 0 included (v2).
	SendBase Gas
	// SendTransferOnlyPremium is added for a send of value to method 0 (v2).
	SendTransferOnlyPremium Gas
	// SendInvokeMethodCredit is taken off a send that invokes a method
	// (v2: send_invoke_method is negative, -5377 gas).
	SendInvokeMethodCredit Gas

	// AddressLookup and AddressAssignment are part of creating an actor at
	// a new address.
	AddressLookup     Gas
	AddressAssignment Gas
	// ActorLookup is reading an actor from the state tree.
	ActorLookup Gas
	// ActorUpdate is writing an actor to the state tree.
	ActorUpdate Gas
	// ActorCreateStorage is storing a new actor.
	ActorCreateStorage Gas
	// ActorCreateCompute is the compute part of creating an actor (v2).
	ActorCreateCompute Gas
	// ActorDeleteCredit is refunded when an actor is deleted (v2:
	// delete_actor is negative storage gas).
	ActorDeleteCredit Gas

	// SigCost prices signature verification per signature type.
	SigCost map[crypto.SigType]ScalingCost
	// Secp256k1RecoverCost prices secp256k1 public-key recovery.
	Secp256k1RecoverCost Gas
	// BLSPairingCost is per pairing in a BLS aggregate verification (v4).
	BLSPairingCost Gas
	// BLSHashingCost is per plaintext byte in a BLS aggregate verification (v4).
	BLSHashingCost ScalingCost
	// HashingCost prices hashing per multihash code (see the Hash* constants).
	HashingCost map[uint64]ScalingCost
	// HashingBase prices the hash syscall whatever the code and length (v2).
	HashingBase Gas

	// TipsetCidLatest prices the tipset CID of the previous epoch (v3).
	TipsetCidLatest Gas
	// TipsetCidHistorical prices older tipset CIDs (v3).
	TipsetCidHistorical Gas
	// GetRandomnessSeed is the base of a randomness draw (v3).
	GetRandomnessSeed Gas
	// LookbackCost prices walking back up the chain, per epoch, for
	// randomness and tipset CIDs (v4).
	LookbackCost ScalingCost

	// ComputeUnsealedSectorCidBase prices computing an unsealed sector CID.
	ComputeUnsealedSectorCidBase Gas
	// VerifySealBase is charged per seal in batch seal verification.
	VerifySealBase Gas
	// VerifyAggregateSealPer is the per-proof cost of an aggregate seal
	// verification, by seal proof type.
	VerifyAggregateSealPer map[abi.RegisteredSealProof]Gas
	// VerifyAggregateSealSteps is the step cost of an aggregate seal
	// verification, by seal proof type.
	VerifyAggregateSealSteps map[abi.RegisteredSealProof]StepCost
	// VerifyPostLookup prices Window PoSt verification by PoSt proof type,
	// scaled by the number of challenged sectors.
	VerifyPostLookup map[abi.RegisteredPoStProof]ScalingCost
	// VerifyConsensusFault prices a consensus-fault check.
	VerifyConsensusFault Gas
	// VerifyReplicaUpdate prices a replica-update proof verification.
	VerifyReplicaUpdate Gas

	// BlockMemcpy is per byte copied.
	BlockMemcpy ScalingCost
	// BlockAllocate is per byte allocated.
	BlockAllocate ScalingCost
	// BlockMemoryRetentionMinimum is the least a block retained in memory
	// is charged per byte.
	BlockMemoryRetentionMinimum ScalingCost
	// BlockOpen prices opening a block (the flat part is the base charge).
	BlockOpen ScalingCost
	// BlockPersistStorage prices storing a linked block.
	BlockPersistStorage ScalingCost
	// BlockPersistCompute prices flushing a linked block.
	BlockPersistCompute Gas

	// WasmRules are the Wasm execution prices, including the per-syscall
	// cost.
	WasmRules WasmGasPrices

	// EventValidationCost prices validating a raw CBOR event (v3).
	EventValidationCost ScalingCost
	// EventAcceptPerIndexElement prices indexed event entries (v3; zero).
	EventAcceptPerIndexElement ScalingCost
	// EventPerEntry prices validating an event, per entry (v4).
	EventPerEntry ScalingCost
	// UTF8Validation prices UTF-8 validation of event keys, per byte (v4).
	UTF8Validation ScalingCost

	// BuiltinActorManifestLookup prices builtin-actor manifest lookups.
	BuiltinActorManifestLookup Gas
	// NetworkContext prices reading the network context.
	NetworkContext Gas
	// MessageContext prices reading the message context.
	MessageContext Gas
	// InstallWasmPerByteCost prices installing actor code, per byte.
	InstallWasmPerByteCost Gas

	// PreloadedActors are actor IDs treated as already read and updated:
	// looking them up or updating them is never charged (FIP-0055).
	PreloadedActors []abi.ActorID

	// IPLDCborScanPerField is per CBOR header read while scanning a block
	// for links (v4).
	IPLDCborScanPerField Gas
	// IPLDCborScanPerCid is per CID found while scanning a block (v4).
	IPLDCborScanPerCid Gas
	// IPLDLinkTracked is per link added to the reachable set (v4).
	IPLDLinkTracked Gas
	// IPLDLinkChecked is per reachability check of a link (v4).
	IPLDLinkChecked Gas
}

// PriceListByNetworkVersion returns the price list for a network version:
// Skyr for nv16–17, Hygge for nv18–20, Watermelon for nv21–24, Teep for
// nv25–29. Other versions are an error (nv15's OhSnap list belongs to FVM
// v1, which go-fvm does not run).
//
// Quirk (ref-fvm v4.8.2 gas/price_list.rs): nv29 is Teep only in a build with
// the nv29-dev feature; a default build panics on it. We run nv29 as that
// feature does (the upgrade lotus schedules next, actors v19).
func PriceListByNetworkVersion(nv network.Version) (*PriceList, error) {
	switch {
	case nv >= network.Version16 && nv <= network.Version17:
		return SkyrPrices(), nil
	case nv >= network.Version18 && nv <= network.Version20:
		return HyggePrices(), nil
	case nv >= network.Version21 && nv <= network.Version24:
		return WatermelonPrices(), nil
	case nv >= network.Version25 && nv <= network.Version29:
		return TeepPrices(), nil
	default:
		return nil, fmt.Errorf("gas: network version %d: no price list (supported: 16-29)", nv)
	}
}

// preloadedActors are the FIP-0055 preloaded actor IDs, the same in every
// list.
func preloadedActors() []abi.ActorID {
	return []abi.ActorID{0, 1, 2, 3, 4, 5, 6, 7, 10, 99}
}

// sigCosts are the signature verification prices, the same in every list.
func sigCosts() map[crypto.SigType]ScalingCost {
	return map[crypto.SigType]ScalingCost{
		crypto.SigTypeSecp256k1: {Flat: NewGas(1_637_292), Scale: NewGas(10)},
		crypto.SigTypeBLS:       {Flat: NewGas(16_598_605), Scale: NewGas(26)},
	}
}

// hashingCosts are the hashing prices, the same in every list.
func hashingCosts() map[uint64]ScalingCost {
	return map[uint64]ScalingCost{
		HashSha2_256:   {Scale: NewGas(7)},
		HashBlake2b256: {Scale: NewGas(10)},
		HashBlake2b512: {Scale: NewGas(10)},
		HashKeccak256:  {Scale: NewGas(33)},
		HashRipemd160:  {Scale: NewGas(35)},
	}
}

// steps builds a StepCost from (start, whole gas) pairs.
func steps(pairs ...[2]uint64) StepCost {
	out := make(StepCost, len(pairs))
	for i, p := range pairs {
		out[i] = Step{Start: p[0], Cost: NewGas(p[1])}
	}
	return out
}

// aggregate32GiBSteps is the interactive 32GiB V1P1 aggregate step table.
func aggregate32GiBSteps() StepCost {
	return steps([2]uint64{4, 103_994_170}, [2]uint64{7, 112_356_810}, [2]uint64{13, 122_912_610},
		[2]uint64{26, 137_559_930}, [2]uint64{52, 162_039_100}, [2]uint64{103, 210_960_780},
		[2]uint64{205, 318_351_180}, [2]uint64{410, 528_274_980})
}

// aggregate64GiBSteps is the interactive 64GiB V1P1 aggregate step table.
func aggregate64GiBSteps() StepCost {
	return steps([2]uint64{4, 102_581_240}, [2]uint64{7, 110_803_030}, [2]uint64{13, 120_803_700},
		[2]uint64{26, 134_642_130}, [2]uint64{52, 157_357_890}, [2]uint64{103, 203_017_690},
		[2]uint64{205, 304_253_590}, [2]uint64{410, 509_880_640})
}

// windowPoStCost is the Window PoSt price, the same for every proof type.
func windowPoStCost() ScalingCost {
	return ScalingCost{Flat: NewGas(117_680_921), Scale: NewGas(43_780)}
}

// defaultWasmRules are the Wasm prices, the same in every list.
func defaultWasmRules() WasmGasPrices {
	return WasmGasPrices{
		InstructionDefault:    NewGas(4),
		MathDefault:           NewGas(4),
		JumpUnconditional:     NewGas(4),
		JumpConditional:       NewGas(4),
		JumpIndirect:          NewGas(4),
		Call:                  Gas{},
		MemoryFillBaseCost:    Gas{},
		MemoryAccessCost:      Gas{},
		MemoryCopyPerByteCost: FromMilligas(400),
		MemoryFillPerByteCost: FromMilligas(400),
		HostCallCost:          NewGas(14_000),
	}
}

// commonPrices fills the entries that are identical in all three lists.
func commonPrices(p *PriceList) {
	p.OnChainMessageCompute = FixedCost(NewGas(38_863))
	p.OnChainMessageStorage = ScalingCost{Flat: NewGas(36 * 1300), Scale: NewGas(1300)}
	p.OnChainReturnCompute = ScalingCost{}
	p.OnChainReturnStorage = ScalingCost{Scale: NewGas(1300)}
	p.SendTransferFunds = NewGas(6000)
	p.SendInvokeMethod = NewGas(75_000)
	p.ActorLookup = NewGas(500_000)
	p.ActorUpdate = NewGas(475_000)
	p.ActorCreateStorage = NewGas(650_000)
	p.AddressLookup = NewGas(1_050_000)
	p.AddressAssignment = NewGas(1_000_000)
	p.SigCost = sigCosts()
	p.Secp256k1RecoverCost = NewGas(1_637_292)
	p.HashingCost = hashingCosts()
	p.ComputeUnsealedSectorCidBase = NewGas(98_647)
	p.VerifySealBase = NewGas(2000)
	p.VerifyAggregateSealPer = map[abi.RegisteredSealProof]Gas{
		abi.RegisteredSealProof_StackedDrg32GiBV1_1: NewGas(449_900),
		abi.RegisteredSealProof_StackedDrg64GiBV1_1: NewGas(359_272),
	}
	p.VerifyAggregateSealSteps = map[abi.RegisteredSealProof]StepCost{
		abi.RegisteredSealProof_StackedDrg32GiBV1_1: aggregate32GiBSteps(),
		abi.RegisteredSealProof_StackedDrg64GiBV1_1: aggregate64GiBSteps(),
	}
	p.VerifyConsensusFault = NewGas(516_422)
	p.VerifyReplicaUpdate = NewGas(36_316_136)
	p.BlockAllocate = ScalingCost{Scale: NewGas(2)}
	p.BlockMemcpy = ScalingCost{Scale: FromMilligas(400)}
	p.BlockMemoryRetentionMinimum = ScalingCost{Scale: NewGas(10)}
	p.BlockOpen = FixedCost(NewGas(187_440))
	p.BlockPersistStorage = ScalingCost{Flat: NewGas(334_000), Scale: NewGas(3340)}
	p.BlockPersistCompute = NewGas(172_000)
	p.WasmRules = defaultWasmRules()
	p.PreloadedActors = preloadedActors()
}

// HyggePrices returns a fresh copy of the Hygge price list (nv18–20,
// ref-fvm v3 HYGGE_PRICES).
func HyggePrices() *PriceList {
	p := &PriceList{Name: "hygge", FVMVersion: 3}
	commonPrices(p)
	p.TipsetCidLatest = NewGas(50_000)
	p.TipsetCidHistorical = NewGas(215_000)
	p.GetRandomnessSeed = NewGas(21_000)
	post := windowPoStCost()
	p.VerifyPostLookup = map[abi.RegisteredPoStProof]ScalingCost{
		abi.RegisteredPoStProof_StackedDrgWindow512MiBV1:   post,
		abi.RegisteredPoStProof_StackedDrgWindow32GiBV1:    post,
		abi.RegisteredPoStProof_StackedDrgWindow64GiBV1:    post,
		abi.RegisteredPoStProof_StackedDrgWindow512MiBV1_1: post,
		abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1:  post,
		abi.RegisteredPoStProof_StackedDrgWindow64GiBV1_1:  post,
	}
	p.EventValidationCost = ScalingCost{Flat: NewGas(1750), Scale: NewGas(25)}
	p.EventAcceptPerIndexElement = ScalingCost{}
	return p
}

// WatermelonPrices returns a fresh copy of the Watermelon price list
// (nv21–24, ref-fvm v4 WATERMELON_PRICES).
func WatermelonPrices() *PriceList {
	p := &PriceList{Name: "watermelon", FVMVersion: 4}
	commonPrices(p)
	p.BLSPairingCost = NewGas(8_299_302)
	p.BLSHashingCost = ScalingCost{Scale: NewGas(7)}
	post := windowPoStCost()
	p.VerifyPostLookup = map[abi.RegisteredPoStProof]ScalingCost{
		abi.RegisteredPoStProof_StackedDrgWindow512MiBV1_1: post,
		abi.RegisteredPoStProof_StackedDrgWindow32GiBV1_1:  post,
		abi.RegisteredPoStProof_StackedDrgWindow64GiBV1_1:  post,
	}
	// 5,800 × 19 (walking up the chain 20 epochs at a time) + 15,000 (the
	// operation) + 21,000 (the old extern cost), then 75 per epoch.
	p.LookbackCost = ScalingCost{Flat: NewGas(5800*19 + 15_000 + 21_000), Scale: NewGas(75)}
	p.EventPerEntry = ScalingCost{Flat: NewGas(2000), Scale: NewGas(1400)}
	p.UTF8Validation = ScalingCost{Flat: NewGas(500), Scale: NewGas(16)}
	p.IPLDCborScanPerCid = NewGas(400)
	p.IPLDCborScanPerField = NewGas(35)
	p.IPLDLinkTracked = NewGas(300)
	p.IPLDLinkChecked = NewGas(300)
	return p
}

// TeepPrices returns a fresh copy of the Teep price list (nv25–29, ref-fvm
// v4 TEEP_PRICES): Watermelon with a 42M-gas per-seal verification and
// NI-PoRep aggregate prices.
func TeepPrices() *PriceList {
	p := WatermelonPrices()
	p.Name = "teep"
	p.VerifySealBase = NewGas(42_000_000)
	p.VerifyAggregateSealPer[abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep] = NewGas(44_990 * 126)
	p.VerifyAggregateSealPer[abi.RegisteredSealProof_StackedDrg64GiBV1_2_Feat_NiPoRep] = NewGas(35_928 * 126)
	p.VerifyAggregateSealSteps[abi.RegisteredSealProof_StackedDrg32GiBV1_2_Feat_NiPoRep] = steps(
		[2]uint64{1, 112_356_810}, [2]uint64{2, 122_912_610}, [2]uint64{3, 137_559_930},
		[2]uint64{5, 162_039_100}, [2]uint64{9, 210_960_780}, [2]uint64{17, 318_351_180},
		[2]uint64{33, 528_274_980})
	p.VerifyAggregateSealSteps[abi.RegisteredSealProof_StackedDrg64GiBV1_2_Feat_NiPoRep] = steps(
		[2]uint64{1, 110_803_030}, [2]uint64{2, 120_803_700}, [2]uint64{3, 134_642_130},
		[2]uint64{5, 157_357_890}, [2]uint64{9, 203_017_690}, [2]uint64{17, 304_253_590},
		[2]uint64{33, 509_880_640})
	return p
}

// SkyrPrices returns a fresh copy of the Skyr price list (nv16–17, ref-fvm
// v2 SKYR_PRICES in fvm/src/gas/price_list.rs at fvm@v2.12.1, which
// price_list_by_network_version returns for every version but nv15). Its
// formulas are the v2 ones (see the charge methods); where they coincide
// with v3's, the v2 prices are expressed in the v3 fields:
//
//   - block_open_base (114,617) + extern_cost (21,000) is BlockOpen.Flat;
//     block_open_memret_per_byte_cost (10) is BlockOpen.Scale;
//   - block_memcpy_per_byte_cost (0.5) is BlockMemcpy, and block creation's
//     memret (10) + memcpy (0.5) per byte is the retention minimum;
//   - block_link_base (353,640) is BlockPersistCompute and the link's
//     storage (1 × 1300 per byte) is BlockPersistStorage;
//   - extern_cost + verify_consensus_fault is VerifyConsensusFault;
//   - extern_cost + get_randomness_base is GetRandomnessSeed (per byte: 0);
//   - syscall_cost (14,000) is the host call cost.
func SkyrPrices() *PriceList {
	const storageMultiplier = 1300
	const externCost = 21_000
	p := &PriceList{Name: "skyr", FVMVersion: 2}
	p.OnChainMessageCompute = FixedCost(NewGas(38_863))
	p.OnChainMessageStorage = ScalingCost{Flat: NewGas(36 * storageMultiplier), Scale: NewGas(storageMultiplier)}
	p.OnChainReturnStorage = ScalingCost{Scale: NewGas(storageMultiplier)}
	p.SendBase = NewGas(29_233)
	p.SendTransferFunds = NewGas(27_500)
	p.SendTransferOnlyPremium = NewGas(159_672)
	p.SendInvokeMethodCredit = NewGas(5377)
	p.ActorCreateCompute = NewGas(1_108_454)
	p.ActorCreateStorage = NewGas((36 + 40) * storageMultiplier)
	p.ActorDeleteCredit = NewGas((36 + 40) * storageMultiplier)
	p.SigCost = map[crypto.SigType]ScalingCost{
		crypto.SigTypeSecp256k1: FixedCost(NewGas(1_637_292)),
		crypto.SigTypeBLS:       FixedCost(NewGas(16_598_605)),
	}
	p.Secp256k1RecoverCost = NewGas(1_637_292)
	p.HashingBase = NewGas(31_355)
	p.ComputeUnsealedSectorCidBase = NewGas(98_647)
	p.VerifySealBase = NewGas(2000)
	p.VerifyAggregateSealPer = map[abi.RegisteredSealProof]Gas{
		abi.RegisteredSealProof_StackedDrg32GiBV1_1: NewGas(449_900),
		abi.RegisteredSealProof_StackedDrg64GiBV1_1: NewGas(359_272),
	}
	p.VerifyAggregateSealSteps = map[abi.RegisteredSealProof]StepCost{
		abi.RegisteredSealProof_StackedDrg32GiBV1_1: aggregate32GiBSteps(),
		abi.RegisteredSealProof_StackedDrg64GiBV1_1: aggregate64GiBSteps(),
	}
	post := windowPoStCost()
	p.VerifyPostLookup = map[abi.RegisteredPoStProof]ScalingCost{
		abi.RegisteredPoStProof_StackedDrgWindow512MiBV1: post,
		abi.RegisteredPoStProof_StackedDrgWindow32GiBV1:  post,
		abi.RegisteredPoStProof_StackedDrgWindow64GiBV1:  post,
	}
	p.VerifyConsensusFault = NewGas(externCost + 495_422)
	p.VerifyReplicaUpdate = NewGas(36_316_136)
	p.GetRandomnessSeed = NewGas(externCost)
	p.BlockMemcpy = ScalingCost{Scale: FromMilligas(500)}
	p.BlockOpen = ScalingCost{Flat: NewGas(externCost + 114_617), Scale: NewGas(10)}
	p.BlockMemoryRetentionMinimum = ScalingCost{Scale: FromMilligas(10_500)}
	p.BlockPersistCompute = NewGas(353_640)
	p.BlockPersistStorage = ScalingCost{Scale: NewGas(storageMultiplier)}
	p.WasmRules = WasmGasPrices{
		InstructionDefault: NewGas(4),
		MathDefault:        NewGas(4),
		JumpUnconditional:  NewGas(4),
		JumpConditional:    NewGas(4),
		JumpIndirect:       NewGas(4),
		HostCallCost:       NewGas(14_000),
	}
	return p
}

// IsPreloadedActor reports whether id is one of the list's preloaded actors.
func (p *PriceList) IsPreloadedActor(id abi.ActorID) bool {
	for _, a := range p.PreloadedActors {
		if a == id {
			return true
		}
	}
	return false
}
