package genesis

import (
	"bytes"
	"context"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
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
	miner17 "github.com/filecoin-project/go-state-types/builtin/v17/miner"
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
	miner18 "github.com/filecoin-project/go-state-types/builtin/v18/miner"
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

	// initRegister loads an init actor state, maps an address to its next
	// ID and returns the new state and the ID given.
	initRegister func(adtStore, cid.Cid, address.Address) (cbg.CBORMarshaler, abi.ActorID, error)
	// createMinerParams and createMinerReturn encode the power actor's
	// CreateMiner parameters and decode its return (ID and robust address).
	createMinerParams func(createMinerArgs) cbg.CBORMarshaler
	createMinerReturn func([]byte) (address.Address, address.Address, error)
	// minerDeposit is the deposit a new miner locks (FIP-0077, from actors
	// v17), given the genesis reward and power states; nil before v17.
	minerDeposit func(reward, power cbg.CBORMarshaler) (abi.TokenAmount, error)
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

		initRegister:      initRegisterOf[init8.State](),
		createMinerParams: createMinerParamsOf[power8.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power8.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init9.State](),
		createMinerParams: createMinerParamsOf[power9.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power9.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init10.State](),
		createMinerParams: createMinerParamsOf[power10.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power10.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init11.State](),
		createMinerParams: createMinerParamsOf[power11.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power11.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init12.State](),
		createMinerParams: createMinerParamsOf[power12.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power12.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init13.State](),
		createMinerParams: createMinerParamsOf[power13.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power13.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init14.State](),
		createMinerParams: createMinerParamsOf[power14.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power14.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init15.State](),
		createMinerParams: createMinerParamsOf[power15.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power15.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init16.State](),
		createMinerParams: createMinerParamsOf[power16.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power16.CreateMinerReturn],
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

		initRegister:      initRegisterOf[init17.State](),
		createMinerParams: createMinerParamsOf[power17.CreateMinerParams],
		createMinerReturn: createMinerReturnOf[power17.CreateMinerReturn],
		minerDeposit:      minerDeposit17,
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

// cborUnmarshaler constrains PS to *S with a CBOR decoding.
type cborUnmarshaler[S any] interface {
	*S
	cbg.CBORUnmarshaler
}

// initRegisterOf loads a version's init state, maps an address to its next
// ID in the address map and advances the next ID.
func initRegisterOf[S ~initFields, PS interface {
	cborState[S]
	cbg.CBORUnmarshaler
}]() func(adtStore, cid.Cid, address.Address) (cbg.CBORMarshaler, abi.ActorID, error) {
	return func(s adtStore, head cid.Cid, addr address.Address) (cbg.CBORMarshaler, abi.ActorID, error) {
		var st S
		if err := s.Get(s.Context(), head, PS(&st)); err != nil {
			return nil, 0, err
		}
		fields := initFields(st)
		id := fields.NextID
		var err error
		if fields.AddressMap, err = fillAddressMap(s, fields.AddressMap, []registration{{addr, uint64(id)}}); err != nil {
			return nil, 0, err
		}
		fields.NextID++
		st = S(fields)
		return PS(&st), id, nil
	}
}

// createMinerArgs are a power CreateMiner's parameters: the miner's owner,
// worker, window PoSt proof type and peer ID (no multiaddresses).
type createMinerArgs struct {
	owner, worker address.Address
	post          abi.RegisteredPoStProof
	peer          []byte
}

// createMinerParamsOf builds a version's power CreateMinerParams.
func createMinerParamsOf[S ~struct {
	Owner               address.Address
	Worker              address.Address
	WindowPoStProofType abi.RegisteredPoStProof
	Peer                abi.PeerID
	Multiaddrs          []abi.Multiaddrs
}, PS cborState[S]](a createMinerArgs) cbg.CBORMarshaler {
	p := S{Owner: a.owner, Worker: a.worker, WindowPoStProofType: a.post, Peer: a.peer}
	return PS(&p)
}

// createMinerReturnFields is the power actor's CreateMinerReturn.
type createMinerReturnFields = struct {
	IDAddress     address.Address
	RobustAddress address.Address
}

// createMinerReturnOf decodes a version's power CreateMinerReturn.
func createMinerReturnOf[S ~createMinerReturnFields, PS cborUnmarshaler[S]](ret []byte) (address.Address, address.Address, error) {
	var r S
	if err := PS(&r).UnmarshalCBOR(bytes.NewReader(ret)); err != nil {
		return address.Undef, address.Undef, err
	}
	f := createMinerReturnFields(r)
	return f.IDAddress, f.RobustAddress, nil
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

	initRegister:      initRegisterOf[init18.State](),
	createMinerParams: createMinerParamsOf[power18.CreateMinerParams],
	createMinerReturn: createMinerReturnOf[power18.CreateMinerReturn],
	minerDeposit:      minerDeposit18,
}

// createMinerDepositPower is the power whose initial pledge is the miner
// creation deposit (FIP-0077): a tenth of the minimum consensus power, so
// 1 TiB on mainnet, whose minimum is 10 TiB (builtin-actors'
// CREATE_MINER_DEPOSIT_POWER). Other networks have smaller minimums, but at
// genesis, with no network power and no circulating supply, the pledge is
// the reward estimate whatever the power.
var createMinerDepositPower = abi.NewStoragePower(1 << 40)

// minerDeposit17 is the miner creation deposit of actors v17, as the miner
// constructor computes it at epoch 0 with no circulating supply (the VM's).
func minerDeposit17(rew, pow cbg.CBORMarshaler) (abi.TokenAmount, error) {
	r, ok := rew.(*reward17.State)
	p, ok2 := pow.(*power17.State)
	if !ok || !ok2 {
		return abi.TokenAmount{}, fmt.Errorf("miner deposit: reward %T and power %T states, want actors v17's", rew, pow)
	}
	return miner17.InitialPledgeForPower(createMinerDepositPower, r.ThisEpochBaselinePower, r.ThisEpochRewardSmoothed,
		p.ThisEpochQAPowerSmoothed, big.Zero(), -p.RampStartEpoch, p.RampDurationEpochs), nil
}

// minerDeposit18 is minerDeposit17 for actors v18.
func minerDeposit18(rew, pow cbg.CBORMarshaler) (abi.TokenAmount, error) {
	r, ok := rew.(*reward18.State)
	p, ok2 := pow.(*power18.State)
	if !ok || !ok2 {
		return abi.TokenAmount{}, fmt.Errorf("miner deposit: reward %T and power %T states, want actors v18's", rew, pow)
	}
	return miner18.InitialPledgeForPower(createMinerDepositPower, r.ThisEpochBaselinePower, r.ThisEpochRewardSmoothed,
		p.ThisEpochQAPowerSmoothed, big.Zero(), -p.RampStartEpoch, p.RampDurationEpochs), nil
}
