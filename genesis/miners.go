package genesis

import (
	"bytes"
	"errors"
	"fmt"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/filecoin-project/go-state-types/manifest"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// sealProofs maps each sector size to its seal proof type (the V1_1 ones,
// which every actors version from v8 takes); the miner's window PoSt
// proof type follows from it and the network version.
var sealProofs = map[abi.SectorSize]abi.RegisteredSealProof{
	2 << 10:   abi.RegisteredSealProof_StackedDrg2KiBV1_1,
	8 << 20:   abi.RegisteredSealProof_StackedDrg8MiBV1_1,
	512 << 20: abi.RegisteredSealProof_StackedDrg512MiBV1_1,
	32 << 30:  abi.RegisteredSealProof_StackedDrg32GiBV1_1,
	64 << 30:  abi.RegisteredSealProof_StackedDrg64GiBV1_1,
}

// sealProof returns the seal proof type of a sector size.
func sealProof(size abi.SectorSize) (abi.RegisteredSealProof, error) {
	p, ok := sealProofs[size]
	if !ok {
		return 0, fmt.Errorf("sector size %d (%s) has no proof type; want 2 KiB, 8 MiB, 512 MiB, 32 GiB or 64 GiB", uint64(size), size.ShortString())
	}
	return p, nil
}

// windowPoStProof returns the window PoSt proof type a miner of size
// declares at network version nv: the V1 types before nv19, the V1_1 ones
// (FIP-0061) from nv19, as Lotus chooses them.
func windowPoStProof(size abi.SectorSize, nv network.Version) (abi.RegisteredPoStProof, error) {
	p, err := sealProof(size)
	if err != nil {
		return 0, err
	}
	return p.RegisteredWindowPoStProofByNetworkVersion(nv)
}

// createMinerGasLimit is the gas limit of each CreateMiner message, as
// Lotus's genesis gives its implicit messages.
const createMinerGasLimit = 1_000_000_000_000_000

// createMiners runs the power actor's CreateMiner for each Config miner on
// the state at root, as implicit messages from its owner at epoch 0 (as
// Lotus's SetupStorageMiners does), and returns the new root. The miner
// actors are the actors' own: the power actor has the init actor construct
// each. The first network version of the actors version runs them.
func (b *builder) createMiners(bs blockstore.Blockstore, root cid.Cid) (cid.Cid, error) {
	nvs := bundle.NetworkVersionsFor(b.cfg.ActorsVersion)
	if len(nvs) == 0 {
		return cid.Undef, fmt.Errorf("miners: no network version runs actors v%d", b.cfg.ActorsVersion)
	}
	vm, err := fvm.New(b.ctx, fvm.Config{
		NetworkVersion: nvs[0], BaseFee: big.Zero(), CircSupply: big.Zero(),
		StateRoot: root, Blockstore: bs, Externs: externs.Synthetic{}, Engine: b.cfg.Engine,
	})
	if err != nil {
		return cid.Undef, fmt.Errorf("miners: %w", err)
	}
	b.miners = make([]CreatedMiner, len(b.cfg.Miners))
	for i, m := range b.cfg.Miners {
		created, err := b.createMiner(vm, nvs[0], m)
		if err != nil {
			return cid.Undef, errors.Join(fmt.Errorf("miner %d (owner %s, worker %s): %w", i, m.Owner, m.Worker, err), vm.Close(b.ctx))
		}
		if want := idAddr(FirstMinerID + uint64(i)); created.ID != want {
			return cid.Undef, errors.Join(fmt.Errorf("miner %d: the init actor gave it %s, want %s", i, created.ID, want), vm.Close(b.ctx))
		}
		b.miners[i] = created
	}
	root, err = vm.Flush(b.ctx)
	return root, errors.Join(err, vm.Close(b.ctx))
}

// createMiner applies one miner's CreateMiner. The actors refusing it (a
// sector size the bundle's network does not take, say) is a bad config.
func (b *builder) createMiner(vm *fvm.VM, nv network.Version, m Miner) (CreatedMiner, error) {
	post, err := windowPoStProof(m.SectorSize, nv)
	if err != nil {
		return CreatedMiner{}, fmt.Errorf("%w: %w", ErrBadConfig, err)
	}
	deposit, err := b.minerDeposit(vm, m)
	if err != nil {
		return CreatedMiner{}, err
	}
	var params bytes.Buffer
	if err := b.rel.createMinerParams(createMinerArgs{owner: m.Owner, worker: m.Worker, post: post, peer: m.PeerID}).MarshalCBOR(&params); err != nil {
		return CreatedMiner{}, err
	}
	ret, err := vm.ApplyImplicitMessage(b.ctx, &message.Message{
		From: m.Owner, To: builtin.StoragePowerActorAddr, Method: builtin.MethodsPower.CreateMiner,
		Params: params.Bytes(), Value: deposit,
		GasLimit: createMinerGasLimit, GasFeeCap: big.Zero(), GasPremium: big.Zero(),
	})
	if err != nil {
		return CreatedMiner{}, fmt.Errorf("CreateMiner: %w", err)
	}
	if code := ret.Receipt.ExitCode; code != exitcode.Ok {
		return CreatedMiner{}, fmt.Errorf("%w: the power actor's CreateMiner (window PoSt proof %d) exited %d (%s): %s", ErrBadConfig, post, code, code, ret.FailureInfo)
	}
	id, robust, err := b.rel.createMinerReturn(ret.Receipt.Return)
	if err != nil {
		return CreatedMiner{}, fmt.Errorf("CreateMiner return: %w", err)
	}
	return CreatedMiner{Miner: m, ID: id, Robust: robust}, nil
}

// minerDeposit is what m's owner sends with CreateMiner: the deposit the
// new miner locks from actors v17 (FIP-0077, the actor's own figure, as
// Lotus sends one), nothing before. The owner must hold it.
func (b *builder) minerDeposit(vm *fvm.VM, m Miner) (abi.TokenAmount, error) {
	if b.rel.minerDeposit == nil {
		return big.Zero(), nil
	}
	deposit, err := b.rel.minerDeposit(b.rewardState, b.powerState)
	if err != nil {
		return abi.TokenAmount{}, err
	}
	held, err := vm.Balance(b.ctx, m.Owner)
	if err != nil {
		return abi.TokenAmount{}, err
	}
	if held.LessThan(deposit) {
		return abi.TokenAmount{}, fmt.Errorf("%w: the owner holds %s, less than the miner creation deposit of %s (FIP-0077, actors v17 on)", ErrBadConfig, filString(held), filString(deposit))
	}
	return deposit, nil
}

// ethNull gives the Ethereum null address an EthAccount with no balance,
// as Lotus's genesis does last (after its miners), when the version has
// EthAccounts: it takes the init actor's next ID, registered in the init
// actor's address map. It returns the new root.
func (b *builder) ethNull(root cid.Cid) (cid.Cid, error) {
	if _, ok := b.man.Code(manifest.EthAccountKey); !ok {
		return root, nil
	}
	addr, err := address.NewDelegatedAddress(eamNamespace, ethNullAddress)
	if err != nil {
		return cid.Undef, err
	}
	if b.tree, err = loadStateTree(b.store, root, b.rel.stateTree); err != nil {
		return cid.Undef, err
	}
	head, err := b.tree.head(builtin.InitActorAddr)
	if err != nil {
		return cid.Undef, fmt.Errorf("init actor: %w", err)
	}
	st, id, err := b.rel.initRegister(b.store, head, addr)
	if err != nil {
		return cid.Undef, fmt.Errorf("init actor: %w", err)
	}
	if err := b.setState(builtin.InitActorAddr, manifest.InitKey, st, big.Zero()); err != nil {
		return cid.Undef, err
	}
	if err := b.keyActor(uint64(id), addr, big.Zero()); err != nil {
		return cid.Undef, err
	}
	return b.tree.flush()
}
