package fvm_test

import (
	"context"
	_ "embed"
	"encoding/hex"
	"fmt"
	"log"
	"math/big"
	"strings"

	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/crypto"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/genesis"
	"github.com/go-fvm/go-fvm/message"
)

// counterBin is testdata/Counter.sol compiled by testdata/compile.js.
//
//go:embed testdata/Counter.bin
var counterBin string

// Selectors of Counter's functions: the first 4 bytes of the keccak-256 of
// "increment(uint256)" and "count()".
const (
	selIncrement = "7cf5dab0"
	selCount     = "06661abd"
)

// exampleEngine is the compiled-code cache the examples share (compiling
// the actors is the slow part of a first run).
func exampleEngine(ctx context.Context) *fvm.Engine {
	dir, _ := fvm.DefaultCacheDir()
	eng, err := fvm.NewEngine(ctx, fvm.EngineConfig{CacheDir: dir})
	if err != nil {
		log.Fatal(err)
	}
	return eng
}

func filAmount(n int64) fbig.Int { return fbig.Mul(fbig.NewInt(n), fbig.NewInt(1e18)) }

// Transfer FIL between two accounts of a fresh genesis state.
func Example_transfer() {
	ctx := context.Background()
	alice, _ := address.NewSecp256k1Address([]byte("alice's public key"))
	bob, _ := address.NewSecp256k1Address([]byte("bob's public key"))
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: 18, Accounts: []genesis.Account{
		{Kind: genesis.Secp256k1, Address: alice, Balance: filAmount(100)},
		{Kind: genesis.Secp256k1, Address: bob, Balance: filAmount(1)},
	}})
	if err != nil {
		log.Fatal(err)
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: 28, StateRoot: g.StateRoot, Blockstore: bs,
		Externs: externs.Synthetic{}, Engine: exampleEngine(ctx)})
	if err != nil {
		log.Fatal(err)
	}
	msg := &message.Message{From: alice, To: bob, Value: filAmount(10), GasLimit: 10_000_000,
		GasFeeCap: fbig.Zero(), GasPremium: fbig.Zero()}
	ret, err := vm.ApplyMessage(ctx, msg, msg.ChainLength(crypto.SigTypeSecp256k1))
	if err != nil {
		log.Fatal(err)
	}
	balance, _ := vm.Balance(ctx, bob)
	fmt.Printf("exit code: %d\n", ret.Receipt.ExitCode)
	fmt.Println("bob has", balance.Div(balance.Int, big.NewInt(1e18)), "FIL")
	// Output:
	// exit code: 0
	// bob has 11 FIL
}

// Deploy a Solidity contract from an Ethereum account and call it: the
// call's return value, its event and the contract's storage.
func Example_deployAndCall() {
	ctx := context.Background()
	alice, _ := fvm.EthAddress{0xa1}.FilecoinAddress() // f410 address of 0xa100…00
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: 18,
		Accounts: []genesis.Account{{Kind: genesis.Ethereum, Address: alice, Balance: filAmount(100)}}})
	if err != nil {
		log.Fatal(err)
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: 28, StateRoot: g.StateRoot, Blockstore: bs,
		Externs: externs.Synthetic{}, Engine: exampleEngine(ctx)})
	if err != nil {
		log.Fatal(err)
	}
	initcode, _ := hex.DecodeString(strings.TrimSpace(counterBin))
	deploy := fvm.CreateContractMessage(alice, 0, initcode)
	ret, err := vm.ApplyMessage(ctx, deploy, deploy.ChainLength(crypto.SigTypeDelegated))
	if err != nil || ret.Receipt.ExitCode != 0 {
		log.Fatal(err, ret.FailureInfo)
	}
	counter, _ := fvm.DecodeCreateReturn(ret.Receipt.Return)
	calldata, _ := hex.DecodeString(selIncrement + fmt.Sprintf("%064x", 5)) // increment(5)
	call := fvm.InvokeContractMessage(alice, counter.Address(), 1, calldata, fbig.Zero())
	ret, err = vm.ApplyMessage(ctx, call, call.ChainLength(crypto.SigTypeDelegated))
	if err != nil || ret.Receipt.ExitCode != 0 {
		log.Fatal(err, ret.FailureInfo)
	}
	out, _ := fvm.DecodeEVMReturn(ret.Receipt.Return)
	topics, data, _ := ret.Events[0].EVMLog()
	slot0, _ := vm.EVMStorageAt(ctx, counter.Address(), [32]byte{})
	fmt.Printf("returned %x\nevent topics %d, by %x, data %x\nslot 0: %x\n", out, len(topics), topics[1][12:], data, slot0)
	// Output:
	// returned 0000000000000000000000000000000000000000000000000000000000000005
	// event topics 2, by a100000000000000000000000000000000000000, data 0000000000000000000000000000000000000000000000000000000000000005
	// slot 0: 0000000000000000000000000000000000000000000000000000000000000005
}

// A read-only call (what eth_call and StateCall do) runs on the current
// state and commits nothing: a revert comes back as exit code 33 with the
// Solidity error in the return.
func ExampleVM_Call() {
	ctx := context.Background()
	alice, _ := fvm.EthAddress{0xa1}.FilecoinAddress()
	bs := blockstore.NewMemory()
	g, err := genesis.Build(ctx, bs, genesis.Config{ActorsVersion: 18,
		Accounts: []genesis.Account{{Kind: genesis.Ethereum, Address: alice, Balance: filAmount(100)}}})
	if err != nil {
		log.Fatal(err)
	}
	vm, err := fvm.New(ctx, fvm.Config{NetworkVersion: 28, StateRoot: g.StateRoot, Blockstore: bs,
		Externs: externs.Synthetic{}, Engine: exampleEngine(ctx)})
	if err != nil {
		log.Fatal(err)
	}
	initcode, _ := hex.DecodeString(strings.TrimSpace(counterBin))
	deploy := fvm.CreateContractMessage(alice, 0, initcode)
	ret, _ := vm.ApplyMessage(ctx, deploy, deploy.ChainLength(crypto.SigTypeDelegated))
	counter, _ := fvm.DecodeCreateReturn(ret.Receipt.Return)

	tooLarge, _ := hex.DecodeString(selIncrement + fmt.Sprintf("%064x", 5000)) // reverts: TooLarge(5000)
	ret, _ = vm.Call(ctx, fvm.InvokeContractMessage(alice, counter.Address(), 1, tooLarge, fbig.Zero()))
	revert, _ := fvm.DecodeEVMReturn(ret.Receipt.Return)
	fmt.Printf("exit code %d, revert data %x\n", ret.Receipt.ExitCode, revert[4:])
	count, _ := hex.DecodeString(selCount)
	ret, _ = vm.Call(ctx, fvm.InvokeContractMessage(alice, counter.Address(), 1, count, fbig.Zero()))
	out, _ := fvm.DecodeEVMReturn(ret.Receipt.Return)
	_, act, _ := vm.Actor(ctx, alice)
	fmt.Printf("count() = %x\nalice's nonce is still %d\n", out, act.Nonce)
	// Output:
	// exit code 33, revert data 0000000000000000000000000000000000000000000000000000000000001388
	// count() = 0000000000000000000000000000000000000000000000000000000000000000
	// alice's nonce is still 1
}
