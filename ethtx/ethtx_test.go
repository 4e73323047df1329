package ethtx

import (
	"bytes"
	"crypto/ecdsa"
	"encoding/binary"
	"encoding/hex"
	"errors"
	"math/big"
	"testing"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	gethcrypto "github.com/ethereum/go-ethereum/crypto"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/builtin"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"
	"golang.org/x/crypto/blake2b"
	"golang.org/x/crypto/sha3"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

const devChainID = 31415926

func mustHex(t *testing.T, s string) []byte {
	t.Helper()
	b, err := hex.DecodeString(s)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func keccak(b []byte) [32]byte {
	h := sha3.NewLegacyKeccak256()
	h.Write(b)
	var out [32]byte
	h.Sum(out[:0])
	return out
}

// testKey is a fixed private key (0x01…20).
func testKey(t *testing.T) *ecdsa.PrivateKey {
	t.Helper()
	k, err := gethcrypto.ToECDSA(mustHex(t, "0102030405060708090a0b0c0d0e0f101112131415161718191a1b1c1d1e1f20"))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// TestLotusEIP155Vector decodes Lotus's own EIP-155 test transaction (chain
// 314) and checks the message Lotus's test expects.
func TestLotusEIP155Vector(t *testing.T) {
	raw := mustHex(t, "f86680843b9aca00835dc1ba94c2dca9a18d4a4057921d1bcb22da05e68e46b1d06480820297a0f91ee69c4603c4f21131467ee9e06ad4a96d0a29fa8064db61f3adaea0eb6e92a07181e306bb8f773d94cc3b75e9835de00c004e072e6630c0c46971d38706bb01")
	tx, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if tx.Kind() != EIP155 || tx.ChainID() != 314 {
		t.Fatalf("kind %s chain %d, want eip155 on 314", tx.Kind(), tx.ChainID())
	}
	if tx.Hash() != keccak(raw) {
		t.Fatalf("hash %x, want keccak of the raw bytes %x", tx.Hash(), keccak(raw))
	}
	smsg, sender, err := tx.SignedMessage(314)
	if err != nil {
		t.Fatal(err)
	}
	if want, _ := fvm.ParseEthAddress("0xa2bbb73ac59b256415e91a820b224dbaf2c268fa"); sender != want {
		t.Fatalf("sender %s, want %s", sender, want)
	}
	to, _ := fvm.ParseEthAddress("0xc2dca9a18d4a4057921d1bcb22da05e68e46b1d0")
	toAddr, _ := to.FilecoinAddress()
	m := smsg.Message
	if m.To != toAddr || m.Method != builtin.MethodsEVM.InvokeContract || m.Params != nil ||
		m.Value.Int64() != 100 || m.GasLimit != 6144442 || m.Sequence != 0 ||
		m.GasFeeCap.Int64() != 1e9 || m.GasPremium.Int64() != 1e9 {
		t.Fatalf("message %+v", m)
	}
	// 0x02 ‖ r ‖ s ‖ v (0x0297); the envelope ends a0 ‖ r ‖ a0 ‖ s.
	wantSig := append([]byte{0x02}, raw[len(raw)-65:len(raw)-33]...)
	wantSig = append(append(wantSig, raw[len(raw)-32:]...), 0x02, 0x97)
	if smsg.Signature.Type != fcrypto.SigTypeDelegated || !bytes.Equal(smsg.Signature.Data, wantSig) {
		t.Fatalf("signature %x, want %x", smsg.Signature.Data, wantSig)
	}
	if _, _, err := tx.SignedMessage(devChainID); !errors.Is(err, ErrChainID) {
		t.Fatalf("on another chain: %v, want ErrChainID", err)
	}
}

// envelope signs one transaction of each kind with the fixed key.
func envelope(t *testing.T, kind Kind, to *common.Address, input []byte) []byte {
	t.Helper()
	key := testKey(t)
	var tx *types.Transaction
	var err error
	switch kind {
	case EIP1559:
		tx, err = types.SignNewTx(key, types.NewLondonSigner(big.NewInt(devChainID)), &types.DynamicFeeTx{
			ChainID: big.NewInt(devChainID), Nonce: 7, GasTipCap: big.NewInt(1000), GasFeeCap: big.NewInt(200000),
			Gas: 3_000_000, To: to, Value: big.NewInt(12345), Data: input,
		})
	case EIP155:
		tx, err = types.SignNewTx(key, types.NewEIP155Signer(big.NewInt(devChainID)), &types.LegacyTx{
			Nonce: 7, GasPrice: big.NewInt(200000), Gas: 3_000_000, To: to, Value: big.NewInt(12345), Data: input,
		})
	case Homestead:
		tx, err = types.SignNewTx(key, types.HomesteadSigner{}, &types.LegacyTx{
			Nonce: 7, GasPrice: big.NewInt(200000), Gas: 3_000_000, To: to, Value: big.NewInt(12345), Data: input,
		})
	}
	if err != nil {
		t.Fatal(err)
	}
	raw, err := tx.MarshalBinary()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// cbor helpers: an independent, minimal encoder for the expected bytes.
func cborHead(major byte, n uint64) []byte {
	switch {
	case n < 24:
		return []byte{major<<5 | byte(n)}
	case n < 1<<8:
		return []byte{major<<5 | 24, byte(n)}
	case n < 1<<16:
		return []byte{major<<5 | 25, byte(n >> 8), byte(n)}
	case n < 1<<32:
		b := []byte{major<<5 | 26, 0, 0, 0, 0}
		binary.BigEndian.PutUint32(b[1:], uint32(n))
		return b
	}
	b := []byte{major<<5 | 27, 0, 0, 0, 0, 0, 0, 0, 0}
	binary.BigEndian.PutUint64(b[1:], n)
	return b
}

func cborBytes(b []byte) []byte { return append(cborHead(2, uint64(len(b))), b...) }

func cborBig(n int64) []byte {
	if n == 0 {
		return cborBytes(nil)
	}
	return cborBytes(append([]byte{0}, big.NewInt(n).Bytes()...))
}

// TestFixedKey converts a fixed transaction of each envelope, signed with a
// fixed key, and checks the hash (keccak of the raw bytes), the f410 sender,
// the message's CBOR and CID (assembled by hand) and the round trip.
func TestFixedKey(t *testing.T) {
	key := testKey(t)
	senderEth := fvm.EthAddress(gethcrypto.PubkeyToAddress(key.PublicKey))
	from, _ := address.NewDelegatedAddress(10, senderEth[:])
	contract := common.HexToAddress("0x1111111111111111111111111111111111111111")
	masked := common.HexToAddress("0xff00000000000000000000000000000000000405")
	input := []byte{0xa9, 0x05, 0x9c, 0xbb, 0x01}
	cases := []struct {
		kind      Kind
		to        *common.Address
		input     []byte
		wantTo    []byte // address bytes
		method    uint64
		sigPrefix []byte
		sigV      []byte // nil: v from the envelope is 0/1 (1559) or 27/28
	}{
		{EIP1559, &contract, input, append([]byte{4, 10}, contract[:]...), 3844450837, nil, nil},
		{EIP1559, nil, input, []byte{0, 10}, 4, nil, nil},
		{EIP1559, &masked, nil, []byte{0, 0x85, 0x08}, 3844450837, nil, nil},
		{EIP155, &contract, input, append([]byte{4, 10}, contract[:]...), 3844450837, []byte{2}, []byte{}},
		{Homestead, nil, input, []byte{0, 10}, 4, []byte{1}, nil},
	}
	for _, c := range cases {
		t.Run(c.kind.String(), func(t *testing.T) {
			raw := envelope(t, c.kind, c.to, c.input)
			tx, err := Parse(raw)
			if err != nil {
				t.Fatal(err)
			}
			if tx.Kind() != c.kind {
				t.Fatalf("kind %s, want %s", tx.Kind(), c.kind)
			}
			if tx.Hash() != keccak(raw) {
				t.Fatalf("hash %x, want %x", tx.Hash(), keccak(raw))
			}
			smsg, sender, err := tx.SignedMessage(devChainID)
			if err != nil {
				t.Fatal(err)
			}
			if sender != senderEth || smsg.Message.From != from {
				t.Fatalf("sender %s (%s), want %s", sender, smsg.Message.From, senderEth)
			}
			// The signature: prefix ‖ r ‖ s ‖ v as in the envelope.
			v, r, s := tx.Transaction().RawSignatureValues()
			wantSig := append(append([]byte{}, c.sigPrefix...), leftPad32(r)...)
			wantSig = append(wantSig, leftPad32(s)...)
			if c.kind == EIP155 {
				wantSig = append(wantSig, v.Bytes()...)
			} else {
				wantSig = append(wantSig, byte(v.Uint64()))
			}
			if !bytes.Equal(smsg.Signature.Data, wantSig) {
				t.Fatalf("signature %x, want %x", smsg.Signature.Data, wantSig)
			}
			var params []byte
			if len(c.input) > 0 {
				params = cborBytes(c.input)
			}
			feeCap, premium := int64(200000), int64(200000)
			if c.kind == EIP1559 {
				premium = 1000
			}
			msg := append([]byte{0x8a, 0x00}, cborBytes(c.wantTo)...)
			msg = append(msg, cborBytes(from.Bytes())...)
			msg = append(msg, cborHead(0, 7)...)
			msg = append(msg, cborBig(12345)...)
			msg = append(msg, cborHead(0, 3_000_000)...)
			msg = append(msg, cborBig(feeCap)...)
			msg = append(msg, cborBig(premium)...)
			msg = append(msg, cborHead(0, c.method)...)
			msg = append(msg, cborBytes(params)...)
			signed := append(append([]byte{0x82}, msg...), cborBytes(append([]byte{3}, wantSig...))...)
			if got := smsg.Bytes(); !bytes.Equal(got, signed) {
				t.Fatalf("signed message CBOR\n got %x\nwant %x", got, signed)
			}
			digest := blake2b.Sum256(signed)
			if got := smsg.Cid().Hash(); !bytes.Equal(got[len(got)-32:], digest[:]) {
				t.Fatalf("CID %s is not blake2b-256 of the signed message", smsg.Cid())
			}
			back, err := FromSignedMessage(smsg, devChainID)
			if err != nil {
				t.Fatal(err)
			}
			if back.Hash() != tx.Hash() || back.Kind() != c.kind {
				t.Fatalf("round trip: %s %x, want %s %x", back.Kind(), back.Hash(), c.kind, tx.Hash())
			}
			if h, err := HashOf(smsg, devChainID); err != nil || h != keccak(raw) {
				t.Fatalf("HashOf: %x, %v", h, err)
			}
			if err := Authenticate(smsg, devChainID); err != nil {
				t.Fatalf("Authenticate: %v", err)
			}
		})
	}
}

// TestAuthenticateRejects changes a signed message in ways the signature
// does not cover or that break it.
func TestAuthenticateRejects(t *testing.T) {
	contract := common.HexToAddress("0x1111111111111111111111111111111111111111")
	good := func(kind Kind) *message.SignedMessage {
		tx, err := Parse(envelope(t, kind, &contract, []byte{1, 2, 3}))
		if err != nil {
			t.Fatal(err)
		}
		smsg, _, err := tx.SignedMessage(devChainID)
		if err != nil {
			t.Fatal(err)
		}
		return smsg
	}
	other, _ := address.NewDelegatedAddress(10, contract[:])
	cases := []struct {
		name   string
		kind   Kind
		change func(*message.SignedMessage)
		want   error
	}{
		{"value", EIP1559, func(m *message.SignedMessage) { m.Message.Value = m.Message.GasFeeCap }, ErrSignature},
		{"sender", EIP1559, func(m *message.SignedMessage) { m.Message.From = other }, ErrSignature},
		{"method", EIP1559, func(m *message.SignedMessage) { m.Message.Method = 2 }, ErrNotEthereum},
		{"params", EIP1559, func(m *message.SignedMessage) { m.Message.Params = []byte{0x41} }, ErrNotEthereum},
		{"secp type", EIP1559, func(m *message.SignedMessage) { m.Signature.Type = fcrypto.SigTypeSecp256k1 }, ErrNotEthereum},
		{"short sig", EIP1559, func(m *message.SignedMessage) { m.Signature.Data = m.Signature.Data[:64] }, ErrNotEthereum},
		{"legacy premium", EIP155, func(m *message.SignedMessage) { m.Message.GasPremium = m.Message.Value }, ErrSignature},
		{"legacy prefix", EIP155, func(m *message.SignedMessage) { m.Signature.Data[0] = 0x01 }, ErrNotEthereum},
		{"r", EIP1559, func(m *message.SignedMessage) { m.Signature.Data[5] ^= 1 }, ErrSignature},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			smsg := good(c.kind)
			c.change(smsg)
			if err := Authenticate(smsg, devChainID); !errors.Is(err, c.want) {
				t.Fatalf("Authenticate: %v, want %v", err, c.want)
			}
		})
	}
	if err := Authenticate(good(EIP1559), 314); err == nil {
		t.Fatal("Authenticate on another chain succeeded")
	}
}

// TestParseRejects feeds envelopes Filecoin does not carry.
func TestParseRejects(t *testing.T) {
	key := testKey(t)
	to := common.HexToAddress("0x1111111111111111111111111111111111111111")
	sign := func(data types.TxData) []byte {
		tx, err := types.SignNewTx(key, types.NewPragueSigner(big.NewInt(devChainID)), data)
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := tx.MarshalBinary()
		return raw
	}
	withList := sign(&types.DynamicFeeTx{ChainID: big.NewInt(devChainID), Gas: 21000, To: &to,
		GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1),
		AccessList: types.AccessList{{Address: to}}})
	accessListTx := sign(&types.AccessListTx{ChainID: big.NewInt(devChainID), Gas: 21000, To: &to, GasPrice: big.NewInt(1)})
	good := envelope(t, EIP1559, &to, nil)
	cases := []struct {
		name string
		raw  []byte
		want error
	}{
		{"empty", nil, ErrMalformed},
		{"garbage", []byte{0xf8, 0x01}, ErrMalformed},
		{"truncated", good[:len(good)-3], ErrMalformed},
		{"trailing", append(append([]byte{}, good...), 0), ErrMalformed},
		{"eip-2930", accessListTx, ErrUnsupportedType},
		{"access list", withList, ErrUnsupportedType},
		{"type 3", []byte{3, 0xc0}, ErrUnsupportedType},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			if _, err := Parse(c.raw); !errors.Is(err, c.want) {
				t.Fatalf("Parse: %v, want %v", err, c.want)
			}
		})
	}
	// Valid envelopes whose signature does not recover a sender.
	badSig := sign(&types.DynamicFeeTx{ChainID: big.NewInt(devChainID), Gas: 21000, To: &to,
		GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1)})
	tx, err := Parse(badSig)
	if err != nil {
		t.Fatal(err)
	}
	v, _, s := tx.Transaction().RawSignatureValues()
	forged := types.NewTx(&types.DynamicFeeTx{ChainID: big.NewInt(devChainID), Gas: 21000, To: &to,
		GasFeeCap: big.NewInt(1), GasTipCap: big.NewInt(1), V: v, R: big.NewInt(0), S: s})
	raw, _ := forged.MarshalBinary()
	ftx, err := Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	if _, _, err := ftx.SignedMessage(devChainID); !errors.Is(err, ErrSignature) {
		t.Fatalf("r = 0: %v, want ErrSignature", err)
	}
	if _, _, err := tx.SignedMessage(1); !errors.Is(err, ErrChainID) {
		t.Fatalf("wrong chain: %v, want ErrChainID", err)
	}
}

// TestSign signs with Sign and recovers the key's address.
func TestSign(t *testing.T) {
	key := testKey(t)
	to := common.HexToAddress("0x1111111111111111111111111111111111111111")
	tx, err := Sign(&types.DynamicFeeTx{Nonce: 1, Gas: 21000, To: &to, GasFeeCap: big.NewInt(100), GasTipCap: big.NewInt(1)}, devChainID, key)
	if err != nil {
		t.Fatal(err)
	}
	sender, err := tx.Sender(devChainID)
	if err != nil || sender != fvm.EthAddress(gethcrypto.PubkeyToAddress(key.PublicKey)) {
		t.Fatalf("sender %s, %v", sender, err)
	}
	if tx.ChainID() != devChainID {
		t.Fatalf("chain %d", tx.ChainID())
	}
}

func TestHashOfCid(t *testing.T) {
	h := keccak([]byte("x"))
	c := CidOfHash(h)
	back, err := HashOfCid(c)
	if err != nil || back != h {
		t.Fatalf("%x, %v", back, err)
	}
	m := message.Message{To: builtin.EthereumAddressManagerActorAddr, From: builtin.EthereumAddressManagerActorAddr}
	mc := m.Cid()
	if h, err := HashOfCid(mc); err != nil || CidOfHash(h) != mc {
		t.Fatalf("message CID %s: %x, %v", mc, h, err)
	}
}

// TestSigningBytes signs a Filecoin message from an f410 address the way a
// Lotus wallet does and checks the signature authenticates.
func TestSigningBytes(t *testing.T) {
	key := testKey(t)
	contract := common.HexToAddress("0x1111111111111111111111111111111111111111")
	raw := envelope(t, EIP1559, &contract, []byte{9, 9})
	tx, _ := Parse(raw)
	smsg, _, err := tx.SignedMessage(devChainID)
	if err != nil {
		t.Fatal(err)
	}
	sb, err := SigningBytes(&smsg.Message, devChainID)
	if err != nil {
		t.Fatal(err)
	}
	if want := types.NewLondonSigner(big.NewInt(devChainID)).Hash(tx.Transaction()); keccak(sb) != [32]byte(want) {
		t.Fatalf("keccak(SigningBytes) %x, want the signer's hash %x", keccak(sb), want)
	}
	digest := keccak(sb)
	sig, err := gethcrypto.Sign(digest[:], key)
	if err != nil {
		t.Fatal(err)
	}
	signed := &message.SignedMessage{Message: smsg.Message, Signature: fcrypto.Signature{Type: fcrypto.SigTypeDelegated, Data: sig}}
	if err := Authenticate(signed, devChainID); err != nil {
		t.Fatalf("Authenticate: %v", err)
	}
	nonEth := smsg.Message
	nonEth.Method = 0
	if _, err := SigningBytes(&nonEth, devChainID); !errors.Is(err, ErrNotEthereum) {
		t.Fatalf("method 0: %v, want ErrNotEthereum", err)
	}
}

// On a chain whose id·2+36 needs one byte more than id·2+35, an EIP-155
// signature with recovery id 1 is a byte longer; a node accepts both
// lengths (found by FuzzParse).
func TestEIP155SignatureLengths(t *testing.T) {
	const chainID = 8388590 // ·2+35 = 0xffffff, ·2+36 = 0x01000000
	key := testKey(t)
	to := common.HexToAddress("0x1111111111111111111111111111111111111111")
	seen := map[int]bool{}
	for nonce := uint64(0); len(seen) < 2; nonce++ {
		signed, err := types.SignNewTx(key, types.NewEIP155Signer(big.NewInt(chainID)), &types.LegacyTx{
			Nonce: nonce, GasPrice: big.NewInt(100), Gas: 21000, To: &to})
		if err != nil {
			t.Fatal(err)
		}
		raw, _ := signed.MarshalBinary()
		tx, err := Parse(raw)
		if err != nil {
			t.Fatal(err)
		}
		smsg, _, err := tx.SignedMessage(chainID)
		if err != nil {
			t.Fatal(err)
		}
		n := len(smsg.Signature.Data)
		if err := Authenticate(smsg, chainID); err != nil {
			t.Fatalf("nonce %d, %d-byte signature: %v", nonce, n, err)
		}
		seen[n] = true
	}
	if !seen[68] || !seen[69] {
		t.Fatalf("signature lengths %v, want 68 and 69", seen)
	}
}
