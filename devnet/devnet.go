package devnet

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net"
	"time"

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

// Devnet is a running devnet.
type Devnet struct {
	Chain    *chain.Chain
	Wallet   *wallet.Wallet
	Accounts []Account
	Server   *rpc.Server
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
	d := &Devnet{Wallet: wallet.New(), Accounts: accounts, Config: cfg}
	for _, a := range accounts {
		d.Wallet.Add(a.Key)
	}
	if err := d.open(ctx, cfg, av); err != nil {
		d.Close(ctx)
		return nil, err
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
	if d.Chain, err = chain.Open(ctx, chain.Config{
		Store: d.store, Engine: d.engine, NetworkVersion: cfg.NetworkVersion, ChainID: cfg.ChainID,
		Genesis: genesisBuilder(av, d.Accounts), Automine: cfg.BlockTime == 0, Delegated: cfg.Delegated,
		Clock: clock.Now,
	}); err != nil {
		return err
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

func newEngine(ctx context.Context, dir string) (*fvm.Engine, error) {
	if dir == "" {
		var err error
		if dir, err = fvm.DefaultCacheDir(); err != nil {
			return nil, err
		}
	}
	return fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
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

func genesisBuilder(av int, accounts []Account) func(context.Context, blockstore.Blockstore) (cid.Cid, error) {
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
		g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: av, Accounts: gas})
		if err != nil {
			return cid.Undef, err
		}
		return g.StateRoot, nil
	}
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
	seed := cfg.Seed
	if len(seed) == 0 {
		var err error
		if seed, err = wallet.MnemonicSeed(cfg.Mnemonic, ""); err != nil {
			return nil, err
		}
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
