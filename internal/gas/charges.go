package gas

import (
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/crypto"
	"github.com/filecoin-project/go-state-types/proof"
)

// isV4 reports whether the list uses the FVM v4 charge formulas.
func (p *PriceList) isV4() bool {
	return p.FVMVersion >= 4
}

// isV2 reports whether the list uses the FVM v2 charge formulas.
func (p *PriceList) isV2() bool {
	return p.FVMVersion == 2
}

// OnChainMessage prices including a message of msgSize serialized bytes on
// chain, plus updating the sender's nonce and balance ("OnChainMessage").
func (p *PriceList) OnChainMessage(msgSize int) GasCharge {
	return NewGasCharge("OnChainMessage",
		p.OnChainMessageCompute.ApplyInt(msgSize),
		p.ActorUpdate.Add(p.OnChainMessageStorage.ApplyInt(msgSize)))
}

// OnChainReturnValue prices storing a top-level return value of size bytes
// on chain ("OnChainReturnValue").
func (p *PriceList) OnChainReturnValue(size int) GasCharge {
	return NewGasCharge("OnChainReturnValue",
		p.OnChainReturnCompute.ApplyInt(size),
		p.OnChainReturnStorage.ApplyInt(size))
}

// OnMethodReturn prices an invocation's return block (size bytes, links
// IPLD links) at the given call depth. At depth 1 it is OnChainReturnValue.
// Deeper, v4 charges "OnReturnValue" (IPLDLinkTracked per link, charged
// even for zero links) and v3 charges nothing: ok is false then.
func (p *PriceList) OnMethodReturn(callDepth uint32, size, links int) (c GasCharge, ok bool) {
	if callDepth == 1 {
		return p.OnChainReturnValue(size), true
	}
	if !p.isV4() {
		return GasCharge{}, false
	}
	return NewGasCharge("OnReturnValue", p.IPLDLinkTracked.MulInt(links), Gas{}), true
}

// OnValueTransfer prices a send with non-zero value ("OnValueTransfer").
func (p *PriceList) OnValueTransfer() GasCharge {
	return NewGasCharge("OnValueTransfer", p.SendTransferFunds, Gas{})
}

// OnMethodInvocation prices invoking a method ("OnMethodInvocation"):
// SendInvokeMethod, plus (v4) IPLDLinkTracked per IPLD link in the params
// block. paramSize is not priced.
func (p *PriceList) OnMethodInvocation(paramSize, paramLinks int) GasCharge {
	g := p.SendInvokeMethod
	if p.isV4() {
		g = g.Add(p.IPLDLinkTracked.MulInt(paramLinks))
	}
	return NewGasCharge("OnMethodInvocation", g, Gas{})
}

// OnSendV2 prices a send in FVM v2 ("OnMethodInvocation"; ref-fvm v2
// price_list.rs on_method_invocation), which the call manager charges before
// any value moves, method 0 included: SendBase, plus SendTransferFunds for
// non-zero value (and SendTransferOnlyPremium when method is 0 too), less
// SendInvokeMethodCredit when a method is invoked.
func (p *PriceList) OnSendV2(transfersValue bool, method abi.MethodNum) GasCharge {
	g := p.SendBase
	if transfersValue {
		g = g.Add(p.SendTransferFunds)
		if method == 0 {
			g = g.Add(p.SendTransferOnlyPremium)
		}
	}
	c := NewGasCharge("OnMethodInvocation", g, Gas{})
	if method != 0 {
		c.Credit = p.SendInvokeMethodCredit
	}
	return c
}

// OnSyscall is the cost of every call from Wasm into the host ("OnSyscall").
func (p *PriceList) OnSyscall() GasCharge {
	return NewGasCharge(ChargeOnSyscall, p.WasmRules.HostCallCost, Gas{})
}

// OnCreateActor prices creating an actor ("OnCreateActor"). newAddress is
// true when a send auto-creates an actor at a new address, which adds the
// address assignment and address lookup costs. The compute part is v2's
// (zero in v3 and v4).
func (p *PriceList) OnCreateActor(newAddress bool) GasCharge {
	g := p.ActorCreateStorage
	if newAddress {
		g = g.Add(p.AddressAssignment.Add(p.AddressLookup))
	}
	return NewGasCharge("OnCreateActor", p.ActorCreateCompute, g)
}

// OnDeleteActor prices deleting an actor ("OnDeleteActor"): zero in v3 and
// v4 (the state-tree write is charged separately); in v2 a negative
// charge, ActorDeleteCredit, that refunds the actor's storage.
func (p *PriceList) OnDeleteActor() GasCharge {
	return GasCharge{Name: "OnDeleteActor", Credit: p.ActorDeleteCredit}
}

// OnVerifySignature prices verifying a signature of sigType over
// plaintextLen bytes ("OnVerifySignature"). Only secp256k1 and BLS are
// priced; other types are an error.
func (p *PriceList) OnVerifySignature(sigType crypto.SigType, plaintextLen int) (GasCharge, error) {
	cost, ok := p.SigCost[sigType]
	if !ok {
		return GasCharge{}, fmt.Errorf("gas: signature type %d has no verification price", sigType)
	}
	return NewGasCharge("OnVerifySignature", cost.ApplyInt(plaintextLen), Gas{}), nil
}

// OnVerifyAggregateSignature prices verifying a BLS aggregate signature of
// numSigs signatures over dataLen bytes of plaintext in total
// ("OnVerifyBlsAggregateSignature", v4): one pairing per signature plus one,
// and hashing per byte. It is zero in the Hygge list, which has no such
// syscall.
func (p *PriceList) OnVerifyAggregateSignature(numSigs, dataLen int) GasCharge {
	pairings := satAdd(lenU64(numSigs), 1)
	g := p.BLSPairingCost.Mul(pairings).Add(p.BLSHashingCost.ApplyInt(dataLen))
	return NewGasCharge("OnVerifyBlsAggregateSignature", g, Gas{})
}

// OnRecoverSecpPublicKey prices recovering a secp256k1 public key
// ("OnRecoverSecpPublicKey").
func (p *PriceList) OnRecoverSecpPublicKey() GasCharge {
	return NewGasCharge("OnRecoverSecpPublicKey", p.Secp256k1RecoverCost, Gas{})
}

// OnHashing prices hashing dataLen bytes with the hash function of
// multihash code ("OnHashing"). Unsupported codes are an error, except in
// v2, which charges HashingBase for any code and length.
func (p *PriceList) OnHashing(code uint64, dataLen int) (GasCharge, error) {
	if p.isV2() {
		// Quirk (ref-fvm v2 kernel/default.rs hash): the charge comes before
		// the code is checked, so an unsupported code is charged too.
		return NewGasCharge("OnHashing", p.HashingBase, Gas{}), nil
	}
	cost, ok := p.HashingCost[code]
	if !ok {
		return GasCharge{}, fmt.Errorf("gas: hash code 0x%x has no price", code)
	}
	return NewGasCharge("OnHashing", cost.ApplyInt(dataLen), Gas{}), nil
}

// OnUTF8Validation prices validating len bytes of UTF-8 ("OnUtf8Validation",
// v4).
func (p *PriceList) OnUTF8Validation(length int) GasCharge {
	return NewGasCharge("OnUtf8Validation", p.UTF8Validation.ApplyInt(length), Gas{})
}

// OnComputeUnsealedSectorCid prices computing an unsealed sector CID
// ("OnComputeUnsealedSectorCid"); the proof type and pieces are not priced.
func (p *PriceList) OnComputeUnsealedSectorCid(_ abi.RegisteredSealProof, _ []abi.PieceInfo) GasCharge {
	return NewGasCharge("OnComputeUnsealedSectorCid", p.ComputeUnsealedSectorCidBase, Gas{})
}

// OnVerifySeal prices one seal in a batch seal verification
// ("OnVerifySeal"); the info is not priced.
func (p *PriceList) OnVerifySeal(_ *proof.SealVerifyInfo) GasCharge {
	return NewGasCharge("OnVerifySeal", p.VerifySealBase, Gas{})
}

// OnVerifyAggregateSeals prices an aggregate seal verification
// ("OnVerifyAggregateSeals"): per-proof cost × number of infos, plus the
// step cost for that number. A seal proof type without prices uses the
// 32GiB V1P1 prices.
func (p *PriceList) OnVerifyAggregateSeals(agg *proof.AggregateSealVerifyProofAndInfos) GasCharge {
	fallback := abi.RegisteredSealProof_StackedDrg32GiBV1_1
	per, ok := p.VerifyAggregateSealPer[agg.SealProof]
	if !ok {
		per = p.VerifyAggregateSealPer[fallback]
	}
	step, ok := p.VerifyAggregateSealSteps[agg.SealProof]
	if !ok {
		step = p.VerifyAggregateSealSteps[fallback]
	}
	n := uint64(len(agg.Infos))
	return NewGasCharge("OnVerifyAggregateSeals", per.Mul(n).Add(step.Lookup(n)), Gas{})
}

// OnVerifyReplicaUpdate prices a replica-update proof verification
// ("OnVerifyReplicaUpdate"); the info is not priced.
func (p *PriceList) OnVerifyReplicaUpdate(_ *proof.ReplicaUpdateInfo) GasCharge {
	return NewGasCharge("OnVerifyReplicaUpdate", p.VerifyReplicaUpdate, Gas{})
}

// OnVerifyPost prices a Window PoSt verification ("OnVerifyPost"), by the
// proof type of the first proof and the number of challenged sectors. With
// no proofs, or a type without a price, the 512MiB entry is used (V1 in v3,
// V1P1 in v4).
func (p *PriceList) OnVerifyPost(info *proof.WindowPoStVerifyInfo) GasCharge {
	def := abi.RegisteredPoStProof_StackedDrgWindow512MiBV1_1
	if !p.isV4() {
		def = abi.RegisteredPoStProof_StackedDrgWindow512MiBV1
	}
	typ := def
	if len(info.Proofs) > 0 {
		typ = info.Proofs[0].PoStProof
	}
	cost, ok := p.VerifyPostLookup[typ]
	if !ok {
		cost = p.VerifyPostLookup[def]
	}
	return NewGasCharge("OnVerifyPost", cost.ApplyInt(len(info.ChallengedSectors)), Gas{})
}

// OnVerifyConsensusFault prices a consensus-fault check
// ("OnVerifyConsensusFault"); the header lengths are not priced.
func (p *PriceList) OnVerifyConsensusFault(_, _, _ int) GasCharge {
	return NewGasCharge("OnVerifyConsensusFault", Gas{}, p.VerifyConsensusFault)
}

// randInitialHash is the number of bytes hashed in a v3 randomness draw
// besides the entropy: an 8-byte personalisation tag, the 32-byte digest and
// the 8-byte round.
const randInitialHash = 8 + 32 + 8

// OnGetRandomness prices drawing chain or beacon randomness
// ("OnGetRandomness", all other gas).
//
// v3 prices the draw by entropy length: GetRandomnessSeed plus Blake2b-256
// hashing of entropyLen + 48 bytes; lookback is ignored.
// v4 prices it by lookback = current epoch − randomness epoch:
// LookbackCost.Apply(lookback); entropyLen is ignored (v4 has no entropy).
//
// v2 charges GetRandomnessSeed (the extern cost), as compute gas.
func (p *PriceList) OnGetRandomness(lookback abi.ChainEpoch, entropyLen int) GasCharge {
	if p.isV2() {
		return NewGasCharge("OnGetRandomness", p.GetRandomnessSeed, Gas{})
	}
	if p.isV4() {
		return NewGasCharge("OnGetRandomness", Gas{}, p.lookbackGas(lookback))
	}
	hashed := satAdd(lenU64(entropyLen), randInitialHash)
	g := p.GetRandomnessSeed.Add(p.HashingCost[HashBlake2b256].Apply(hashed))
	return NewGasCharge("OnGetRandomness", Gas{}, g)
}

// lookbackGas is LookbackCost applied to a lookback in epochs.
func (p *PriceList) lookbackGas(lookback abi.ChainEpoch) Gas {
	// Quirk (ref-fvm v4 price_list.rs): the lookback is an i64 passed on
	// `as u64`, so a negative lookback (a future epoch) becomes a huge
	// number and the charge saturates, running the call out of gas.
	return p.LookbackCost.Apply(uint64(lookback))
}

// OnTipsetCid prices looking up the tipset CID lookback epochs back
// ("OnTipsetCid", other gas). v3: TipsetCidLatest for a lookback of 1 (or
// less), TipsetCidHistorical beyond. v4: LookbackCost.Apply(lookback). The
// kernel checks the epoch range before charging.
func (p *PriceList) OnTipsetCid(lookback abi.ChainEpoch) GasCharge {
	if p.isV4() {
		return NewGasCharge("OnTipsetCid", Gas{}, p.lookbackGas(lookback))
	}
	g := p.TipsetCidLatest
	if lookback > 1 {
		g = p.TipsetCidHistorical
	}
	return NewGasCharge("OnTipsetCid", Gas{}, g)
}

// OnBlockOpenBase is the size-independent part of opening a block
// ("OnBlockOpenBase"): BlockOpen.Flat as other gas, plus (v4)
// IPLDLinkChecked as compute gas for the reachability check.
func (p *PriceList) OnBlockOpenBase() GasCharge {
	var compute Gas
	if p.isV4() {
		compute = p.IPLDLinkChecked
	}
	return NewGasCharge("OnBlockOpenBase", compute, p.BlockOpen.Flat)
}

// retentionSurcharge is what must be added to charged so that a block of
// size bytes pays at least the memory-retention minimum.
func (p *PriceList) retentionSurcharge(size int, charged Gas) Gas {
	return p.BlockMemoryRetentionMinimum.ApplyInt(size).Sub(charged)
}

// OnBlockOpen prices the size-dependent part of opening a block of size
// bytes with links IPLD links; at least the memory-retention minimum is
// charged.
//
// v3 ("OnBlockOpenPerByte"; links ignored): compute = allocation + memcpy,
// other = BlockOpen.Scale × size + surcharge.
// v4 ("OnBlockOpen"): compute = IPLDLinkTracked × links, other =
// BlockOpen.Scale × size + allocation + memcpy + surcharge.
func (p *PriceList) OnBlockOpen(size, links int) GasCharge {
	copyCost := p.BlockAllocate.ApplyInt(size).Add(p.BlockMemcpy.ApplyInt(size))
	perByte := p.BlockOpen.Scale.MulInt(size)
	if !p.isV4() {
		surcharge := p.retentionSurcharge(size, copyCost.Add(perByte))
		return NewGasCharge("OnBlockOpenPerByte", copyCost, perByte.Add(surcharge))
	}
	compute := p.IPLDLinkTracked.MulInt(links)
	open := perByte.Add(copyCost)
	surcharge := p.retentionSurcharge(size, compute.Add(open))
	return NewGasCharge("OnBlockOpen", compute, open.Add(surcharge))
}

// OnBlockRead prices reading size bytes of an open block ("OnBlockRead").
func (p *PriceList) OnBlockRead(size int) GasCharge {
	return NewGasCharge("OnBlockRead", p.BlockMemcpy.ApplyInt(size), Gas{})
}

// OnBlockCreate prices creating a block of size bytes with links IPLD links
// ("OnBlockCreate"): compute = memcpy + allocation (+ IPLDLinkChecked ×
// links in v4), other = whatever tops it up to the memory-retention
// minimum.
func (p *PriceList) OnBlockCreate(size, links int) GasCharge {
	compute := p.BlockMemcpy.ApplyInt(size).Add(p.BlockAllocate.ApplyInt(size))
	if p.isV4() {
		compute = compute.Add(p.IPLDLinkChecked.MulInt(links))
	}
	return NewGasCharge("OnBlockCreate", compute, p.retentionSurcharge(size, compute))
}

// OnBlockLink prices linking (hashing and persisting) a block of size bytes
// with the hash function of multihash code hashCode ("OnBlockLink"):
// compute = memcpy + allocation + hashing (+ IPLDLinkTracked in v4), other
// = BlockPersistCompute + BlockPersistStorage. Unsupported codes are an
// error.
//
// v2 prices it by size only: compute = BlockPersistCompute + 2 × memcpy
// (into the buffered store, then into the node's), other =
// BlockPersistStorage.
func (p *PriceList) OnBlockLink(hashCode uint64, size int) (GasCharge, error) {
	if p.isV2() {
		compute := p.BlockPersistCompute.Add(p.BlockMemcpy.ApplyInt(size).Mul(2))
		return NewGasCharge("OnBlockLink", compute, p.BlockPersistStorage.ApplyInt(size)), nil
	}
	hash, ok := p.HashingCost[hashCode]
	if !ok {
		return GasCharge{}, fmt.Errorf("gas: hash code 0x%x has no price", hashCode)
	}
	compute := p.BlockMemcpy.ApplyInt(size).Add(p.BlockAllocate.ApplyInt(size)).Add(hash.ApplyInt(size))
	if p.isV4() {
		compute = compute.Add(p.IPLDLinkTracked)
	}
	other := p.BlockPersistCompute.Add(p.BlockPersistStorage.ApplyInt(size))
	return NewGasCharge("OnBlockLink", compute, other), nil
}

// OnBlockStat prices stat-ing a block ("OnBlockStat"; zero).
func (p *PriceList) OnBlockStat() GasCharge {
	return NewGasCharge("OnBlockStat", Gas{}, Gas{})
}

// OnScanIpldLinks is the charge for a block's CBOR link scan whose cost was
// accumulated as scanned (v4, "OnScanIpldLinks"), charged as compute gas.
func (p *PriceList) OnScanIpldLinks(scanned Gas) GasCharge {
	return NewGasCharge("OnScanIpldLinks", scanned, Gas{})
}

// OnActorLookup prices reading an actor from the state tree
// ("OnActorLookup").
func (p *PriceList) OnActorLookup() GasCharge {
	return NewGasCharge("OnActorLookup", Gas{}, p.ActorLookup)
}

// OnActorUpdate prices writing an actor to the state tree, the lookup
// already paid ("OnActorUpdate").
func (p *PriceList) OnActorUpdate() GasCharge {
	return NewGasCharge("OnActorUpdate", Gas{}, p.ActorUpdate)
}

// OnActorCreate prices storing a new actor, the lookup and update already
// paid ("OnActorCreate").
func (p *PriceList) OnActorCreate() GasCharge {
	return NewGasCharge("OnActorCreate", Gas{}, p.ActorCreateStorage)
}

// OnSelfBalance prices reading the current actor's balance ("OnSelfBalance";
// zero).
func (p *PriceList) OnSelfBalance() GasCharge {
	return NewGasCharge("OnSelfBalance", Gas{}, Gas{})
}

// OnBalanceOf prices reading an actor's balance ("OnBalanceOf"; zero, the
// actor lookup is charged separately).
func (p *PriceList) OnBalanceOf() GasCharge {
	return NewGasCharge("OnBalanceOf", Gas{}, Gas{})
}

// OnResolveAddress prices resolving a non-ID address ("OnResolveAddress").
// Quirk (ref-fvm, v3 and v4): it is zero; AddressLookup is only charged as
// part of OnCreateActor(true).
func (p *PriceList) OnResolveAddress() GasCharge {
	return NewGasCharge("OnResolveAddress", Gas{}, Gas{})
}

// OnLookupDelegatedAddress prices looking up an actor's delegated address
// ("OnLookupAddress"; zero).
func (p *PriceList) OnLookupDelegatedAddress() GasCharge {
	return NewGasCharge("OnLookupAddress", Gas{}, Gas{})
}

// OnGetActorCodeCid prices reading an actor's code CID
// ("OnGetActorCodeCid"; zero).
func (p *PriceList) OnGetActorCodeCid() GasCharge {
	return NewGasCharge("OnGetActorCodeCid", Gas{}, Gas{})
}

// OnGetBuiltinActorType prices mapping a code CID to a builtin actor type
// ("OnGetBuiltinActorType").
func (p *PriceList) OnGetBuiltinActorType() GasCharge {
	return NewGasCharge("OnGetBuiltinActorType", p.BuiltinActorManifestLookup, Gas{})
}

// OnGetCodeCidForType prices mapping a builtin actor type to its code CID
// ("OnGetCodeCidForType").
func (p *PriceList) OnGetCodeCidForType() GasCharge {
	return NewGasCharge("OnGetCodeCidForType", p.BuiltinActorManifestLookup, Gas{})
}

// OnNetworkContext prices reading the network context ("OnNetworkContext").
func (p *PriceList) OnNetworkContext() GasCharge {
	return NewGasCharge("OnNetworkContext", p.NetworkContext, Gas{})
}

// OnMessageContext prices reading the message context ("OnMessageContext").
func (p *PriceList) OnMessageContext() GasCharge {
	return NewGasCharge("OnMessageContext", p.MessageContext, Gas{})
}

// OnInstallActor prices installing wasmSize bytes of actor code
// ("OnInstallActor"; not reachable on mainnet).
func (p *PriceList) OnInstallActor(wasmSize int) GasCharge {
	return NewGasCharge("OnInstallActor", p.InstallWasmPerByteCost.MulInt(wasmSize), Gas{})
}

// OnGetRoot prices reading the actor's state root ("OnActorGetRoot", v4:
// IPLDLinkTracked). v3 charges nothing for it.
func (p *PriceList) OnGetRoot() GasCharge {
	return NewGasCharge("OnActorGetRoot", p.IPLDLinkTracked, Gas{})
}

// OnSetRoot prices setting the actor's state root ("OnActorSetRoot", v4:
// IPLDLinkChecked). v3 charges nothing for it.
func (p *PriceList) OnSetRoot() GasCharge {
	return NewGasCharge("OnActorSetRoot", p.IPLDLinkChecked, Gas{})
}

// OnWasmMemoryInit is the charge for a module's initial memory of
// minMemoryBytes bytes ("wasm_memory_init", compute gas).
func (p *PriceList) OnWasmMemoryInit(minMemoryBytes int) GasCharge {
	return NewGasCharge(ChargeWasmMemoryInit, p.WasmRules.InitMemoryGas(minMemoryBytes), Gas{})
}

// OnWasmTableInit is the charge for a module's initial table of
// minTableElements elements ("wasm_table_init", compute gas).
func (p *PriceList) OnWasmTableInit(minTableElements uint64) GasCharge {
	return NewGasCharge(ChargeWasmTableInit, p.WasmRules.InitTableGas(minTableElements), Gas{})
}

// Event size estimates (v4): at most 12 bytes of CBOR overhead per event
// (the StampedEvent tuple, the emitter ID, the entry array header) and 9 per
// entry (tuple, flags, key header, codec, value header).
const (
	eventOverhead      = 12
	eventEntryOverhead = 9
)

// OnActorEvent prices emitting an event with the given number of entries
// and total key and value bytes ("OnActorEvent", v4, FIP-0072). With S the
// estimated encoded size and mem = (memcpy + allocation)(S): compute =
// 2·mem + EventPerEntry(entries) + UTF8Validation(keySize), other =
// Blake2b-256(S) + mem.
func (p *PriceList) OnActorEvent(entries, keySize, valueSize int) GasCharge {
	validateEntries := p.EventPerEntry.ApplyInt(entries)
	validateUTF8 := p.UTF8Validation.ApplyInt(keySize)
	est := satAdd(eventOverhead, satMul(eventEntryOverhead, lenU64(entries)))
	est = satAdd(est, lenU64(keySize))
	est = satAdd(est, lenU64(valueSize))
	mem := p.BlockMemcpy.Apply(est).Add(p.BlockAllocate.Apply(est))
	hash := p.HashingCost[HashBlake2b256].Apply(est)
	return NewGasCharge("OnActorEvent",
		mem.Mul(2).Add(validateEntries).Add(validateUTF8),
		hash.Add(mem))
}

// OnActorEventValidate prices validating a raw CBOR event of dataSize bytes
// ("OnActorEventValidate", v3): memcpy + allocation + EventValidationCost.
func (p *PriceList) OnActorEventValidate(dataSize int) GasCharge {
	g := p.BlockMemcpy.ApplyInt(dataSize).
		Add(p.BlockAllocate.ApplyInt(dataSize)).
		Add(p.EventValidationCost.ApplyInt(dataSize))
	return NewGasCharge("OnActorEventValidate", g, Gas{})
}

// v3StampExtraSize is the bytes added to a v3 event's serialized length to
// estimate its stamped form (emitter ID and CBOR framing).
const v3StampExtraSize = 12

// OnActorEventAccept prices accepting a validated event ("OnActorEventAccept",
// v3). serializedLen is the raw CBOR length; indexedElements and
// indexedBytes count the entries' keys and values flagged as indexed (one
// element each) and their byte lengths. With S = serializedLen + 12:
// compute = (memcpy + allocation)(S); other = index costs + 2·memcpy(S) +
// allocation(S) + Blake2b-256(S).
func (p *PriceList) OnActorEventAccept(serializedLen int, indexedElements uint32, indexedBytes int) GasCharge {
	s := satAdd(lenU64(serializedLen), v3StampExtraSize)
	memcpy := p.BlockMemcpy.Apply(s)
	alloc := p.BlockAllocate.Apply(s)
	hash := p.HashingCost[HashBlake2b256].Apply(s)
	other := p.EventAcceptPerIndexElement.Flat.Mul(uint64(indexedElements)).
		Add(p.EventAcceptPerIndexElement.Scale.MulInt(indexedBytes)).
		Add(memcpy.Mul(2)).
		Add(alloc).
		Add(hash)
	return NewGasCharge("OnActorEventAccept", memcpy.Add(alloc), other)
}
