package fvm_test

import (
	"bytes"
	"crypto"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/sha256"
	"encoding/asn1"
	"math/big"
	"testing"

	"github.com/filecoin-project/go-address"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"

	fvm "github.com/go-fvm/go-fvm"
)

// evmUndefinedInstruction is the exit code of an EVM contract that meets an
// opcode its actors version does not define (builtin-actors
// EVM_CONTRACT_UNDEFINED_INSTRUCTION).
const evmUndefinedInstruction = exitcode.ExitCode(35)

// TestV4FireHorseEVM runs the FEVM features of actors v18 (nv28 FireHorse)
// on every v4 release: the CLZ opcode (FIP-0114) and the P256VERIFY
// precompile at 0x0100 (FIP-0113). Both live in the EVM actor's Wasm (no
// syscall, no price-list entry), so from v18 on they work, and before it CLZ
// is an undefined instruction and 0x0100 an empty account.
func TestV4FireHorseEVM(t *testing.T) {
	if testing.Short() {
		t.Skip("runs the v12-v19 actors")
	}
	forEachV4Release(t, testFireHorseEVM)
}

func testFireHorseEVM(t *testing.T, eng *fvm.Engine, rel v4Release) {
	w := newV4World(t, eng, rel, true)
	hasFireHorse := rel.actors >= 18

	// PUSH1 1 CLZ PUSH1 0 MSTORE PUSH1 32 PUSH1 0 RETURN: 255 leading zeros.
	clz := w.deploy(t, 0, initCodeFor([]byte{0x60, 0x01, 0x1e, 0x60, 0x00, 0x52, 0x60, 0x20, 0x60, 0x00, 0xf3}))
	to, _ := address.NewIDAddress(clz)
	ret := w.apply(t, 1, to, evmInvokeContract, cborBytes(nil), fbig.Zero())
	var word [32]byte
	word[31] = 255
	switch {
	case hasFireHorse && (ret.Receipt.ExitCode != exitcode.Ok || !bytes.Equal(ret.Receipt.Return, cborBytes(word[:]))):
		t.Errorf("CLZ(1): %+v (%s), want 255\n%s", ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
	case !hasFireHorse && ret.Receipt.ExitCode != evmUndefinedInstruction:
		t.Errorf("CLZ before v18: %+v, want exit %d", ret.Receipt, evmUndefinedInstruction)
	}

	// The contract STATICCALLs 0x0100 with its calldata and returns what
	// came back: 32 bytes ending in 1 for a valid signature, nothing else.
	p256 := w.deploy(t, 2, initCodeFor([]byte{
		0x36, 0x60, 0x00, 0x60, 0x00, 0x37, // CALLDATACOPY(0, 0, CALLDATASIZE)
		0x60, 0x00, 0x60, 0x00, 0x36, 0x60, 0x00, // ret size 0, ret offset 0, args size, args offset 0
		0x61, 0x01, 0x00, 0x5a, 0xfa, 0x50, // PUSH2 0x0100 GAS STATICCALL POP
		0x3d, 0x60, 0x00, 0x60, 0x00, 0x3e, // RETURNDATACOPY(0, 0, RETURNDATASIZE)
		0x3d, 0x60, 0x00, 0xf3, // RETURN(0, RETURNDATASIZE)
	}))
	to, _ = address.NewIDAddress(p256)
	valid := p256VerifyInput(t, []byte("go-fvm FireHorse"))
	forged := bytes.Clone(valid)
	forged[0] ^= 1 // another message hash
	var one [32]byte
	one[31] = 1
	for i, tc := range []struct {
		name  string
		input []byte
		want  []byte
	}{
		{"valid signature", valid, one[:]},
		{"wrong hash", forged, nil},
		{"short input", valid[:159], nil},
	} {
		if !hasFireHorse {
			tc.want = nil
		}
		ret := w.apply(t, uint64(3+i), to, evmInvokeContract, cborBytes(tc.input), fbig.Zero())
		if ret.Receipt.ExitCode != exitcode.Ok {
			t.Fatalf("P256VERIFY %s: %+v (%s)\n%s", tc.name, ret.Receipt, ret.FailureInfo, dumpTrace(ret.Trace, 0))
		}
		if !bytes.Equal(ret.Receipt.Return, cborBytes(tc.want)) {
			t.Errorf("P256VERIFY %s returned %x, want %x", tc.name, ret.Receipt.Return, cborBytes(tc.want))
		}
	}
}

// p256VerifyInput is the 160-byte P256VERIFY input (hash, r, s, x, y) of a
// deterministic (RFC 6979) signature of msg by a fixed key.
func p256VerifyInput(t *testing.T, msg []byte) []byte {
	t.Helper()
	scalar := sha256.Sum256([]byte("go-fvm P-256 test key"))
	key, err := ecdsa.ParseRawPrivateKey(elliptic.P256(), scalar[:])
	if err != nil {
		t.Fatal(err)
	}
	hash := sha256.Sum256(msg)
	der, err := key.Sign(nil, hash[:], crypto.SHA256)
	if err != nil {
		t.Fatal(err)
	}
	var sig struct{ R, S *big.Int }
	if _, err := asn1.Unmarshal(der, &sig); err != nil {
		t.Fatal(err)
	}
	pub, err := key.PublicKey.Bytes()
	if err != nil || len(pub) != 65 {
		t.Fatalf("public key %x: %v", pub, err)
	}
	out := append([]byte{}, hash[:]...)
	out = append(out, sig.R.FillBytes(make([]byte, 32))...)
	out = append(out, sig.S.FillBytes(make([]byte, 32))...)
	return append(out, pub[1:]...)
}
