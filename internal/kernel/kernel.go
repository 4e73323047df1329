package kernel

import (
	"context"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/machine"
	"github.com/go-fvm/go-fvm/internal/state"
)

// InitActorID is the only actor allowed to create actors.
const InitActorID = 1

// ConsensusFault is a proven consensus fault, as verify_consensus_fault
// reports it (Type 1 double-fork mining, 2 parent grinding, 3 time-offset
// mining).
type ConsensusFault struct {
	Target uint64
	Epoch  abi.ChainEpoch
	Type   uint32
}

// CallResult is how a call ended without error: an exit code and an
// optional return block.
type CallResult struct {
	ExitCode exitcode.ExitCode
	Return   *Block
}

// EventEntry is one entry of an actor event.
type EventEntry struct {
	Flags uint64
	Key   string
	Codec uint64
	Value []byte
}

// StampedEvent is an event with the id of the actor that emitted it.
type StampedEvent struct {
	Emitter uint64
	Entries []EventEntry
}

// CallManager is what a kernel needs of the message's call manager. Errors
// are *SyscallError (returned to the actor as error numbers),
// gas.ErrOutOfGas, or fatal.
type CallManager interface {
	Machine() *machine.Machine
	GasTracker() *gas.GasTracker
	Charge(c gas.GasCharge) error
	Origin() uint64
	Nonce() uint64
	GasPremium() abi.TokenAmount

	Send(ctx context.Context, from uint64, to address.Address, method abi.MethodNum, params *Block,
		value abi.TokenAmount, gasLimit *gas.Gas, readOnly bool) (CallResult, error)
	GetActor(ctx context.Context, id uint64) (*state.ActorState, error)
	SetActor(ctx context.Context, id uint64, act *state.ActorState) error
	DeleteActor(ctx context.Context, id uint64) error
	ResolveAddress(ctx context.Context, a address.Address) (uint64, bool, error)
	Transfer(ctx context.Context, from, to uint64, value abi.TokenAmount) error
	CreateActor(ctx context.Context, code cid.Cid, id uint64, delegated *address.Address) error
	NextActorAddress() (address.Address, error)
	// CountActorCreated advances the index NextActorAddress derives the
	// next address from (v3 CreateActor does it itself; v2's
	// new_actor_address does it when it hands out an address).
	CountActorCreated()
	// ResolveKeyAddress returns the key (f1/f3) address of an account
	// actor's address (ref-fvm v2 resolve_to_key_addr), charging the read
	// of the account's state when charge is set.
	ResolveKeyAddress(ctx context.Context, a address.Address, charge bool) (address.Address, error)
	EmitEvent(ev StampedEvent)
}

// Kernel is one invocation's world: the actor it runs, its block registry,
// and every operation its syscalls may perform, each charged through the
// price list.
type Kernel struct {
	CM            CallManager
	Blocks        *BlockRegistry
	Caller        uint64
	Receiver      uint64
	Method        abi.MethodNum
	ValueReceived abi.TokenAmount
	ReadOnly      bool
}

// New returns the kernel of one invocation, with a block registry of the
// machine's FVM version.
func New(cm CallManager, caller, receiver uint64, method abi.MethodNum, value abi.TokenAmount, readOnly bool) *Kernel {
	return &Kernel{CM: cm, Blocks: NewBlockRegistry(cm.Machine().Profile.BlockCodecs), Caller: caller, Receiver: receiver,
		Method: method, ValueReceived: value, ReadOnly: readOnly}
}

func (k *Kernel) profile() *machine.Profile { return k.CM.Machine().Profile }

func (k *Kernel) prices() *gas.PriceList { return k.CM.Machine().Profile.Prices }

func (k *Kernel) charge(c gas.GasCharge) error { return k.CM.Charge(c) }

// MessageContext is what vm.message_context reports.
type MessageContext struct {
	Origin, Nonce, Caller, Receiver uint64
	Method                          abi.MethodNum
	ValueReceived, GasPremium       abi.TokenAmount
	ReadOnly                        bool
}

// MessageContext returns the invocation's message context.
func (k *Kernel) MessageContext() (MessageContext, error) {
	if err := k.charge(k.prices().OnMessageContext()); err != nil {
		return MessageContext{}, err
	}
	return MessageContext{
		Origin: k.CM.Origin(), Nonce: k.CM.Nonce(), Caller: k.Caller, Receiver: k.Receiver,
		Method: k.Method, ValueReceived: k.ValueReceived, GasPremium: k.CM.GasPremium(), ReadOnly: k.ReadOnly,
	}, nil
}

// NetworkContext returns the machine's network context.
func (k *Kernel) NetworkContext() (machine.Config, error) {
	if err := k.charge(k.prices().OnNetworkContext()); err != nil {
		return machine.Config{}, err
	}
	return k.CM.Machine().Config, nil
}

// Send sends a message from this actor. The return block, if any, is put in
// this invocation's registry.
func (k *Kernel) Send(ctx context.Context, to address.Address, method abi.MethodNum, paramsID uint32,
	value abi.TokenAmount, gasLimit *gas.Gas, readOnlyFlag bool) (exitcode.ExitCode, uint32, BlockStat, error) {
	readOnly := k.ReadOnly || readOnlyFlag
	if readOnly && !value.IsZero() {
		return 0, 0, BlockStat{}, Errorf(ReadOnly, "cannot transfer value when read-only")
	}
	var params *Block
	if paramsID != NoDataBlockID {
		b, err := k.Blocks.Get(paramsID)
		if err != nil {
			return 0, 0, BlockStat{}, err
		}
		params = b
	}
	if k.Blocks.IsFull() {
		return 0, 0, BlockStat{}, Errorf(LimitExceeded, "cannot store return block")
	}
	res, err := k.CM.Send(ctx, k.Receiver, to, method, params, value, gasLimit, readOnly)
	if err != nil {
		return 0, 0, BlockStat{}, err
	}
	if res.Return == nil {
		return res.ExitCode, NoDataBlockID, BlockStat{}, nil
	}
	// v4 (ref-fvm kernel send): the return block's links become reachable
	// in the caller.
	put := k.Blocks.Put
	if k.profile().Reachability {
		put = k.Blocks.PutReachable
	}
	id, err := put(res.Return)
	if err != nil {
		return 0, 0, BlockStat{}, fmt.Errorf("%w: store a return value: %w", ErrFatal, err)
	}
	return res.ExitCode, id, res.Return.Stat(), nil
}

// self returns this actor's state (nil once it deleted itself).
func (k *Kernel) self(ctx context.Context) (*state.ActorState, error) {
	return k.CM.GetActor(ctx, k.Receiver)
}

// Root returns the actor's state root.
func (k *Kernel) Root(ctx context.Context) (cid.Cid, error) {
	if k.profile().RootCharges {
		if err := k.charge(k.prices().OnGetRoot()); err != nil {
			return cid.Undef, err
		}
	}
	act, err := k.self(ctx)
	if err != nil {
		return cid.Undef, err
	}
	if act == nil {
		return cid.Undef, Errorf(IllegalOperation, "state root requested after actor deletion")
	}
	if k.profile().Reachability {
		k.Blocks.MarkReachable(act.Head)
	}
	return act.Head, nil
}

// SetRoot replaces the actor's state root.
func (k *Kernel) SetRoot(ctx context.Context, root cid.Cid) error {
	if k.ReadOnly {
		return Errorf(ReadOnly, "cannot update the state-root while read-only")
	}
	if k.profile().RootCharges {
		if err := k.charge(k.prices().OnSetRoot()); err != nil {
			return err
		}
	}
	if k.profile().Reachability && !k.Blocks.IsReachable(root) {
		return Errorf(NotFound, "new root cid not reachable: %s", root)
	}
	act, err := k.self(ctx)
	if err != nil {
		return err
	}
	if act == nil {
		return Errorf(IllegalOperation, "actor deleted")
	}
	act.Head = root
	return k.CM.SetActor(ctx, k.Receiver, act)
}

// CurrentBalance returns the actor's balance (zero once deleted).
func (k *Kernel) CurrentBalance(ctx context.Context) (abi.TokenAmount, error) {
	if err := k.charge(k.prices().OnSelfBalance()); err != nil {
		return big.Zero(), err
	}
	act, err := k.self(ctx)
	if err != nil || act == nil {
		return big.Zero(), err
	}
	return act.Balance, nil
}

// SelfDestructV3 deletes the actor, sending its balance to beneficiary (v3).
func (k *Kernel) SelfDestructV3(ctx context.Context, beneficiary address.Address) error {
	if k.ReadOnly {
		return Errorf(ReadOnly, "cannot self-destruct when read-only")
	}
	if err := k.charge(k.prices().OnDeleteActor()); err != nil {
		return err
	}
	balance, err := k.CurrentBalance(ctx)
	if err != nil {
		return err
	}
	if !balance.IsZero() {
		id, err := k.ResolveAddress(ctx, beneficiary)
		if err != nil {
			return err
		}
		if id == k.Receiver {
			return Errorf(Forbidden, "benefactor cannot be beneficiary")
		}
		if err := k.CM.Transfer(ctx, k.Receiver, id, balance); err != nil {
			return err
		}
	}
	return k.CM.DeleteActor(ctx, k.Receiver)
}

// BurntFundsActorID is the actor v4 self_destruct burns unspent funds to.
const BurntFundsActorID = 99

// SelfDestructV4 deletes the actor (v4, ref-fvm kernel/default.rs
// self_destruct). A non-zero balance is burnt (sent to BurntFundsActorID)
// when burnUnspent is set, and IllegalOperation otherwise. Deleting a deleted
// actor is a no-op (its balance reads as zero).
func (k *Kernel) SelfDestructV4(ctx context.Context, burnUnspent bool) error {
	if k.ReadOnly {
		return Errorf(ReadOnly, "cannot self-destruct when read-only")
	}
	if err := k.charge(k.prices().OnDeleteActor()); err != nil {
		return err
	}
	balance, err := k.CurrentBalance(ctx)
	if err != nil {
		return err
	}
	if !balance.IsZero() {
		if !burnUnspent {
			return Errorf(IllegalOperation, "self-destruct with unspent funds")
		}
		// The burn is a plain transfer (no OnValueTransfer charge).
		// Quirk (ref-fvm v4 kernel/default.rs:380): every transfer error is
		// made fatal, out of gas too (the state-access charges for f099 can
		// run out), so it is not wrapped with %w here.
		if err := k.CM.Transfer(ctx, k.Receiver, BurntFundsActorID, balance); err != nil {
			return fmt.Errorf("%w: burn unspent funds: %v", ErrFatal, err)
		}
	}
	return k.CM.DeleteActor(ctx, k.Receiver)
}

// ResolveAddress resolves an address to an actor id (NotFound if it has none).
func (k *Kernel) ResolveAddress(ctx context.Context, a address.Address) (uint64, error) {
	if err := k.charge(k.prices().OnResolveAddress()); err != nil {
		return 0, err
	}
	id, found, err := k.CM.ResolveAddress(ctx, a)
	if err != nil {
		return 0, err
	}
	if !found {
		return 0, Errorf(NotFound, "actor not found")
	}
	return id, nil
}

// actor looks actor id up after charging c; NotFound if there is none.
func (k *Kernel) actor(ctx context.Context, c gas.GasCharge, id uint64) (*state.ActorState, error) {
	if err := k.charge(c); err != nil {
		return nil, err
	}
	act, err := k.CM.GetActor(ctx, id)
	if err != nil {
		return nil, err
	}
	if act == nil {
		return nil, Errorf(NotFound, "actor %d not found", id)
	}
	return act, nil
}

// ActorCodeCID returns the code of actor id.
func (k *Kernel) ActorCodeCID(ctx context.Context, id uint64) (cid.Cid, error) {
	act, err := k.actor(ctx, k.prices().OnGetActorCodeCid(), id)
	if err != nil {
		return cid.Undef, err
	}
	return act.Code, nil
}

// BalanceOf returns the balance of actor id.
func (k *Kernel) BalanceOf(ctx context.Context, id uint64) (abi.TokenAmount, error) {
	act, err := k.actor(ctx, k.prices().OnBalanceOf(), id)
	if err != nil {
		return big.Zero(), err
	}
	return act.Balance, nil
}

// LookupDelegatedAddress returns the f4 address of actor id, if it has one.
func (k *Kernel) LookupDelegatedAddress(ctx context.Context, id uint64) (*address.Address, error) {
	act, err := k.actor(ctx, k.prices().OnLookupDelegatedAddress(), id)
	if err != nil {
		return nil, err
	}
	return act.DelegatedAddress, nil
}

// NextActorAddress returns the f2 address the next created actor gets.
func (k *Kernel) NextActorAddress() (address.Address, error) {
	return k.CM.NextActorAddress()
}

// CreateActor creates actor id with code; only the init actor may.
func (k *Kernel) CreateActor(ctx context.Context, code cid.Cid, id uint64, delegated *address.Address) error {
	if k.Receiver != InitActorID {
		return Errorf(Forbidden, "create_actor is restricted to InitActor. Called by %d", k.Receiver)
	}
	if k.ReadOnly {
		return Errorf(ReadOnly, "create_actor cannot be called while read-only")
	}
	return k.CM.CreateActor(ctx, code, id, delegated)
}

// BuiltinActorType returns the builtin type id of code (0 if none).
func (k *Kernel) BuiltinActorType(code cid.Cid) (int32, error) {
	if err := k.charge(k.prices().OnGetBuiltinActorType()); err != nil {
		return 0, err
	}
	return int32(k.CM.Machine().Manifest.BuiltinType(code)), nil
}

// CodeCIDForType returns the code of builtin type id t.
func (k *Kernel) CodeCIDForType(t uint32) (cid.Cid, error) {
	if err := k.charge(k.prices().OnGetCodeCidForType()); err != nil {
		return cid.Undef, err
	}
	c, ok := k.CM.Machine().Manifest.CodeByType(int(t))
	if !ok {
		return cid.Undef, Errorf(IllegalArgument, "tried to resolve CID of unrecognized actor type %d", t)
	}
	return c, nil
}

// GasAvailable returns the gas left (in the innermost send's limit).
func (k *Kernel) GasAvailable() gas.Gas { return k.CM.GasTracker().GasAvailable() }

// ChargeGas charges an actor-requested amount under a name.
func (k *Kernel) ChargeGas(name string, g gas.Gas) error {
	return k.CM.GasTracker().ChargeGas(name, g)
}

// ChargeGasV2 charges an actor-requested amount of whole gas under a name,
// as v2's gas.charge does: the amount is signed, so a negative one lowers
// the gas used (ref-fvm v2 syscalls/gas.rs charge_gas, Gas::new saturating
// at the i64 bounds).
func (k *Kernel) ChargeGasV2(name string, compute int64) error {
	c := gas.GasCharge{Name: name}
	if compute >= 0 {
		c.ComputeGas = gas.NewGas(uint64(compute)).Min(gas.MaxTrackerLimit)
	} else {
		// -(compute+1)+1 is |compute| even for math.MinInt64.
		c.Credit = gas.NewGas(uint64(-(compute + 1)) + 1)
	}
	return k.CM.GasTracker().ApplyCharge(c)
}

// NewActorAddressV2 returns the f2 address of the next actor and advances
// the index it derives from (ref-fvm v2 kernel/default.rs
// new_actor_address: create_actor does not count actors in v2).
func (k *Kernel) NewActorAddressV2() (address.Address, error) {
	addr, err := k.CM.NextActorAddress()
	if err != nil {
		return address.Undef, err
	}
	k.CM.CountActorCreated()
	return addr, nil
}

// v2SingletonActors are the builtin actors v2's create_actor refuses to
// create another instance of (ref-fvm v2 machine/manifest.rs
// SINGLETON_ACTOR_NAMES).
//
// Quirk (ref-fvm v2 machine/manifest.rs): datacap, a singleton of actors
// v9, is not in the list.
var v2SingletonActors = []string{"system", "init", "reward", "cron", "storagepower", "storagemarket", "verifiedregistry"}

// CreateActorV2 creates actor id with code, as v2's create_actor does
// (ref-fvm v2 kernel/default.rs): the code must be a builtin actor's
// (Forbidden), not a singleton's (Forbidden), id must be free (Forbidden);
// then OnCreateActor is charged and the actor stored with an empty state.
//
// Quirk (ref-fvm v2 kernel/default.rs create_actor): any actor may call it
// (v3 restricts it to the init actor), the state tree is read without
// state-access charges, and an error reading the existing actor counts as
// no actor.
func (k *Kernel) CreateActorV2(ctx context.Context, code cid.Cid, id uint64) error {
	man := k.CM.Machine().Manifest
	if man.BuiltinType(code) == 0 {
		return Errorf(Forbidden, "can only create built-in actors")
	}
	for _, name := range v2SingletonActors {
		if c, ok := man.Code(name); ok && c == code {
			return Errorf(Forbidden, "can only have one instance of singleton actors")
		}
	}
	if act, err := k.CM.Machine().Tree.GetActor(ctx, id); err == nil && act != nil {
		return Errorf(Forbidden, "Actor address already exists")
	}
	if err := k.charge(k.prices().OnCreateActor(false)); err != nil {
		return err
	}
	k.CM.Machine().Tree.SetActor(id, &state.ActorState{Code: code, Head: state.EmptyArrayCID, Balance: big.Zero()})
	return nil
}

// CircSupply returns the circulating supply of the machine's context.
func (k *Kernel) CircSupply() abi.TokenAmount { return k.CM.Machine().CircSupply }
