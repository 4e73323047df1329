package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/ethtx"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/rpc"
	"github.com/go-fvm/go-fvm/rpc/eth"
)

// DefaultChainID is the EVM chain id of Lotus devnets.
const DefaultChainID = 31415926

// DefaultAccounts is how many accounts of each kind are funded.
const DefaultAccounts = 10

// DefaultBalance is each dev account's balance, 10,000 FIL.
var DefaultBalance = big.Mul(big.NewInt(10_000), big.NewInt(1e18))

// MinerOwnerBalance is the balance genesis gives the miner's owner before
// the owner pays the miner creation deposit (FIP-0077, actors v17 on):
// 10,000 FIL.
var MinerOwnerBalance = big.Mul(big.NewInt(10_000), big.NewInt(1e18))

// ErrConfig is returned (wrapped) for a configuration the devnet cannot run.
var ErrConfig = errors.New("devnet: bad config")

// Config says what devnet to run.
type Config struct {
	// NetworkVersion is the chain's network version; 0 means DefaultNetworkVersion.
	NetworkVersion network.Version
	// ChainID is the EVM chain id; 0 means DefaultChainID.
	ChainID uint64
	// Accounts is how many Ethereum (f410) and how many secp256k1 (f1)
	// accounts genesis funds; negative means none, 0 means DefaultAccounts.
	Accounts int
	// Mnemonic is the BIP-39 mnemonic the dev keys derive from; "" means
	// wallet.DefaultMnemonic. Seed, when set, is used instead.
	Mnemonic string
	// Seed is a BIP-32 seed to derive the dev keys from.
	Seed []byte
	// Balance is each account's balance; nil means DefaultBalance.
	Balance abi.TokenAmount
	// DataDir keeps the chain; "" keeps it in memory (a throwaway chain).
	DataDir string
	// BlockTime, when set, mines a tipset every BlockTime instead of automining.
	BlockTime time.Duration
	// Miner makes a new chain's genesis create a storage miner, f01000, as a
	// Lotus devnet's does; its blocks then name it and the reward actor pays
	// it the block reward, which costs about 1 ms per tipset (the miner
	// actor's ApplyRewards), so it is off by default. A chain continued from
	// DataDir keeps what its genesis has, whatever Miner says.
	Miner bool
	// Engine runs the actors; nil makes one caching compiled code in CacheDir.
	Engine *fvm.Engine
	// CacheDir is where a new Engine keeps compiled actors; "" means fvm.DefaultCacheDir.
	CacheDir string
	// Delegated checks f410 senders' signatures; nil means the Ethereum
	// codec's, ethtx.Authenticate.
	Delegated chain.DelegatedAuthenticator
	// EthSigning is what f410 keys sign for a message; nil means
	// ethtx.SigningBytes.
	EthSigning wallet.SigningBytes
	// Version is reported by Filecoin.Version.
	Version string
}

// Account is a funded dev account.
type Account struct {
	Key *wallet.Key
	// Path is the key's derivation path ("" for a raw seed's keys).
	Path    string
	Balance abi.TokenAmount
}

// Miner is the devnet's storage miner (Config.Miner), f01000 as on a Lotus
// devnet: genesis creates it (no sectors, no power), every block names it
// and the reward actor pays it the block reward.
type Miner struct {
	// ID is the miner actor's address, f01000 (genesis.FirstMinerID).
	ID address.Address
	// Owner is the miner's owner and worker: a BLS key derived along
	// wallet.BLSPath (index 0) from the dev keys' seed, funded at genesis
	// with MinerOwnerBalance (less the miner creation deposit).
	Owner *wallet.Key
}

// Devnet is a running devnet.
type Devnet struct {
	Chain    *chain.Chain
	Wallet   *wallet.Wallet
	Accounts []Account
	// Miner is the storage miner blocks name. It is the zero Miner (no ID,
	// no Owner) for a chain whose genesis has none, whose blocks name
	// chain.BurntFundsActor.
	Miner  Miner
	Server *rpc.Server
	// Eth is the Ethereum JSON-RPC API, served on Server with the Filecoin one.
	Eth    *eth.Service
	Config Config

	store     *chain.Store
	engine    *fvm.Engine
	ownEngine bool
}

// Open starts (or, with a DataDir holding one, continues) a devnet.
func Open(ctx context.Context, cfg Config) (*Devnet, error) {
	cfg, err := withDefaults(cfg)
	if err != nil {
		return nil, err
	}
	av, err := ActorsVersion(cfg.NetworkVersion)
	if err != nil {
		return nil, err
	}
	accounts, err := devAccounts(cfg)
	if err != nil {
		return nil, err
	}
	miner, err := devMiner(cfg)
	if err != nil {
		return nil, err
	}
	d := &Devnet{Wallet: wallet.New(), Accounts: accounts, Miner: miner, Config: cfg}
	for _, a := range accounts {
		d.Wallet.Add(a.Key)
	}
	if err := d.open(ctx, cfg, av); err != nil {
		d.Close(ctx)
		return nil, err
	}
	if d.Miner.Owner != nil {
		d.Wallet.Add(d.Miner.Owner)
	}
	return d, nil
}

func withDefaults(cfg Config) (Config, error) {
	if cfg.NetworkVersion == 0 {
		nv, err := DefaultNetworkVersion()
		if err != nil {
			return cfg, err
		}
		cfg.NetworkVersion = nv
	}
	if cfg.ChainID == 0 {
		cfg.ChainID = DefaultChainID
	}
	if cfg.Accounts == 0 {
		cfg.Accounts = DefaultAccounts
	}
	if cfg.Balance.Int == nil {
		cfg.Balance = DefaultBalance
	}
	if cfg.Mnemonic == "" {
		cfg.Mnemonic = wallet.DefaultMnemonic
	}
	if cfg.Version == "" {
		cfg.Version = "go-fvm devnet"
	}
	if cfg.Delegated == nil {
		cfg.Delegated = ethtx.Authenticate
	}
	if cfg.EthSigning == nil {
		cfg.EthSigning = ethtx.SigningBytes
	}
	return cfg, nil
}

func (d *Devnet) open(ctx context.Context, cfg Config, av int) error {
	var err error
	if d.engine = cfg.Engine; d.engine == nil {
		if d.engine, err = newEngine(ctx, cfg.CacheDir); err != nil {
			return err
		}
		d.ownEngine = true
	}
	if d.store, err = chain.OpenStore(cfg.DataDir); err != nil {
		return err
	}
	clock := eth.NewClock(nil)
	var owner address.Address
	if cfg.Miner {
		owner = d.Miner.Owner.Address
	}
	chainCfg := chain.Config{
		Store: d.store, Engine: d.engine, NetworkVersion: cfg.NetworkVersion, ChainID: cfg.ChainID,
		Genesis: genesisBuilder(av, d.Accounts, owner, d.engine), Automine: cfg.BlockTime == 0, Delegated: cfg.Delegated,
		Clock: clock.Now,
	}
	if cfg.Miner {
		chainCfg.Miner = d.Miner.ID
	}
	if d.Chain, err = chain.Open(ctx, chainCfg); err != nil {
		return err
	}
	hasMiner, err := d.genesisHasMiner(ctx)
	if err != nil {
		return err
	}
	if hasMiner != cfg.Miner {
		// A chain continued from DataDir keeps its genesis's choice.
		d.Chain.Close()
		chainCfg.Miner = address.Undef
		if hasMiner {
			chainCfg.Miner = d.Miner.ID
		}
		if d.Chain, err = chain.Open(ctx, chainCfg); err != nil {
			return err
		}
	}
	if !hasMiner {
		d.Miner = Miner{}
	}
	if err := d.loadKeys(); err != nil {
		return err
	}
	d.Server = rpc.NewServer(eth.ServerOptions()...)
	d.Server.Register("Filecoin", rpc.NewFilecoinAPI(rpc.Config{
		Chain: d.Chain, Wallet: d.Wallet, Keys: d.saveKey, EthSigning: cfg.EthSigning,
		Version: cfg.Version, BlockDelay: cfg.BlockTime,
	}))
	d.Server.Register("Devnet", rpc.NewDevnetAPI(d.Chain))
	if d.Eth, err = eth.New(eth.Config{Chain: d.Chain, Wallet: d.Wallet, Clock: clock, ClientVersion: cfg.Version}); err != nil {
		return err
	}
	d.Eth.Register(d.Server.Register, d.Server.Alias)
	return nil
}

// genesisHasMiner reports whether the chain's genesis state holds a storage
// miner at f01000.
func (d *Devnet) genesisHasMiner(ctx context.Context) (bool, error) {
	vm, err := d.Chain.VMAt(ctx, d.Chain.Genesis(), false)
	if err != nil {
		return false, err
	}
	defer vm.Close(ctx)
	_, act, err := vm.Actor(ctx, minerID)
	if errors.Is(err, fvm.ErrActorNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	return vm.ActorKind(act.Code) == "storageminer", nil
}

// newEngine makes the devnet's engine over the compile cache in dir. It
// interprets actors until they are compiled: on a cold cache the first
// deployment would otherwise wait seconds for the EVM actor to compile
// (behind Precompile), where interpreted it is done in about one.
func newEngine(ctx context.Context, dir string) (*fvm.Engine, error) {
	if dir == "" {
		var err error
		if dir, err = fvm.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	return fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir, InterpretWhileCompiling: true})
}

// Precompile compiles (or loads from the engine's cache) every actor of the
// chain's bundle now, rather than on each actor's first call, reporting each
// to progress (which may be nil). It may run while the devnet serves: actors
// a message needs before then are loaded on demand.
func (d *Devnet) Precompile(ctx context.Context, progress func(done, total int, name string)) error {
	av, err := ActorsVersion(d.Config.NetworkVersion)
	if err != nil {
		return err
	}
	root, err := bundle.KnownManifest(av, "mainnet")
	if err != nil {
		return err
	}
	return d.engine.Precompile(ctx, d.Chain.Blockstore(), root, progress)
}

// genesisBuilder builds the devnet's genesis: the dev accounts, then, when
// owner is defined, the miner's owner (a BLS account) and the miner, f01000.
func genesisBuilder(av int, accounts []Account, owner address.Address, engine *fvm.Engine) func(context.Context, blockstore.Blockstore) (cid.Cid, error) {
	return func(ctx context.Context, bs blockstore.Blockstore) (cid.Cid, error) {
		var gas []genesis.Account
		for _, a := range accounts {
			kind := genesis.Secp256k1
			switch a.Key.Type {
			case wallet.Delegated:
				kind = genesis.Ethereum
			case wallet.BLS:
				kind = genesis.BLS
			}
			gas = append(gas, genesis.Account{Kind: kind, Address: a.Key.Address, Balance: a.Balance})
		}
		gcfg := genesis.Config{ActorsVersion: av, Accounts: gas, Engine: engine}
		if owner != address.Undef {
			gcfg.Accounts = append(gcfg.Accounts, genesis.Account{Kind: genesis.BLS, Address: owner, Balance: MinerOwnerBalance})
			// The devnet runs the mainnet bundle (see Precompile), whose
			// miner actor takes 32 and 64 GiB sectors only: the default size.
			gcfg.Miners = []genesis.Miner{{Owner: owner, Worker: owner}}
		}
		g, err := genesis.Build(ctx, bs, gcfg)
		if err != nil {
			return cid.Undef, err
		}
		if owner != address.Undef && (len(g.Miners) != 1 || g.Miners[0].ID != minerID) {
			return cid.Undef, fmt.Errorf("genesis made miners %v, want %s", g.Miners, minerID)
		}
		return g.StateRoot, nil
	}
}

// minerID is the devnet miner's address, f01000 (an ID address cannot fail).
var minerID, _ = address.NewIDAddress(genesis.FirstMinerID)

// devMiner derives the miner's owner key (wallet.BLSPath, index 0) from
// the dev keys' seed.
func devMiner(cfg Config) (Miner, error) {
	seed, err := devSeed(cfg)
	if err != nil {
		return Miner{}, err
	}
	k, err := wallet.DeriveBLS(seed, fmt.Sprintf(wallet.BLSPath, 0))
	if err != nil {
		return Miner{}, fmt.Errorf("the miner's key: %w", err)
	}
	return Miner{ID: minerID, Owner: k}, nil
}

// devSeed is Config.Seed, or else the mnemonic's seed.
func devSeed(cfg Config) ([]byte, error) {
	if len(cfg.Seed) > 0 {
		return cfg.Seed, nil
	}
	return wallet.MnemonicSeed(cfg.Mnemonic, "")
}

// devAccounts derives the dev keys: Ethereum accounts along EthPath, then
// secp256k1 ones along FilecoinPath.
func devAccounts(cfg Config) ([]Account, error) {
	if cfg.Accounts < 0 {
		return nil, nil
	}
	if cfg.Accounts > 1000 {
		return nil, fmt.Errorf("%w: %d accounts of each kind, at most 1000", ErrConfig, cfg.Accounts)
	}
	seed, err := devSeed(cfg)
	if err != nil {
		return nil, err
	}
	var out []Account
	for _, kind := range []struct {
		typ  wallet.KeyType
		path string
	}{{wallet.Delegated, wallet.EthPath}, {wallet.Secp256k1, wallet.FilecoinPath}} {
		for i := range cfg.Accounts {
			path := fmt.Sprintf(kind.path, i)
			priv, err := wallet.Derive(seed, path)
			if err != nil {
				return nil, err
			}
			k, err := wallet.NewKey(kind.typ, priv)
			if err != nil {
				return nil, err
			}
			out = append(out, Account{Key: k, Path: path, Balance: cfg.Balance})
		}
	}
	return out, nil
}

// storedKey is a key WalletNew made, as the store keeps it.
type storedKey struct {
	Type    wallet.KeyType
	Private []byte
}

const keyPrefix = "wallet/"

func (d *Devnet) saveKey(k *wallet.Key) error {
	b, err := json.Marshal(storedKey{Type: k.Type, Private: k.Private})
	if err != nil {
		return err
	}
	return d.store.SetValue(keyPrefix+k.Address.String(), b)
}

func (d *Devnet) loadKeys() error {
	vals, err := d.store.Values(keyPrefix)
	if err != nil {
		return err
	}
	for name, v := range vals {
		var sk storedKey
		if err := json.Unmarshal(v, &sk); err != nil {
			return fmt.Errorf("stored key %s: %w", name, err)
		}
		k, err := wallet.NewKey(sk.Type, sk.Private)
		if err != nil {
			return fmt.Errorf("stored key %s: %w", name, err)
		}
		d.Wallet.Add(k)
	}
	return nil
}

// Serve serves JSON-RPC on l (and, with a BlockTime, mines) until ctx ends.
func (d *Devnet) Serve(ctx context.Context, l net.Listener) error {
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	errs := make(chan error, 2)
	go func() { errs <- d.Server.Serve(ctx, l) }()
	if d.Config.BlockTime > 0 {
		go func() { errs <- d.Chain.RunInterval(ctx, d.Config.BlockTime) }()
	} else {
		errs <- nil
	}
	var first error
	for range 2 {
		if err := <-errs; err != nil && first == nil {
			first = err
			cancel()
		}
	}
	return first
}

// Close stops the chain and closes the store (and the engine, if Open made it).
func (d *Devnet) Close(ctx context.Context) error {
	var errs []error
	if d.Eth != nil {
		d.Eth.Close()
	}
	if d.Chain != nil {
		errs = append(errs, d.Chain.Close())
	}
	if d.store != nil {
		errs = append(errs, d.store.Close())
	}
	if d.ownEngine && d.engine != nil {
		errs = append(errs, d.engine.Close(ctx))
	}
	return errors.Join(errs...)
}
