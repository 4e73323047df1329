package genesis

import (
	"bytes"
	"fmt"
	"slices"
	"strings"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/multiformats/go-varint"

	"github.com/go-fvm/go-fvm/bundle"
)

// eamNamespace is the Ethereum Address Manager's actor ID: the namespace of
// f410 addresses.
const eamNamespace = 10

// ethAddressLen is the length of an Ethereum address.
const ethAddressLen = 20

// maskedIDPrefix starts an Ethereum address that stands for an actor ID
// (0xff, eleven zero bytes, then the ID): never an f410 account's.
var maskedIDPrefix = append([]byte{0xff}, make([]byte, 11)...)

// ethNullAddress is the Ethereum zero address, which Lotus's genesis gives an
// EthAccount of its own.
var ethNullAddress = make([]byte, ethAddressLen)

// checked returns cfg with its defaults filled in and the release of its
// actors version, or the first problem found.
func (cfg Config) checked() (Config, release, error) {
	var err error
	rel, ok := releases[cfg.ActorsVersion]
	if !ok {
		return cfg, release{}, fmt.Errorf("%w: actors version %d is not supported (supported: %v)", ErrBadConfig, cfg.ActorsVersion, Versions())
	}
	if cfg.Network == "" {
		cfg.Network = "mainnet"
	}
	if cfg.NetworkName == "" {
		cfg.NetworkName = "devnet"
	}
	if slices.Contains(bundle.Versions(), cfg.ActorsVersion) && !slices.Contains(bundle.Networks(cfg.ActorsVersion), cfg.Network) {
		return cfg, release{}, fmt.Errorf("%w: actors v%d has no %q bundle (networks: %v)", ErrBadConfig, cfg.ActorsVersion, cfg.Network, bundle.Networks(cfg.ActorsVersion))
	}
	cfg.Accounts = slices.Clone(cfg.Accounts)
	for i := range cfg.Accounts {
		if cfg.Accounts[i].Balance.Nil() {
			cfg.Accounts[i].Balance = big.Zero()
		}
		if err := checkAccount(cfg.Accounts[i]); err != nil {
			return cfg, release{}, fmt.Errorf("%w: account %d (%s): %w", ErrBadConfig, i, describe(cfg.Accounts[i]), err)
		}
	}
	if err := checkUnique(cfg.Accounts); err != nil {
		return cfg, release{}, err
	}
	if err := checkRoot(cfg); err != nil {
		return cfg, release{}, err
	}
	if err := checkTotal(cfg.Accounts); err != nil {
		return cfg, release{}, err
	}
	if cfg.Miners, err = checkMiners(cfg.Accounts, cfg.Miners); err != nil {
		return cfg, release{}, err
	}
	return cfg, rel, nil
}

// describe names an account in errors.
func describe(a Account) string {
	if a.Kind == Multisig {
		return fmt.Sprintf("%s %d-of-%d", a.Kind, a.Threshold, len(a.Signers))
	}
	return fmt.Sprintf("%s %s", a.Kind, a.Address)
}

func checkAccount(a Account) error {
	if a.Balance.Sign() < 0 {
		return fmt.Errorf("negative balance %s", filString(a.Balance))
	}
	switch a.Kind {
	case Secp256k1, BLS, Ethereum:
		if len(a.Signers) != 0 || a.Threshold != 0 {
			return fmt.Errorf("signers and threshold are for a multisig")
		}
		return checkKey(a.Kind, a.Address)
	case Multisig:
		return checkMultisig(a)
	default:
		return fmt.Errorf("unknown kind %d", int(a.Kind))
	}
}

// checkKey checks that addr is a key address of kind.
func checkKey(kind AccountKind, addr address.Address) error {
	if addr == address.Undef {
		return fmt.Errorf("no address")
	}
	want := map[AccountKind]address.Protocol{Secp256k1: address.SECP256K1, BLS: address.BLS, Ethereum: address.Delegated}[kind]
	if addr.Protocol() != want {
		return fmt.Errorf("an f%d address; kind %s needs an f%d address", addr.Protocol(), kind, want)
	}
	if kind == Ethereum {
		return checkEthereum(addr)
	}
	return nil
}

// checkEthereum checks that addr is an f410 address of a 20-byte Ethereum
// address that does not stand for an actor ID.
func checkEthereum(addr address.Address) error {
	ns, sub, err := delegated(addr)
	if err != nil {
		return fmt.Errorf("address %s: %w", addr, err)
	}
	switch {
	case ns != eamNamespace:
		return fmt.Errorf("address %s is in namespace f0%d, not the Ethereum Address Manager's f0%d", addr, ns, eamNamespace)
	case len(sub) != ethAddressLen:
		return fmt.Errorf("address %s holds %d bytes, an Ethereum address has %d", addr, len(sub), ethAddressLen)
	case bytes.HasPrefix(sub, maskedIDPrefix):
		return fmt.Errorf("address %s is a masked actor ID (0xff00…), not an account's address", addr)
	case bytes.Equal(sub, ethNullAddress):
		return fmt.Errorf("address %s is the Ethereum null address, which genesis gives an EthAccount of its own", addr)
	}
	return nil
}

// delegated splits an f4 address into its namespace and subaddress.
func delegated(addr address.Address) (uint64, []byte, error) {
	payload := addr.Payload()
	ns, n, err := varint.FromUvarint(payload)
	if err != nil {
		return 0, nil, fmt.Errorf("namespace: %w", err)
	}
	return ns, payload[n:], nil
}

func checkMultisig(a Account) error {
	if a.Address != address.Undef {
		return fmt.Errorf("a multisig takes no address (got %s); genesis gives it an ID", a.Address)
	}
	if len(a.Signers) == 0 {
		return fmt.Errorf("no signers")
	}
	if a.Threshold == 0 || a.Threshold > uint64(len(a.Signers)) {
		return fmt.Errorf("threshold %d, must be from 1 to the %d signers", a.Threshold, len(a.Signers))
	}
	for j, s := range a.Signers {
		if err := checkSigner(s); err != nil {
			return fmt.Errorf("signer %d: %w", j, err)
		}
		if slices.Contains(a.Signers[:j], s) {
			return fmt.Errorf("signer %d: %s appears twice", j, s)
		}
	}
	return nil
}

// checkSigner checks a multisig signer or root key: an f1, f3 or f410 key.
func checkSigner(addr address.Address) error {
	switch addr.Protocol() {
	case address.SECP256K1:
		return checkKey(Secp256k1, addr)
	case address.BLS:
		return checkKey(BLS, addr)
	case address.Delegated:
		return checkKey(Ethereum, addr)
	default:
		return fmt.Errorf("%s is not an f1, f3 or f410 address", addr)
	}
}

// checkUnique refuses an address funded twice.
func checkUnique(accounts []Account) error {
	first := make(map[address.Address]int)
	for i, a := range accounts {
		if a.Kind == Multisig {
			continue
		}
		if j, dup := first[a.Address]; dup {
			return fmt.Errorf("%w: account %d (%s): duplicate address, account %d has it too", ErrBadConfig, i, describe(a), j)
		}
		first[a.Address] = i
	}
	return nil
}

// checkRoot checks Config.VerifiedRegistryRoot: a key of its own.
func checkRoot(cfg Config) error {
	root := cfg.VerifiedRegistryRoot
	if root == address.Undef {
		return nil
	}
	if err := checkSigner(root); err != nil {
		return fmt.Errorf("%w: VerifiedRegistryRoot: %w", ErrBadConfig, err)
	}
	for i, a := range cfg.Accounts {
		if a.Address == root || slices.Contains(a.Signers, root) {
			return fmt.Errorf("%w: VerifiedRegistryRoot %s is also account %d (%s); the root key gets an actor of its own at f0%d", ErrBadConfig, root, i, describe(a), RootKeyID)
		}
	}
	return nil
}

// checkTotal refuses accounts that, with the reward actor's balance, hold
// more than the total supply.
func checkTotal(accounts []Account) error {
	sum := big.Zero()
	for _, a := range accounts {
		sum = big.Add(sum, a.Balance)
	}
	avail := big.Sub(TotalFilecoin(), InitialRewardBalance())
	if sum.GreaterThan(avail) {
		return fmt.Errorf("%w: the accounts hold %s, more than the %s that the supply of %s leaves after the reward actor's %s",
			ErrBadConfig, filString(sum), filString(avail), filString(TotalFilecoin()), filString(InitialRewardBalance()))
	}
	return nil
}

// filString writes an attoFIL amount in FIL, with as many decimals as it needs.
func filString(atto big.Int) string {
	const decimals = 18
	digits := atto.Abs().String()
	if len(digits) <= decimals {
		digits = strings.Repeat("0", decimals-len(digits)+1) + digits
	}
	whole, frac := digits[:len(digits)-decimals], strings.TrimRight(digits[len(digits)-decimals:], "0")
	sign := ""
	if atto.Sign() < 0 {
		sign = "-"
	}
	if frac == "" {
		return sign + whole + " FIL"
	}
	return sign + whole + "." + frac + " FIL"
}

// maxPeerIDLen is the longest peer ID the miner actor takes (builtin-actors'
// MAX_PEER_ID_LENGTH).
const maxPeerIDLen = 128

// checkMiners returns miners with their defaults filled in, or the first
// problem: an owner that is not an account, a worker that is not a BLS
// account, a sector size with no proof type, a peer ID too long or taken.
func checkMiners(accounts []Account, miners []Miner) ([]Miner, error) {
	kinds := make(map[address.Address]AccountKind)
	for _, a := range accounts {
		if a.Kind != Multisig {
			kinds[a.Address] = a.Kind
		}
	}
	miners = slices.Clone(miners)
	for i := range miners {
		m := &miners[i]
		if m.SectorSize == 0 {
			m.SectorSize = DefaultSectorSize
		}
		if err := checkMiner(kinds, *m); err != nil {
			return nil, fmt.Errorf("%w: miner %d (owner %s, worker %s): %w", ErrBadConfig, i, m.Owner, m.Worker, err)
		}
		for j, o := range miners[:i] {
			if len(m.PeerID) != 0 && bytes.Equal(o.PeerID, m.PeerID) {
				return nil, fmt.Errorf("%w: miner %d (owner %s, worker %s): duplicate peer ID, miner %d has it too", ErrBadConfig, i, m.Owner, m.Worker, j)
			}
		}
	}
	return miners, nil
}

func checkMiner(kinds map[address.Address]AccountKind, m Miner) error {
	if m.Owner == address.Undef {
		return fmt.Errorf("no owner")
	}
	if _, ok := kinds[m.Owner]; !ok {
		return fmt.Errorf("owner %s is not the address of an account of the Config (an f1, f3 or f410 account)", m.Owner)
	}
	if m.Worker == address.Undef {
		return fmt.Errorf("no worker")
	}
	switch kind, ok := kinds[m.Worker]; {
	case !ok:
		return fmt.Errorf("worker %s is not the address of an account of the Config", m.Worker)
	case kind != BLS:
		return fmt.Errorf("worker %s is a %s account; the miner actor takes only a BLS worker", m.Worker, kind)
	}
	if _, err := sealProof(m.SectorSize); err != nil {
		return err
	}
	if len(m.PeerID) > maxPeerIDLen {
		return fmt.Errorf("peer ID of %d bytes, at most %d", len(m.PeerID), maxPeerIDLen)
	}
	return nil
}
