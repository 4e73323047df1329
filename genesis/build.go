package genesis

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/filecoin-project/go-address"
	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/manifest"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

// hamtBitWidth is the bit width of the builtin actors' HAMTs.
const hamtBitWidth = builtin.DefaultHamtBitwidth

// registration maps a key address to its actor ID in the init actor.
type registration struct {
	addr address.Address
	id   uint64
}

// builder holds one Build's work.
type builder struct {
	ctx   context.Context
	cfg   Config
	rel   release
	man   *bundle.Manifest
	store adtStore
	tree  *stateTree
	// empty is the CID of the empty array, the head of stateless actors.
	empty cid.Cid

	// ids maps each key address given an ID to it; regs lists the same
	// registrations in the order they were made (the init actor's map).
	ids  map[address.Address]uint64
	regs []registration
	next uint64
	// msigIDs are the IDs of cfg's multisigs, by account index.
	msigIDs map[int]uint64
	// defaultSigner is DefaultSigner's address.
	defaultSigner address.Address
	// miners are the miners created, in Config order.
	miners []CreatedMiner
	// rewardState and powerState are the reward and power actors' genesis
	// states (the miner creation deposit derives from them).
	rewardState, powerState cbg.CBORMarshaler
}

// Build writes a genesis state into bs and returns its root. It loads the
// bundle's code into bs too; of the state, only what the root reaches is
// written. The same Config (and bundle) always gives the same root.
func Build(ctx context.Context, bs blockstore.Blockstore, cfg Config) (*Genesis, error) {
	cfg, rel, err := cfg.checked()
	if err != nil {
		return nil, err
	}
	man, err := loadBundle(ctx, bs, cfg)
	if err != nil {
		return nil, err
	}
	buf := blockstore.NewBuffered(bs)
	b := &builder{
		ctx: ctx, cfg: cfg, rel: rel, man: man,
		store:   wrappedStore{ctx: ctx, IpldStore: cbor.NewCborStore(buf)},
		ids:     make(map[address.Address]uint64),
		next:    FirstAccountID,
		msigIDs: make(map[int]uint64),
	}
	if b.defaultSigner, err = address.NewFromString(DefaultSigner); err != nil {
		return nil, fmt.Errorf("genesis: DefaultSigner: %w", err)
	}
	root, err := b.build(buf)
	if err != nil {
		return nil, fmt.Errorf("genesis: actors v%d %s: %w", cfg.ActorsVersion, cfg.Network, err)
	}
	if err := buf.Flush(ctx, root); err != nil {
		return nil, fmt.Errorf("genesis: %w", err)
	}
	return &Genesis{StateRoot: root, ActorsVersion: cfg.ActorsVersion, Network: cfg.Network, Manifest: man, Accounts: b.allocated(), Miners: b.miners}, nil
}

// loadBundle loads the configured bundle's manifest and code into bs.
func loadBundle(ctx context.Context, bs blockstore.Blockstore, cfg Config) (*bundle.Manifest, error) {
	sel := bundle.Selector{Version: cfg.ActorsVersion, Networks: []string{cfg.Network}}
	var (
		bundles []bundle.Bundle
		err     error
	)
	if cfg.Bundle != nil {
		bundles, err = bundle.Load(ctx, "Config.Bundle", cfg.Bundle, sel, bs)
	} else {
		var path string
		if path, err = (bundle.Locator{}).Path(ctx, cfg.ActorsVersion); err == nil {
			bundles, err = bundle.LoadFile(ctx, path, sel, bs)
		}
	}
	if err != nil {
		return nil, fmt.Errorf("genesis: actors v%d %s bundle: %w", cfg.ActorsVersion, cfg.Network, err)
	}
	return bundles[0].Manifest, nil
}

// build writes every actor and returns the state root: the actors genesis
// writes itself, then the miners the actors create (the VM reads and writes
// bs), then the Ethereum null account.
func (b *builder) build(bs blockstore.Blockstore) (cid.Cid, error) {
	var err error
	if b.tree, err = newStateTree(b.store, b.rel.stateTree); err != nil {
		return cid.Undef, err
	}
	if b.empty, err = b.store.Put(b.ctx, emptyArray{}); err != nil {
		return cid.Undef, err
	}
	if err := b.assignIDs(); err != nil {
		return cid.Undef, err
	}
	steps := []func() error{b.singletons, b.keyActors, b.rootKey, b.multisigs, b.reserve, b.initActor}
	for _, step := range steps {
		if err := step(); err != nil {
			return cid.Undef, err
		}
	}
	root, err := b.tree.flush()
	if err != nil {
		return cid.Undef, err
	}
	if len(b.cfg.Miners) != 0 {
		if root, err = b.createMiners(bs, root); err != nil {
			return cid.Undef, err
		}
	}
	return b.ethNull(root)
}

// assignIDs gives IDs in Lotus's order: from FirstAccountID, each key
// account (or a multisig's signers not seen yet) in Config order, then the
// default signer, then the multisigs; the root key is RootKeyID. The init
// actor's next ID is FirstMinerID: the miners take the IDs from there, then
// the Ethereum null address's EthAccount when the version has EthAccounts.
func (b *builder) assignIDs() error {
	for _, a := range b.cfg.Accounts {
		if a.Kind != Multisig {
			b.assign(a.Address)
			continue
		}
		for _, s := range a.Signers {
			b.assign(s)
		}
	}
	if root := b.cfg.VerifiedRegistryRoot; root != address.Undef {
		b.register(root, RootKeyID)
	}
	b.assign(b.defaultSigner)
	for i, a := range b.cfg.Accounts {
		if a.Kind == Multisig {
			b.msigIDs[i] = b.next
			b.next++
		}
	}
	if b.next > FirstMinerID {
		return fmt.Errorf("%w: the accounts and their signers need %d IDs, more than the %d from f0%d to f0%d", ErrBadConfig, b.next-FirstAccountID, FirstMinerID-FirstAccountID, FirstAccountID, FirstMinerID-1)
	}
	b.next = FirstMinerID
	return nil
}

// assign gives addr the next ID unless it has one.
func (b *builder) assign(addr address.Address) {
	if _, ok := b.ids[addr]; ok {
		return
	}
	b.register(addr, b.next)
	b.next++
}

func (b *builder) register(addr address.Address, id uint64) {
	b.ids[addr] = id
	b.regs = append(b.regs, registration{addr, id})
}

// singletons writes the system, reward, cron, power, market, verified
// registry, datacap, EAM and burnt-funds actors (init comes last, once every
// address is registered).
func (b *builder) singletons() error {
	sys, err := b.rel.system(b.store, b.man.Data)
	if err != nil {
		return fmt.Errorf("system actor: %w", err)
	}
	if err := b.setState(builtin.SystemActorAddr, manifest.SystemKey, sys, big.Zero()); err != nil {
		return err
	}
	if b.rewardState, err = b.rel.reward(b.store); err != nil {
		return fmt.Errorf("reward actor: %w", err)
	}
	if err := b.setState(builtin.RewardActorAddr, manifest.RewardKey, b.rewardState, InitialRewardBalance()); err != nil {
		return err
	}
	if err := b.setState(builtin.CronActorAddr, manifest.CronKey, b.rel.cron(), big.Zero()); err != nil {
		return err
	}
	if b.powerState, err = b.rel.power(b.store); err != nil {
		return fmt.Errorf("power actor: %w", err)
	}
	if err := b.setState(builtin.StoragePowerActorAddr, manifest.PowerKey, b.powerState, big.Zero()); err != nil {
		return err
	}
	if err := b.storeActor(builtin.StorageMarketActorAddr, manifest.MarketKey, b.rel.market); err != nil {
		return err
	}
	rootKey := idAddr(RootKeyID)
	verifreg, err := b.rel.verifreg(b.store, rootKey)
	if err != nil {
		return fmt.Errorf("verified registry actor: %w", err)
	}
	if err := b.setState(builtin.VerifiedRegistryActorAddr, manifest.VerifregKey, verifreg, big.Zero()); err != nil {
		return err
	}
	if b.rel.datacap != nil {
		datacap, err := b.rel.datacap(b.store, builtin.VerifiedRegistryActorAddr, builtin.DefaultTokenActorBitwidth)
		if err != nil {
			return fmt.Errorf("datacap actor: %w", err)
		}
		if err := b.setState(builtin.DatacapActorAddr, manifest.DatacapKey, datacap, big.Zero()); err != nil {
			return err
		}
	}
	if _, ok := b.man.Code(manifest.EamKey); ok {
		// The EAM keeps no state: its head is the empty array.
		if err := b.setHead(builtin.EthereumAddressManagerActorAddr, manifest.EamKey, b.empty, big.Zero(), nil); err != nil {
			return err
		}
	}
	burnt := b.rel.account(builtin.BurntFundsActorAddr)
	return b.setState(builtin.BurntFundsActorAddr, manifest.AccountKey, burnt, big.Zero())
}

func (b *builder) storeActor(addr address.Address, key string, construct func(adtStore) (cbg.CBORMarshaler, error)) error {
	st, err := construct(b.store)
	if err != nil {
		return fmt.Errorf("%s actor: %w", key, err)
	}
	return b.setState(addr, key, st, big.Zero())
}

// keyActors writes an actor for each registered key address but the root
// key: the funded accounts with their balance, the signers that are not
// accounts with none.
func (b *builder) keyActors() error {
	balances := make(map[address.Address]abi.TokenAmount)
	for _, a := range b.cfg.Accounts {
		if a.Kind != Multisig {
			balances[a.Address] = a.Balance
		}
	}
	for _, r := range b.regs {
		if r.id == RootKeyID {
			continue
		}
		bal, ok := balances[r.addr]
		if !ok {
			bal = big.Zero()
		}
		if err := b.keyActor(r.id, r.addr, bal); err != nil {
			return err
		}
	}
	return nil
}

// keyActor writes the actor of a key address: an account for f1 and f3, an
// EthAccount (with the address as its delegated address) for f410.
func (b *builder) keyActor(id uint64, key address.Address, balance abi.TokenAmount) error {
	if key.Protocol() == address.Delegated {
		if _, ok := b.man.Code(manifest.EthAccountKey); !ok {
			return fmt.Errorf("%w: %s: actors v%d have no EthAccount actor", ErrBadConfig, key, b.cfg.ActorsVersion)
		}
		// An EthAccount keeps no state: its head is the empty array.
		return b.setHead(idAddr(id), manifest.EthAccountKey, b.empty, balance, &key)
	}
	return b.setState(idAddr(id), manifest.AccountKey, b.rel.account(key), balance)
}

// rootKey writes f080: the configured key's actor, or a 1-of-1 multisig of
// the default signer.
func (b *builder) rootKey() error {
	if root := b.cfg.VerifiedRegistryRoot; root != address.Undef {
		return b.keyActor(RootKeyID, root, big.Zero())
	}
	return b.multisig(RootKeyID, []address.Address{b.defaultSigner}, 1, big.Zero())
}

// multisigs writes the configured multisigs.
func (b *builder) multisigs() error {
	for i, a := range b.cfg.Accounts {
		if a.Kind != Multisig {
			continue
		}
		if err := b.multisig(b.msigIDs[i], a.Signers, a.Threshold, a.Balance); err != nil {
			return fmt.Errorf("account %d (%s): %w", i, describe(a), err)
		}
	}
	return nil
}

func (b *builder) multisig(id uint64, signers []address.Address, threshold uint64, balance abi.TokenAmount) error {
	ids := make([]address.Address, len(signers))
	for i, s := range signers {
		ids[i] = idAddr(b.ids[s])
	}
	st, err := b.rel.multisig(b.store, multisigParams{signers: ids, threshold: threshold})
	if err != nil {
		return fmt.Errorf("multisig f0%d: %w", id, err)
	}
	return b.setState(idAddr(id), manifest.MultisigKey, st, balance)
}

// reserve writes f090, a 1-of-1 multisig of the default signer holding what
// the supply has left: the total minus the reward actor's and every other
// actor's balance.
func (b *builder) reserve() error {
	left := big.Sub(TotalFilecoin(), InitialRewardBalance())
	for _, a := range b.cfg.Accounts {
		left = big.Sub(left, a.Balance)
	}
	if left.Sign() < 0 {
		return fmt.Errorf("%w: balances exceed the total supply by %s attoFIL", ErrBadConfig, left.Neg())
	}
	return b.multisig(ReserveID, []address.Address{b.defaultSigner}, 1, left)
}

// initActor writes the init actor with every registration and the next ID.
func (b *builder) initActor() error {
	st, err := b.rel.init(b.store, b.cfg.NetworkName, b.regs, abi.ActorID(b.next))
	if err != nil {
		return fmt.Errorf("init actor: %w", err)
	}
	return b.setState(builtin.InitActorAddr, manifest.InitKey, st, big.Zero())
}

// setState stores st and writes the actor at addr with the code of key.
func (b *builder) setState(addr address.Address, key string, st cbg.CBORMarshaler, balance abi.TokenAmount) error {
	head, err := b.store.Put(b.ctx, st)
	if err != nil {
		return fmt.Errorf("%s actor state: %w", key, err)
	}
	return b.setHead(addr, key, head, balance, nil)
}

// setHead writes the actor at addr with the code of key.
func (b *builder) setHead(addr address.Address, key string, head cid.Cid, balance abi.TokenAmount, delegated *address.Address) error {
	code, ok := b.man.Code(key)
	if !ok {
		return fmt.Errorf("the bundle's manifest has no %q actor", key)
	}
	if err := b.tree.set(addr, code, head, balance, delegated); err != nil {
		return fmt.Errorf("%s actor %s: %w", key, addr, err)
	}
	return nil
}

// fillAddressMap adds regs to the address map (a HAMT of address bytes to
// actor ID) whose root is root, and returns the new root.
func fillAddressMap(s adtStore, root cid.Cid, regs []registration) (cid.Cid, error) {
	m, err := hamt.LoadNode(s.Context(), s, root, hamt.UseTreeBitWidth(hamtBitWidth),
		hamt.UseHashFunction(func(k []byte) []byte { h := sha256.Sum256(k); return h[:] }))
	if err != nil {
		return cid.Undef, fmt.Errorf("address map: %w", err)
	}
	for _, r := range regs {
		id := cbg.CborInt(r.id)
		if err := m.Set(s.Context(), string(r.addr.Bytes()), &id); err != nil {
			return cid.Undef, fmt.Errorf("address map: %s: %w", r.addr, err)
		}
	}
	return m.Write(s.Context())
}

// allocated reports what each configured account got.
func (b *builder) allocated() []Allocated {
	out := make([]Allocated, len(b.cfg.Accounts))
	for i, a := range b.cfg.Accounts {
		if a.Kind == Multisig {
			id := idAddr(b.msigIDs[i])
			out[i] = Allocated{Account: a, ID: id, Address: id}
			continue
		}
		out[i] = Allocated{Account: a, ID: idAddr(b.ids[a.Address]), Address: a.Address}
	}
	return out
}

func idAddr(id uint64) address.Address {
	a, err := address.NewIDAddress(id)
	if err != nil {
		// NewIDAddress fails only for ids above 2^63-1, which genesis never gives.
		panic(err)
	}
	return a
}
