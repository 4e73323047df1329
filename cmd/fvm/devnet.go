package main

import (
	"context"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"syscall"
	"time"

	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	logging "github.com/ipfs/go-log/v2"
	"github.com/spf13/cobra"

	"github.com/go-fvm/go-fvm/chain/wallet"
	"github.com/go-fvm/go-fvm/devnet"
	"github.com/go-fvm/go-fvm/rpc"
)

type devnetFlags struct {
	networkVersion uint
	chainID        uint64
	accounts       int
	mnemonic       string
	seed           string
	balance        string
	blockTime      time.Duration
	dataDir        string
	inMemory       bool
	miner          bool
	listen         string
}

func newDevnetCmd() *cobra.Command {
	var f devnetFlags
	cmd := &cobra.Command{
		Use:   "devnet",
		Short: "Run a local Filecoin chain on the real builtin actors, with Lotus's JSON-RPC",
		Long: `Run a single-node Filecoin chain: genesis for a network version with funded dev
accounts, automine (each message mined at once) or interval mining, and the
Filecoin JSON-RPC v1 (Lotus's methods) over HTTP and WebSocket at /rpc/v1.

The dev keys derive from a mnemonic (Anvil's by default), so the same flags give
the same accounts. Devnet only: storage proofs are accepted unchecked.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return runDevnet(cmd, f) },
	}
	fl := cmd.Flags()
	fl.UintVar(&f.networkVersion, "network-version", 0, "network version (default: the newest the bundles support)")
	fl.Uint64Var(&f.chainID, "chain-id", devnet.DefaultChainID, "EVM chain id")
	fl.IntVar(&f.accounts, "accounts", devnet.DefaultAccounts, "Ethereum (f410) and secp256k1 (f1) accounts to fund, of each")
	fl.StringVar(&f.mnemonic, "mnemonic", wallet.DefaultMnemonic, "BIP-39 mnemonic the dev keys derive from")
	fl.StringVar(&f.seed, "seed", "", "hex BIP-32 seed to derive the dev keys from instead of the mnemonic")
	fl.StringVar(&f.balance, "balance", "10000", "each account's balance in FIL")
	fl.DurationVar(&f.blockTime, "block-time", 0, "mine a tipset every interval (e.g. 1s) instead of automining")
	fl.StringVar(&f.dataDir, "data-dir", "", "where the chain is kept (default: go-fvm/devnet in the user's data dir)")
	fl.BoolVar(&f.inMemory, "in-memory", false, "keep the chain in memory only (a throwaway chain)")
	fl.BoolVar(&f.miner, "miner", false, "create a storage miner f01000 at genesis, as Lotus devnets do: blocks name it and it gets the block reward (about 1 ms more per tipset)")
	fl.StringVar(&f.listen, "listen", "127.0.0.1:1234", "address to serve JSON-RPC on")
	cmd.AddCommand(newDevnetBenchCmd())
	return cmd
}

func (f devnetFlags) config() (devnet.Config, error) {
	cfg := devnet.Config{
		NetworkVersion: network.Version(f.networkVersion), ChainID: f.chainID, Accounts: f.accounts,
		Mnemonic: f.mnemonic, BlockTime: f.blockTime, Miner: f.miner, Version: "go-fvm devnet",
	}
	if f.accounts == 0 {
		cfg.Accounts = -1
	}
	if cfg.NetworkVersion != 0 {
		if _, err := devnet.ActorsVersion(cfg.NetworkVersion); err != nil {
			return cfg, fmt.Errorf("--network-version: %w", err)
		}
	}
	if f.seed != "" {
		seed, err := hex.DecodeString(strings.TrimPrefix(f.seed, "0x"))
		if err != nil || len(seed) < 16 || len(seed) > 64 {
			return cfg, fmt.Errorf("--seed: want 16 to 64 bytes in hex")
		}
		cfg.Seed = seed
	}
	bal, err := big.FromString(f.balance)
	if err != nil || bal.Sign() < 0 {
		return cfg, fmt.Errorf("--balance %q: want a whole number of FIL", f.balance)
	}
	cfg.Balance = big.Mul(bal, big.NewInt(1e18))
	if f.blockTime < 0 {
		return cfg, fmt.Errorf("--block-time %s: must not be negative", f.blockTime)
	}
	if !f.inMemory {
		cfg.DataDir = f.dataDir
		if cfg.DataDir == "" {
			dir, err := userDataDir()
			if err != nil {
				return cfg, fmt.Errorf("finding the user's data dir (give --data-dir or --in-memory): %w", err)
			}
			cfg.DataDir = filepath.Join(dir, "go-fvm", "devnet")
		}
	}
	return cfg, nil
}

// userDataDir is where programs keep their data: $XDG_DATA_HOME or
// ~/.local/share on Unix, Application Support on macOS, %LocalAppData% on Windows.
func userDataDir() (string, error) {
	switch runtime.GOOS {
	case "windows":
		if d := os.Getenv("LocalAppData"); d != "" {
			return d, nil
		}
		return "", errors.New("%LocalAppData% is not set")
	case "darwin":
		home, err := os.UserHomeDir()
		return filepath.Join(home, "Library", "Application Support"), err
	}
	if d := os.Getenv("XDG_DATA_HOME"); d != "" {
		return d, nil
	}
	home, err := os.UserHomeDir()
	return filepath.Join(home, ".local", "share"), err
}

func runDevnet(cmd *cobra.Command, f devnetFlags) error {
	start := time.Now()
	// go-jsonrpc logs every error it returns to a client; the client sees them.
	_ = logging.SetLogLevel("rpc", "fatal")
	cfg, err := f.config()
	if err != nil {
		return err
	}
	ctx, stop := signal.NotifyContext(cmd.Context(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	out := cmd.OutOrStdout()
	if cfg.DataDir != "" {
		if err := os.MkdirAll(cfg.DataDir, 0o755); err != nil {
			return fmt.Errorf("--data-dir: %w", err)
		}
	}
	l, err := net.Listen("tcp", f.listen)
	if err != nil {
		return fmt.Errorf("--listen %s: %w", f.listen, err)
	}
	d, err := devnet.Open(ctx, cfg)
	if err != nil {
		l.Close()
		return err
	}
	defer d.Close(context.Background())
	printBanner(out, d, f, l.Addr().String(), time.Since(start))
	go func() {
		if err := d.Precompile(ctx, compileProgress(cmd.ErrOrStderr())); err != nil && ctx.Err() == nil {
			fmt.Fprintln(cmd.ErrOrStderr(), "fvm: compiling the builtin actors:", err)
		}
	}()
	if err := d.Serve(ctx, l); err != nil {
		return err
	}
	fmt.Fprintln(out, "\nstopped at height", d.Chain.Head().Height)
	return nil
}

// compileProgress shows the actors compiling in the background, which takes
// seconds each on a cold compile cache (a warm one loads them all in well
// under a second, and then nothing is shown).
func compileProgress(w io.Writer) func(done, total int, name string) {
	start := time.Now()
	shown := false
	return func(done, total int, name string) {
		if !shown && time.Since(start) < 2*time.Second {
			return
		}
		shown = true
		fmt.Fprintf(w, "\rcompiling builtin actors (first run only; until then messages run their actors interpreted): %d/%d %-20s", done, total, name)
		if done == total {
			fmt.Fprintf(w, "\ncompiled the builtin actors in %s\n", time.Since(start).Round(time.Second))
		}
	}
}

func printBanner(w io.Writer, d *devnet.Devnet, f devnetFlags, addr string, ready time.Duration) {
	cfg := d.Config
	av, _ := devnet.ActorsVersion(cfg.NetworkVersion)
	fmt.Fprintf(w, "go-fvm devnet: Filecoin network version %d (builtin actors v%d), chain id %d\n\n", cfg.NetworkVersion, av, cfg.ChainID)
	fmt.Fprintln(w, "Available Accounts\n==================")
	for i, a := range d.Accounts {
		eth := ""
		if e, ok := a.Key.EthAddress(); ok {
			eth = "  " + e.String()
		}
		fmt.Fprintf(w, "(%d) %s%s (%s FIL)\n", i, a.Key.Address, eth, big.Div(a.Balance, big.NewInt(1e18)))
	}
	fmt.Fprintln(w, "\nPrivate Keys\n==================")
	for i, a := range d.Accounts {
		fmt.Fprintf(w, "(%d) 0x%x\n", i, a.Key.Private)
	}
	if len(cfg.Seed) == 0 && len(d.Accounts) > 0 {
		fmt.Fprintf(w, "\nMnemonic:          %s\nDerivation paths:  %s (f410), %s (f1)\n", cfg.Mnemonic,
			strings.ReplaceAll(wallet.EthPath, "%d", "{i}"), strings.ReplaceAll(wallet.FilecoinPath, "%d", "{i}"))
	}
	where := "in memory"
	if cfg.DataDir != "" {
		where = cfg.DataDir
	}
	mining := "automine"
	if cfg.BlockTime > 0 {
		mining = "a tipset every " + cfg.BlockTime.String()
	}
	fmt.Fprintf(w, "\nChain:    %s, head at height %d\nMining:   %s\n", where, d.Chain.Head().Height, mining)
	if d.Miner.Owner != nil {
		fmt.Fprintf(w, "Miner:    %s (owner and worker %s)\n", d.Miner.ID, d.Miner.Owner.Address)
	}
	fmt.Fprintf(w, "Listening on http://%s%s (ready in %s)\n", addr, rpc.Path, ready.Round(time.Millisecond))
	fmt.Fprintf(w, "Ethereum JSON-RPC on the same port (http://%s, ws://%s%s), chain id %d\n", addr, addr, rpc.Path, d.Chain.ChainID())
}
