package genesis_test

import (
	"fmt"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/genesis"
)

// TestGenesisRunsV2 builds an actors v8 and v9 genesis (FVM v2, no Ethereum
// accounts) and runs it: epochs of block rewards and cron, then a transfer
// between two accounts.
func TestGenesisRunsV2(t *testing.T) {
	eng := testEngine(t)
	k := testKeys(t)
	for _, rel := range v2Releases {
		t.Run(fmt.Sprintf("v%d-nv%d", rel.actors, rel.nv), func(t *testing.T) {
			cfg := genesis.Config{ActorsVersion: rel.actors, Accounts: []genesis.Account{
				{Kind: genesis.Secp256k1, Address: k.secp, Balance: fil(1000)},
				{Kind: genesis.BLS, Address: k.bls, Balance: fil(500)},
			}}
			g, bs := runnable(t, rel, cfg)
			vm := newVM(t, eng, bs, rel.nv, g.StateRoot, 0)
			if _, act, err := vm.Actor(t.Context(), builtin.DatacapActorAddr); (err == nil && act != nil) != (rel.actors >= 9) {
				t.Errorf("actors v%d: datacap actor %v (%v)", rel.actors, act, err)
			}
			root := runEpochs(t, eng, rel, bs, g.StateRoot, address.Undef)
			vm = newVM(t, eng, bs, rel.nv, root, epochs+1)
			before := balance(t, vm, k.bls)
			ret := explicit(t, vm, k.secp, k.bls, 0, builtin.MethodSend, fil(3), nil)
			if ret.Receipt.ExitCode != exitcode.Ok {
				t.Fatalf("transfer: exit %d (%s)", ret.Receipt.ExitCode, ret.FailureInfo)
			}
			if got := big.Sub(balance(t, vm, k.bls), before); !got.Equals(fil(3)) {
				t.Errorf("the BLS account gained %s, want 3 FIL", got)
			}
		})
	}
}
