package syscalls

import (
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/proof"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/crypto"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// The syscalls of FVM v2 (ref-fvm fvm@v2.12.1 fvm/src/syscalls, nv16-17)
// that differ from v3's in name, arguments or semantics. The namespaces
// they share unchanged (ipld, self with v3's self_destruct, rand with v3's
// draw, debug) are the v3 ones.

// hostModulesV2 is the import set of ref-fvm v2's bind_syscalls.
func hostModulesV2() []engine.HostModule {
	return []engine.HostModule{
		vmModuleV2(), networkModuleV2(), ipldModule(), selfModule(selfDestructV3Syscall()), actorModuleV2(),
		cryptoModuleV2(), randModuleV3(), gasModuleV2(), sendModuleV2(), debugModule(),
	}
}

func vmModuleV2() engine.HostModule {
	return module("vm",
		syscall{name: "abort", params: []api.ValueType{i32, i32, i32}, fn: vmAbortV2},
		syscall{name: "context", ret: InvocationContextSize, fn: vmContextV2},
	)
}

// vmAbortV2 ends the invocation with an exit code and no return value.
// System exit codes, 0 included, become SYS_ILLEGAL_EXIT_CODE (ref-fvm v2
// syscalls/vm.rs abort, from nv16 on); the message only matters to
// backtraces.
func vmAbortV2(c *call, a []uint64) ([]byte, error) {
	code := exitcode.ExitCode(u32(a[0]))
	if code < firstUserExitCode {
		return nil, engine.Exit(exitcode.SysErrIllegalExitCode, kernel.NoDataBlockID, "actor aborted with a system exit code")
	}
	return nil, engine.Exit(code, kernel.NoDataBlockID, exitMessage(c, u32(a[1]), u32(a[2])))
}

// vmContextV2 reports the invocation and network context; nothing is
// charged beyond the syscall.
func vmContextV2(c *call, _ []uint64) ([]byte, error) {
	value, err := tokenAmount(c.k.ValueReceived)
	if err != nil {
		return nil, err
	}
	cfg := c.k.CM.Machine().Config
	return InvocationContext{
		ValueReceived: value, Caller: c.k.Caller, Receiver: c.k.Receiver, MethodNumber: uint64(c.k.Method),
		NetworkCurrEpoch: int64(cfg.Epoch), NetworkVersion: uint32(cfg.NetworkVersion),
	}.Bytes(), nil
}

func networkModuleV2() engine.HostModule {
	return module("network",
		syscall{name: "base_fee", ret: TokenAmountSize, fn: networkBaseFeeV2},
		syscall{name: "total_fil_circ_supply", ret: TokenAmountSize, fn: networkCircSupply},
	)
}

func networkBaseFeeV2(c *call, _ []uint64) ([]byte, error) {
	t, err := tokenAmount(c.k.CM.Machine().BaseFee)
	if err != nil {
		return nil, err
	}
	return t.Bytes(), nil
}

func actorModuleV2() engine.HostModule {
	return module("actor",
		syscall{name: "resolve_address", params: []api.ValueType{i32, i32}, ret: 8, fn: actorResolveAddress},
		syscall{name: "get_actor_code_cid", params: []api.ValueType{i64, i32, i32}, ret: 4, fn: actorGetActorCodeCID},
		syscall{name: "new_actor_address", params: []api.ValueType{i32, i32}, ret: 4, fn: actorNewActorAddressV2},
		syscall{name: "create_actor", params: []api.ValueType{i64, i32}, fn: actorCreateActorV2},
		syscall{name: "get_builtin_actor_type", params: []api.ValueType{i32}, ret: 4, fn: actorGetBuiltinActorType},
		syscall{name: "get_code_cid_for_type", params: []api.ValueType{i32, i32, i32}, ret: 4, fn: actorGetCodeCIDForType},
	)
}

// actorNewActorAddressV2 checks the buffer (IllegalArgument, then
// BufferTooSmall below 21 bytes) before it takes an address.
func actorNewActorAddressV2(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[0]), u32(a[1])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	if n < addressLen {
		return nil, kernel.Errorf(kernel.BufferTooSmall, "output buffer must have a minimum capacity of 21 bytes")
	}
	addr, err := c.k.NewActorAddressV2()
	if err != nil {
		return nil, err
	}
	return writeAddress(c, off, n, addr)
}

func actorCreateActorV2(c *call, a []uint64) ([]byte, error) {
	code, err := c.mem.ReadCID(u32(a[1]))
	if err != nil {
		return nil, err
	}
	return nil, c.k.CreateActorV2(c.ctx, code, a[0])
}

func cryptoModuleV2() engine.HostModule {
	return module("crypto",
		syscall{name: "verify_signature", params: []api.ValueType{i32, i32, i32, i32, i32, i32, i32}, ret: 4, fn: cryptoVerifySignatureV2},
		syscall{name: "recover_secp_public_key", params: []api.ValueType{i32, i32}, ret: crypto.SecpPubLen, fn: cryptoRecoverSecpPublicKey},
		syscall{name: "hash", params: []api.ValueType{i64, i32, i32, i32, i32}, ret: 4, fn: cryptoHash},
		syscall{name: "verify_seal", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifySealV2},
		syscall{name: "verify_post", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyPoSt},
		syscall{name: "compute_unsealed_sector_cid", params: []api.ValueType{i64, i32, i32, i32, i32}, ret: 4, fn: cryptoComputeUnsealedSectorCID},
		syscall{name: "verify_consensus_fault", params: []api.ValueType{i32, i32, i32, i32, i32, i32}, ret: VerifyConsensusFaultSize, fn: cryptoVerifyConsensusFault},
		syscall{name: "verify_aggregate_seals", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyAggregateSeals},
		syscall{name: "verify_replica_update", params: []api.ValueType{i32, i32}, ret: 4, fn: cryptoVerifyReplicaUpdate},
		syscall{name: "batch_verify_seals", params: []api.ValueType{i32, i32, i32}, fn: cryptoBatchVerifySeals},
	)
}

func cryptoVerifySignatureV2(c *call, a []uint64) ([]byte, error) {
	t, sig, signer, plaintext, err := signatureArgs(c, a)
	if err != nil {
		return nil, err
	}
	ok, err := c.k.VerifySignatureV2(c.ctx, t, sig, signer, plaintext)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

func cryptoVerifySealV2(c *call, a []uint64) ([]byte, error) {
	var info proof.SealVerifyInfo
	if err := readCBOR(c, u32(a[0]), u32(a[1]), &info); err != nil {
		return nil, err
	}
	ok, err := c.k.VerifySeal(&info)
	if err != nil {
		return nil, err
	}
	return verdict(ok), nil
}

func gasModuleV2() engine.HostModule {
	return module(engine.GasModule,
		syscall{name: "charge", params: []api.ValueType{i32, i32, i64}, fn: gasChargeV2},
	)
}

// gasChargeV2 charges a signed amount of whole gas (ref-fvm v2
// syscalls/gas.rs charge_gas).
func gasChargeV2(c *call, a []uint64) ([]byte, error) {
	name, err := c.mem.ReadString(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	return nil, c.k.ChargeGasV2(name, int64(a[2]))
}

func sendModuleV2() engine.HostModule {
	return module("send",
		syscall{name: "send", params: []api.ValueType{i32, i32, i64, i32, i64, i64}, ret: SendSize, fn: sendSendV2},
	)
}

// sendSendV2 sends without a gas limit or flags; an abort reports its exit
// code and no return block.
func sendSendV2(c *call, a []uint64) ([]byte, error) {
	to, err := c.mem.ReadAddress(u32(a[0]), u32(a[1]))
	if err != nil {
		return nil, err
	}
	value := TokenAmount{Hi: a[4], Lo: a[5]}.Big()
	code, id, stat, err := c.k.Send(c.ctx, to, abi.MethodNum(a[2]), u32(a[3]), value, nil, false)
	if err != nil {
		return nil, err
	}
	return Send{ExitCode: uint32(code), ReturnID: id, ReturnCodec: stat.Codec, ReturnSize: stat.Size}.Bytes(), nil
}
