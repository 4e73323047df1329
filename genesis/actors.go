package genesis

import (
	"context"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	account8 "github.com/filecoin-project/go-state-types/builtin/v8/account"
	cron8 "github.com/filecoin-project/go-state-types/builtin/v8/cron"
	init8 "github.com/filecoin-project/go-state-types/builtin/v8/init"
	market8 "github.com/filecoin-project/go-state-types/builtin/v8/market"
	multisig8 "github.com/filecoin-project/go-state-types/builtin/v8/multisig"
	power8 "github.com/filecoin-project/go-state-types/builtin/v8/power"
	reward8 "github.com/filecoin-project/go-state-types/builtin/v8/reward"
	system8 "github.com/filecoin-project/go-state-types/builtin/v8/system"
	adt8 "github.com/filecoin-project/go-state-types/builtin/v8/util/adt"
	verifreg8 "github.com/filecoin-project/go-state-types/builtin/v8/verifreg"

	account9 "github.com/filecoin-project/go-state-types/builtin/v9/account"
	cron9 "github.com/filecoin-project/go-state-types/builtin/v9/cron"
	datacap9 "github.com/filecoin-project/go-state-types/builtin/v9/datacap"
	init9 "github.com/filecoin-project/go-state-types/builtin/v9/init"
	market9 "github.com/filecoin-project/go-state-types/builtin/v9/market"
	multisig9 "github.com/filecoin-project/go-state-types/builtin/v9/multisig"
	power9 "github.com/filecoin-project/go-state-types/builtin/v9/power"
	reward9 "github.com/filecoin-project/go-state-types/builtin/v9/reward"
	system9 "github.com/filecoin-project/go-state-types/builtin/v9/system"
	adt9 "github.com/filecoin-project/go-state-types/builtin/v9/util/adt"
	verifreg9 "github.com/filecoin-project/go-state-types/builtin/v9/verifreg"

	account10 "github.com/filecoin-project/go-state-types/builtin/v10/account"
	cron10 "github.com/filecoin-project/go-state-types/builtin/v10/cron"
	datacap10 "github.com/filecoin-project/go-state-types/builtin/v10/datacap"
	init10 "github.com/filecoin-project/go-state-types/builtin/v10/init"
	market10 "github.com/filecoin-project/go-state-types/builtin/v10/market"
	multisig10 "github.com/filecoin-project/go-state-types/builtin/v10/multisig"
	power10 "github.com/filecoin-project/go-state-types/builtin/v10/power"
	reward10 "github.com/filecoin-project/go-state-types/builtin/v10/reward"
	system10 "github.com/filecoin-project/go-state-types/builtin/v10/system"
	adt10 "github.com/filecoin-project/go-state-types/builtin/v10/util/adt"
	verifreg10 "github.com/filecoin-project/go-state-types/builtin/v10/verifreg"

	account11 "github.com/filecoin-project/go-state-types/builtin/v11/account"
	cron11 "github.com/filecoin-project/go-state-types/builtin/v11/cron"
	datacap11 "github.com/filecoin-project/go-state-types/builtin/v11/datacap"
	init11 "github.com/filecoin-project/go-state-types/builtin/v11/init"
	market11 "github.com/filecoin-project/go-state-types/builtin/v11/market"
	multisig11 "github.com/filecoin-project/go-state-types/builtin/v11/multisig"
	power11 "github.com/filecoin-project/go-state-types/builtin/v11/power"
	reward11 "github.com/filecoin-project/go-state-types/builtin/v11/reward"
	system11 "github.com/filecoin-project/go-state-types/builtin/v11/system"
	adt11 "github.com/filecoin-project/go-state-types/builtin/v11/util/adt"
	verifreg11 "github.com/filecoin-project/go-state-types/builtin/v11/verifreg"

	account12 "github.com/filecoin-project/go-state-types/builtin/v12/account"
	cron12 "github.com/filecoin-project/go-state-types/builtin/v12/cron"
	datacap12 "github.com/filecoin-project/go-state-types/builtin/v12/datacap"
	init12 "github.com/filecoin-project/go-state-types/builtin/v12/init"
	market12 "github.com/filecoin-project/go-state-types/builtin/v12/market"
	multisig12 "github.com/filecoin-project/go-state-types/builtin/v12/multisig"
	power12 "github.com/filecoin-project/go-state-types/builtin/v12/power"
	reward12 "github.com/filecoin-project/go-state-types/builtin/v12/reward"
	system12 "github.com/filecoin-project/go-state-types/builtin/v12/system"
	adt12 "github.com/filecoin-project/go-state-types/builtin/v12/util/adt"
	verifreg12 "github.com/filecoin-project/go-state-types/builtin/v12/verifreg"

	account13 "github.com/filecoin-project/go-state-types/builtin/v13/account"
	cron13 "github.com/filecoin-project/go-state-types/builtin/v13/cron"
	datacap13 "github.com/filecoin-project/go-state-types/builtin/v13/datacap"
	init13 "github.com/filecoin-project/go-state-types/builtin/v13/init"
	market13 "github.com/filecoin-project/go-state-types/builtin/v13/market"
	multisig13 "github.com/filecoin-project/go-state-types/builtin/v13/multisig"
	power13 "github.com/filecoin-project/go-state-types/builtin/v13/power"
	reward13 "github.com/filecoin-project/go-state-types/builtin/v13/reward"
	system13 "github.com/filecoin-project/go-state-types/builtin/v13/system"
	adt13 "github.com/filecoin-project/go-state-types/builtin/v13/util/adt"
	verifreg13 "github.com/filecoin-project/go-state-types/builtin/v13/verifreg"

	account14 "github.com/filecoin-project/go-state-types/builtin/v14/account"
	cron14 "github.com/filecoin-project/go-state-types/builtin/v14/cron"
	datacap14 "github.com/filecoin-project/go-state-types/builtin/v14/datacap"
	init14 "github.com/filecoin-project/go-state-types/builtin/v14/init"
	market14 "github.com/filecoin-project/go-state-types/builtin/v14/market"
	multisig14 "github.com/filecoin-project/go-state-types/builtin/v14/multisig"
	power14 "github.com/filecoin-project/go-state-types/builtin/v14/power"
	reward14 "github.com/filecoin-project/go-state-types/builtin/v14/reward"
	system14 "github.com/filecoin-project/go-state-types/builtin/v14/system"
	adt14 "github.com/filecoin-project/go-state-types/builtin/v14/util/adt"
	verifreg14 "github.com/filecoin-project/go-state-types/builtin/v14/verifreg"

	account15 "github.com/filecoin-project/go-state-types/builtin/v15/account"
	cron15 "github.com/filecoin-project/go-state-types/builtin/v15/cron"
	datacap15 "github.com/filecoin-project/go-state-types/builtin/v15/datacap"
	init15 "github.com/filecoin-project/go-state-types/builtin/v15/init"
	market15 "github.com/filecoin-project/go-state-types/builtin/v15/market"
	multisig15 "github.com/filecoin-project/go-state-types/builtin/v15/multisig"
	power15 "github.com/filecoin-project/go-state-types/builtin/v15/power"
	reward15 "github.com/filecoin-project/go-state-types/builtin/v15/reward"
	system15 "github.com/filecoin-project/go-state-types/builtin/v15/system"
	adt15 "github.com/filecoin-project/go-state-types/builtin/v15/util/adt"
	verifreg15 "github.com/filecoin-project/go-state-types/builtin/v15/verifreg"

	account16 "github.com/filecoin-project/go-state-types/builtin/v16/account"
	cron16 "github.com/filecoin-project/go-state-types/builtin/v16/cron"
	datacap16 "github.com/filecoin-project/go-state-types/builtin/v16/datacap"
	init16 "github.com/filecoin-project/go-state-types/builtin/v16/init"
	market16 "github.com/filecoin-project/go-state-types/builtin/v16/market"
	multisig16 "github.com/filecoin-project/go-state-types/builtin/v16/multisig"
	power16 "github.com/filecoin-project/go-state-types/builtin/v16/power"
	reward16 "github.com/filecoin-project/go-state-types/builtin/v16/reward"
	system16 "github.com/filecoin-project/go-state-types/builtin/v16/system"
	adt16 "github.com/filecoin-project/go-state-types/builtin/v16/util/adt"
	verifreg16 "github.com/filecoin-project/go-state-types/builtin/v16/verifreg"

	account17 "github.com/filecoin-project/go-state-types/builtin/v17/account"
	cron17 "github.com/filecoin-project/go-state-types/builtin/v17/cron"
	datacap17 "github.com/filecoin-project/go-state-types/builtin/v17/datacap"
	init17 "github.com/filecoin-project/go-state-types/builtin/v17/init"
	market17 "github.com/filecoin-project/go-state-types/builtin/v17/market"
	multisig17 "github.com/filecoin-project/go-state-types/builtin/v17/multisig"
	power17 "github.com/filecoin-project/go-state-types/builtin/v17/power"
	reward17 "github.com/filecoin-project/go-state-types/builtin/v17/reward"
	system17 "github.com/filecoin-project/go-state-types/builtin/v17/system"
	adt17 "github.com/filecoin-project/go-state-types/builtin/v17/util/adt"
	verifreg17 "github.com/filecoin-project/go-state-types/builtin/v17/verifreg"

	account18 "github.com/filecoin-project/go-state-types/builtin/v18/account"
	cron18 "github.com/filecoin-project/go-state-types/builtin/v18/cron"
	datacap18 "github.com/filecoin-project/go-state-types/builtin/v18/datacap"
	init18 "github.com/filecoin-project/go-state-types/builtin/v18/init"
	market18 "github.com/filecoin-project/go-state-types/builtin/v18/market"
	multisig18 "github.com/filecoin-project/go-state-types/builtin/v18/multisig"
	power18 "github.com/filecoin-project/go-state-types/builtin/v18/power"
	reward18 "github.com/filecoin-project/go-state-types/builtin/v18/reward"
	system18 "github.com/filecoin-project/go-state-types/builtin/v18/system"
	adt18 "github.com/filecoin-project/go-state-types/builtin/v18/util/adt"
	verifreg18 "github.com/filecoin-project/go-state-types/builtin/v18/verifreg"
)

// release is what genesis needs of one actors version: the state-tree
// version its network versions use, and a constructor for each builtin
// actor's state, bound to that version's go-state-types package. Actors a
// version lacks are nil (datacap before v9; v8 and v9 have no EthAccount,
// which the manifest shows).
//
// The constructors are the actors' own (ConstructState, BuiltInEntries);
// where go-state-types has none (account, multisig) or genesis must fill a
// field the constructor leaves empty (the system actor's manifest, the init
// actor's address map), the version's own State type is filled through a
// generic helper whose constraint spells out the fields it sets, so a version
// whose layout differs does not compile.
type release struct {
	stateTree uint64
	system    func(adtStore, cid.Cid) (cbg.CBORMarshaler, error)
	init      func(adtStore, string, []registration, abi.ActorID) (cbg.CBORMarshaler, error)
	reward    func(adtStore) (cbg.CBORMarshaler, error)
	cron      func() cbg.CBORMarshaler
	power     func(adtStore) (cbg.CBORMarshaler, error)
	market    func(adtStore) (cbg.CBORMarshaler, error)
	verifreg  func(adtStore, address.Address) (cbg.CBORMarshaler, error)
	datacap   func(adtStore, address.Address, uint64) (cbg.CBORMarshaler, error)
	account   func(address.Address) cbg.CBORMarshaler
	multisig  func(adtStore, multisigParams) (cbg.CBORMarshaler, error)
}

// releases is the table of supported actors versions. To add a release,
// import its packages and add a row. v8 has no datacap actor (nil), and v8
// and v9 (nv16-17) use stateTreeV4; their manifests have no EAM or
// EthAccount, so Build writes neither.
var releases = map[int]release{
	8: {
		stateTree: stateTreeV4,
		system:    systemOf(system8.ConstructState),
		init:      initOf(init8.ConstructState),
		reward:    rewardOf(reward8.ConstructState),
		cron:      cronOf(cron8.ConstructState, cron8.BuiltInEntries),
		power:     storeOnly(power8.ConstructState),
		market:    storeOnly(market8.ConstructState),
		verifreg:  verifregOf(verifreg8.ConstructState),
		account:   accountOf[account8.State],
		multisig:  multisigOf[multisig8.State, multisig8.TxnID](adt8.StoreEmptyMap),
	},
	9: {
		stateTree: stateTreeV4,
		system:    systemOf(system9.ConstructState),
		init:      initOf(init9.ConstructState),
		reward:    rewardOf(reward9.ConstructState),
		cron:      cronOf(cron9.ConstructState, cron9.BuiltInEntries),
		power:     storeOnly(power9.ConstructState),
		market:    storeOnly(market9.ConstructState),
		verifreg:  verifregOf(verifreg9.ConstructState),
		datacap:   datacapOf(datacap9.ConstructState),
		account:   accountOf[account9.State],
		multisig:  multisigOf[multisig9.State, multisig9.TxnID](adt9.StoreEmptyMap),
	},
	10: {
		stateTree: stateTreeV5,
		system:    systemOf(system10.ConstructState),
		init:      initOf(init10.ConstructState),
		reward:    rewardOf(reward10.ConstructState),
		cron:      cronOf(cron10.ConstructState, cron10.BuiltInEntries),
		power:     storeOnly(power10.ConstructState),
		market:    storeOnly(market10.ConstructState),
		verifreg:  verifregOf(verifreg10.ConstructState),
		datacap:   datacapOf(datacap10.ConstructState),
		account:   accountOf[account10.State],
		multisig:  multisigOf[multisig10.State, multisig10.TxnID](adt10.StoreEmptyMap),
	},
	11: {
		stateTree: stateTreeV5,
		system:    systemOf(system11.ConstructState),
		init:      initOf(init11.ConstructState),
		reward:    rewardOf(reward11.ConstructState),
		cron:      cronOf(cron11.ConstructState, cron11.BuiltInEntries),
		power:     storeOnly(power11.ConstructState),
		market:    storeOnly(market11.ConstructState),
		verifreg:  verifregOf(verifreg11.ConstructState),
		datacap:   datacapOf(datacap11.ConstructState),
		account:   accountOf[account11.State],
		multisig:  multisigOf[multisig11.State, multisig11.TxnID](adt11.StoreEmptyMap),
	},
	12: {
		stateTree: stateTreeV5,
		system:    systemOf(system12.ConstructState),
		init:      initOf(init12.ConstructState),
		reward:    rewardOf(reward12.ConstructState),
		cron:      cronOf(cron12.ConstructState, cron12.BuiltInEntries),
		power:     storeOnly(power12.ConstructState),
		market:    storeOnly(market12.ConstructState),
		verifreg:  verifregOf(verifreg12.ConstructState),
		datacap:   datacapOf(datacap12.ConstructState),
		account:   accountOf[account12.State],
		multisig:  multisigOf[multisig12.State, multisig12.TxnID](adt12.StoreEmptyMap),
	},
	13: {
		stateTree: stateTreeV5,
		system:    systemOf(system13.ConstructState),
		init:      initOf(init13.ConstructState),
		reward:    rewardOf(reward13.ConstructState),
		cron:      cronOf(cron13.ConstructState, cron13.BuiltInEntries),
		power:     storeOnly(power13.ConstructState),
		market:    storeOnly(market13.ConstructState),
		verifreg:  verifregOf(verifreg13.ConstructState),
		datacap:   datacapOf(datacap13.ConstructState),
		account:   accountOf[account13.State],
		multisig:  multisigOf[multisig13.State, multisig13.TxnID](adt13.StoreEmptyMap),
	},
	14: {
		stateTree: stateTreeV5,
		system:    systemOf(system14.ConstructState),
		init:      initOf(init14.ConstructState),
		reward:    rewardOf(reward14.ConstructState),
		cron:      cronOf(cron14.ConstructState, cron14.BuiltInEntries),
		power:     storeOnly(power14.ConstructState),
		market:    storeOnly(market14.ConstructState),
		verifreg:  verifregOf(verifreg14.ConstructState),
		datacap:   datacapOf(datacap14.ConstructState),
		account:   accountOf[account14.State],
		multisig:  multisigOf[multisig14.State, multisig14.TxnID](adt14.StoreEmptyMap),
	},
	15: {
		stateTree: stateTreeV5,
		system:    systemOf(system15.ConstructState),
		init:      initOf(init15.ConstructState),
		reward:    rewardOf(reward15.ConstructState),
		cron:      cronOf(cron15.ConstructState, cron15.BuiltInEntries),
		power:     storeOnly(power15.ConstructState),
		market:    storeOnly(market15.ConstructState),
		verifreg:  verifregOf(verifreg15.ConstructState),
		datacap:   datacapOf(datacap15.ConstructState),
		account:   accountOf[account15.State],
		multisig:  multisigOf[multisig15.State, multisig15.TxnID](adt15.StoreEmptyMap),
	},
	16: {
		stateTree: stateTreeV5,
		system:    systemOf(system16.ConstructState),
		init:      initOf(init16.ConstructState),
		reward:    rewardOf(reward16.ConstructState),
		cron:      cronOf(cron16.ConstructState, cron16.BuiltInEntries),
		power:     storeOnly(power16.ConstructState),
		market:    storeOnly(market16.ConstructState),
		verifreg:  verifregOf(verifreg16.ConstructState),
		datacap:   datacapOf(datacap16.ConstructState),
		account:   accountOf[account16.State],
		multisig:  multisigOf[multisig16.State, multisig16.TxnID](adt16.StoreEmptyMap),
	},
	17: {
		stateTree: stateTreeV5,
		system:    systemOf(system17.ConstructState),
		init:      initOf(init17.ConstructState),
		reward:    rewardOf(reward17.ConstructState),
		cron:      cronOf(cron17.ConstructState, cron17.BuiltInEntries),
		power:     storeOnly(power17.ConstructState),
		market:    storeOnly(market17.ConstructState),
		verifreg:  verifregOf(verifreg17.ConstructState),
		datacap:   datacapOf(datacap17.ConstructState),
		account:   accountOf[account17.State],
		multisig:  multisigOf[multisig17.State, multisig17.TxnID](adt17.StoreEmptyMap),
	},
	18: v18States,
	// The v19 bundles of lotus v1.36.2 are builtin-actors v18.0.0 (the same
	// manifests as v18), so their states are v18's; go-state-types v0.19.0's
	// builtin/v19 describes a later release (its reward state differs), which
	// that code cannot read.
	19: v18States,
}

// adtStore is the store every go-state-types version's util/adt.Store
// interface describes: an IPLD store with a context.
type adtStore interface {
	Context() context.Context
	cbor.IpldStore
}

// wrappedStore implements adtStore.
type wrappedStore struct {
	ctx context.Context
	cbor.IpldStore
}

func (s wrappedStore) Context() context.Context { return s.ctx }

// asStore converts s to a version's own adt.Store interface type.
func asStore[St any](s adtStore) (St, error) {
	st, ok := any(s).(St)
	if !ok {
		var zero St
		return zero, fmt.Errorf("the store does not implement %T", &zero)
	}
	return st, nil
}

// cborState constrains PS to *S with a CBOR encoding.
type cborState[S any] interface {
	*S
	cbg.CBORMarshaler
}

// storeOnly adapts a ConstructState(store) (power, market).
func storeOnly[St any, PS cbg.CBORMarshaler](construct func(St) (PS, error)) func(adtStore) (cbg.CBORMarshaler, error) {
	return func(s adtStore) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		return construct(st)
	}
}

// rewardOf adapts a reward ConstructState(realizedPower): genesis starts with
// no power, as Lotus's does before any miner is added.
func rewardOf[PS cbg.CBORMarshaler](construct func(abi.StoragePower) PS) func(adtStore) (cbg.CBORMarshaler, error) {
	return func(adtStore) (cbg.CBORMarshaler, error) { return construct(abi.NewStoragePower(0)), nil }
}

// cronOf adapts the cron ConstructState with the version's built-in entries
// (the power and market actors' CronTick).
func cronOf[E any, PS cbg.CBORMarshaler](construct func([]E) PS, entries func() []E) func() cbg.CBORMarshaler {
	return func() cbg.CBORMarshaler { return construct(entries()) }
}

// verifregOf adapts a verified registry ConstructState(store, rootKey).
func verifregOf[St any, PS cbg.CBORMarshaler](construct func(St, address.Address) (PS, error)) func(adtStore, address.Address) (cbg.CBORMarshaler, error) {
	return func(s adtStore, root address.Address) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		return construct(st, root)
	}
}

// datacapOf adapts a datacap ConstructState(store, governor, bitWidth).
func datacapOf[St any, PS cbg.CBORMarshaler](construct func(St, address.Address, uint64) (PS, error)) func(adtStore, address.Address, uint64) (cbg.CBORMarshaler, error) {
	return func(s adtStore, governor address.Address, bitWidth uint64) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		return construct(st, governor, bitWidth)
	}
}

// systemFields is the system actor's state.
type systemFields = struct{ BuiltinActors cid.Cid }

// systemOf adapts the system ConstructState (which links an empty manifest)
// and points the state at the bundle's manifest data instead, as Lotus does.
func systemOf[St any, S ~systemFields, PS cborState[S]](construct func(St) (*S, error)) func(adtStore, cid.Cid) (cbg.CBORMarshaler, error) {
	return func(s adtStore, manifestData cid.Cid) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		p, err := construct(st)
		if err != nil {
			return nil, err
		}
		fields := systemFields(*p)
		fields.BuiltinActors = manifestData
		*p = S(fields)
		return PS(p), nil
	}
}

// initFields is the init actor's state.
type initFields = struct {
	AddressMap  cid.Cid
	NextID      abi.ActorID
	NetworkName string
}

// initOf adapts the init ConstructState(store, networkName), then fills the
// address map it creates empty and sets the next id.
func initOf[St any, S ~initFields, PS cborState[S]](construct func(St, string) (*S, error)) func(adtStore, string, []registration, abi.ActorID) (cbg.CBORMarshaler, error) {
	return func(s adtStore, name string, regs []registration, next abi.ActorID) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		p, err := construct(st, name)
		if err != nil {
			return nil, err
		}
		fields := initFields(*p)
		if fields.AddressMap, err = fillAddressMap(s, fields.AddressMap, regs); err != nil {
			return nil, err
		}
		fields.NextID = next
		*p = S(fields)
		return PS(p), nil
	}
}

// accountOf builds an account actor's state, which holds its key address.
func accountOf[S ~struct{ Address address.Address }, PS cborState[S]](key address.Address) cbg.CBORMarshaler {
	s := S{Address: key}
	return PS(&s)
}

// multisigParams is what genesis gives a multisig: its signers (ID
// addresses) and threshold; there is no vesting.
type multisigParams struct {
	signers   []address.Address
	threshold uint64
}

// multisigOf builds a multisig actor's state as its constructor would with
// no vesting: no pending transactions (an empty map made by the version's
// own StoreEmptyMap), no locked balance.
func multisigOf[S ~struct {
	Signers               []address.Address
	NumApprovalsThreshold uint64
	NextTxnID             T
	InitialBalance        abi.TokenAmount
	StartEpoch            abi.ChainEpoch
	UnlockDuration        abi.ChainEpoch
	PendingTxns           cid.Cid
}, T ~int64, St any, PS cborState[S]](emptyMap func(St, int) (cid.Cid, error)) func(adtStore, multisigParams) (cbg.CBORMarshaler, error) {
	return func(s adtStore, p multisigParams) (cbg.CBORMarshaler, error) {
		st, err := asStore[St](s)
		if err != nil {
			return nil, err
		}
		pending, err := emptyMap(st, hamtBitWidth)
		if err != nil {
			return nil, err
		}
		ms := S{
			Signers:               p.signers,
			NumApprovalsThreshold: p.threshold,
			InitialBalance:        abi.NewTokenAmount(0),
			PendingTxns:           pending,
		}
		return PS(&ms), nil
	}
}

// v18States binds the actors v18 state constructors.
var v18States = release{
	stateTree: stateTreeV5,
	system:    systemOf(system18.ConstructState),
	init:      initOf(init18.ConstructState),
	reward:    rewardOf(reward18.ConstructState),
	cron:      cronOf(cron18.ConstructState, cron18.BuiltInEntries),
	power:     storeOnly(power18.ConstructState),
	market:    storeOnly(market18.ConstructState),
	verifreg:  verifregOf(verifreg18.ConstructState),
	datacap:   datacapOf(datacap18.ConstructState),
	account:   accountOf[account18.State],
	multisig:  multisigOf[multisig18.State, multisig18.TxnID](adt18.StoreEmptyMap),
}
