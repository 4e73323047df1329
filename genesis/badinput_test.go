package genesis_test

import (
	"context"
	"errors"
	"os"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/genesis"
)

func delegatedAddr(t *testing.T, ns uint64, sub []byte) address.Address {
	t.Helper()
	a, err := address.NewDelegatedAddress(ns, sub)
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func ethBytes(prefix ...byte) []byte {
	b := make([]byte, 20)
	copy(b, prefix)
	b[19] |= 1
	return b
}

// TestBadConfig: every malformed Config is refused with ErrBadConfig and an
// error that names the account (or field) and the problem.
func TestBadConfig(t *testing.T) {
	k := testKeys(t)
	actor, err := address.NewActorAddress([]byte("some f2"))
	if err != nil {
		t.Fatal(err)
	}
	secp := func(a address.Address) genesis.Account {
		return genesis.Account{Kind: genesis.Secp256k1, Address: a, Balance: fil(1)}
	}
	msig := func(threshold uint64, signers ...address.Address) genesis.Account {
		return genesis.Account{Kind: genesis.Multisig, Signers: signers, Threshold: threshold, Balance: fil(1)}
	}
	cases := []struct {
		name string
		edit func(*genesis.Config)
		want []string
	}{
		{"unknown actors version", func(c *genesis.Config) { c.ActorsVersion = 99 }, []string{"actors version 99", "not supported"}},
		{"unknown network", func(c *genesis.Config) { c.Network = "moonnet" }, []string{`"moonnet"`, "networks"}},
		{"kind unset", func(c *genesis.Config) { c.Accounts = append(c.Accounts, genesis.Account{Address: k.secp}) }, []string{"account 4", "unset", "unknown kind 0"}},
		{"secp256k1 with a BLS address", func(c *genesis.Config) { c.Accounts[1].Kind = genesis.Secp256k1 }, []string{"account 1", k.bls.String(), "an f3 address; kind secp256k1 needs an f1 address"}},
		{"ethereum with an f1 address", func(c *genesis.Config) { c.Accounts[2].Address = k.signer }, []string{"account 2", "an f1 address; kind ethereum needs an f4 address"}},
		{"no address", func(c *genesis.Config) { c.Accounts[1].Address = address.Undef }, []string{"account 1", "no address"}},
		{"f4 outside the EAM", func(c *genesis.Config) { c.Accounts[2].Address = delegatedAddr(t, 32, ethBytes()) }, []string{"account 2", "namespace f032"}},
		{"f410 of 19 bytes", func(c *genesis.Config) { c.Accounts[2].Address = delegatedAddr(t, 10, ethBytes()[:19]) }, []string{"account 2", "holds 19 bytes"}},
		{"f410 of a masked ID", func(c *genesis.Config) {
			c.Accounts[2].Address = delegatedAddr(t, 10, ethBytes(0xff))
		}, []string{"account 2", "masked actor ID"}},
		{"f410 of the null address", func(c *genesis.Config) {
			c.Accounts[2].Address = delegatedAddr(t, 10, make([]byte, 20))
		}, []string{"account 2", "null address"}},
		{"negative balance", func(c *genesis.Config) { c.Accounts[1].Balance = big.NewInt(-1) }, []string{"account 1", "negative balance -0.000000000000000001 FIL"}},
		{"duplicate address", func(c *genesis.Config) { c.Accounts = append(c.Accounts, secp(k.secp)) }, []string{"account 4", "duplicate address", "account 0"}},
		{"key account with signers", func(c *genesis.Config) { c.Accounts[0].Signers = []address.Address{k.signer} }, []string{"account 0", "for a multisig"}},
		{"multisig threshold 0", func(c *genesis.Config) { c.Accounts[3].Threshold = 0 }, []string{"account 3", "threshold 0", "1 to the 3 signers"}},
		{"multisig threshold above signers", func(c *genesis.Config) { c.Accounts[3].Threshold = 4 }, []string{"account 3", "threshold 4", "3 signers"}},
		{"multisig without signers", func(c *genesis.Config) { c.Accounts = append(c.Accounts, msig(1)) }, []string{"account 4", "no signers"}},
		{"multisig with an address", func(c *genesis.Config) { c.Accounts[3].Address = k.signer }, []string{"account 3", "takes no address"}},
		{"multisig with a signer twice", func(c *genesis.Config) { c.Accounts = append(c.Accounts, msig(1, k.signer, k.signer)) }, []string{"account 4", "signer 1", "twice"}},
		{"multisig with an ID signer", func(c *genesis.Config) {
			c.Accounts = append(c.Accounts, msig(1, idAddr(t, 100)))
		}, []string{"account 4", "signer 0", "f0100 is not an f1, f3 or f410 address"}},
		{"multisig with an f2 signer", func(c *genesis.Config) { c.Accounts = append(c.Accounts, msig(1, actor)) }, []string{"account 4", "signer 0", "not an f1, f3 or f410"}},
		{"over the supply", func(c *genesis.Config) {
			c.Accounts[0].Balance = fil(450_000_000)
			c.Accounts[1].Balance = fil(450_000_000)
		}, []string{"hold 900000150 FIL", "more than the 900000000 FIL"}},
		{"too many accounts", func(c *genesis.Config) {
			for i := range 900 {
				a, err := address.NewSecp256k1Address([]byte{byte(i), byte(i >> 8)})
				if err != nil {
					t.Fatal(err)
				}
				c.Accounts = append(c.Accounts, genesis.Account{Kind: genesis.Secp256k1, Address: a})
			}
		}, []string{"need 906 IDs", "more than the 900 from f0100 to f0999"}},
		{"root key is an account", func(c *genesis.Config) { c.VerifiedRegistryRoot = k.bls }, []string{"VerifiedRegistryRoot", "account 1"}},
		{"root key is a signer", func(c *genesis.Config) { c.VerifiedRegistryRoot = k.signer }, []string{"VerifiedRegistryRoot", "account 3"}},
		{"root key is an ID", func(c *genesis.Config) { c.VerifiedRegistryRoot = idAddr(t, 5) }, []string{"VerifiedRegistryRoot", "not an f1, f3 or f410"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(17, k)
			tc.edit(&cfg)
			wantBadConfig(t, cfg, tc.want)
		})
	}
}

// wantBadConfig: Build refuses cfg with ErrBadConfig and an error saying
// each of want.
func wantBadConfig(t *testing.T, cfg genesis.Config, want []string) {
	t.Helper()
	_, err := genesis.Build(context.Background(), blockstore.NewMemory(), cfg)
	if !errors.Is(err, genesis.ErrBadConfig) {
		t.Fatalf("error %v, want ErrBadConfig", err)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("error %q does not say %q", err, w)
		}
	}
}

// TestBadBundle: a bundle that is not one, or is another version's, is
// refused with the bundle package's error.
func TestBadBundle(t *testing.T) {
	ctx := context.Background()
	k := testKeys(t)
	v16, err := bundle.Locator{}.Path(ctx, 16)
	if err != nil {
		t.Skipf("no v16 bundle: %v", err)
	}
	cases := []struct {
		name   string
		bundle func(t *testing.T) *os.File
		want   error
	}{
		{"not a bundle", func(t *testing.T) *os.File {
			f, err := os.CreateTemp(t.TempDir(), "junk")
			if err != nil {
				t.Fatal(err)
			}
			if _, err := f.WriteString("not a bundle"); err != nil {
				t.Fatal(err)
			}
			if _, err := f.Seek(0, 0); err != nil {
				t.Fatal(err)
			}
			return f
		}, bundle.ErrBadBundle},
		{"another version's bundle", func(t *testing.T) *os.File {
			f, err := os.Open(v16)
			if err != nil {
				t.Fatal(err)
			}
			return f
		}, bundle.ErrManifestMismatch},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			cfg := testConfig(17, k)
			f := tc.bundle(t)
			defer f.Close()
			cfg.Bundle = f
			_, err := genesis.Build(ctx, blockstore.NewMemory(), cfg)
			if !errors.Is(err, tc.want) || !strings.Contains(err.Error(), "Config.Bundle") {
				t.Fatalf("error %v, want %v naming Config.Bundle", err, tc.want)
			}
		})
	}
}
