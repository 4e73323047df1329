package ethtx

import (
	"fmt"
	"math/big"
	"slices"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/builtin"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"
	"github.com/ipfs/go-cid"
	mh "github.com/multiformats/go-multihash"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/message"
)

// FromSignedMessage rebuilds the Ethereum transaction a message with a
// delegated signature was made from (Lotus's
// EthTransactionFromSignedFilecoinMessage): the envelope is told by the
// signature's length and prefix, the recipient and input by the method and
// parameters. chainID is the network's (EIP-1559 transactions do not carry
// it in the signature).
func FromSignedMessage(smsg *message.SignedMessage, chainID uint64) (*Tx, error) {
	if smsg.Signature.Type != fcrypto.SigTypeDelegated {
		return nil, fmt.Errorf("%w: signature type %d is not delegated", ErrNotEthereum, smsg.Signature.Type)
	}
	if _, err := fvm.EthAddressOf(smsg.Message.From); err != nil {
		return nil, fmt.Errorf("%w: sender %s is not an Ethereum account", ErrNotEthereum, smsg.Message.From)
	}
	to, input, err := ethCall(&smsg.Message)
	if err != nil {
		return nil, err
	}
	if smsg.Message.Version != 0 {
		return nil, fmt.Errorf("%w: message version %d", ErrNotEthereum, smsg.Message.Version)
	}
	var gethTo *common.Address
	if to != nil {
		a := common.Address(*to)
		gethTo = &a
	}
	m := &smsg.Message
	sig := smsg.Signature.Data
	switch {
	case len(sig) == eip1559SigLen:
		return wrap(types.NewTx(&types.DynamicFeeTx{
			ChainID: new(big.Int).SetUint64(chainID), Nonce: m.Sequence,
			GasTipCap: m.GasPremium.Int, GasFeeCap: m.GasFeeCap.Int, Gas: m.GasLimit,
			To: gethTo, Value: m.Value.Int, Data: input,
			R: new(big.Int).SetBytes(sig[0:32]), S: new(big.Int).SetBytes(sig[32:64]),
			V: new(big.Int).SetUint64(uint64(sig[64])),
		}))
	case len(sig) >= homesteadSigLen && (sig[0] == homesteadSigPrefix || sig[0] == eip155SigPrefix):
		return legacyFromMessage(m, sig, gethTo, input, chainID)
	}
	return nil, fmt.Errorf("%w: unsupported delegated signature (%d bytes)", ErrNotEthereum, len(sig))
}

// legacyFromMessage rebuilds a Homestead or EIP-155 transaction.
func legacyFromMessage(m *message.Message, sig []byte, to *common.Address, input []byte, chainID uint64) (*Tx, error) {
	want := []int{homesteadSigLen}
	if sig[0] == eip155SigPrefix {
		want = eip155SigLens(chainID)
	}
	if !slices.Contains(want, len(sig)) {
		return nil, fmt.Errorf("%w: legacy signature with prefix %#x is %d bytes, want %v", ErrNotEthereum, sig[0], len(sig), want)
	}
	v := new(big.Int).SetBytes(sig[65:])
	tx, err := wrap(types.NewTx(&types.LegacyTx{
		Nonce: m.Sequence, GasPrice: m.GasFeeCap.Int, Gas: m.GasLimit,
		To: to, Value: m.Value.Int, Data: input,
		R: new(big.Int).SetBytes(sig[1:33]), S: new(big.Int).SetBytes(sig[33:65]), V: v,
	}))
	if err != nil {
		return nil, err
	}
	wantKind := Homestead
	if sig[0] == eip155SigPrefix {
		wantKind = EIP155
	}
	if tx.kind != wantKind {
		return nil, fmt.Errorf("%w: %s signature prefix with v %s", ErrNotEthereum, wantKind, v)
	}
	if err := tx.checkChain(chainID); err != nil {
		return nil, err
	}
	return tx, nil
}

// eip155SigLens are the lengths of an EIP-155 delegated signature on chain
// chainID: the prefix, r, s and v = chainID·2+35 or +36 (the recovery id)
// big-endian. Quirk (Lotus ethtypes): either length is accepted whatever v
// is; they differ only when +36 carries into a new byte.
func eip155SigLens(chainID uint64) []int {
	var lens []int
	for _, add := range []int64{35, 36} {
		v := new(big.Int).SetUint64(chainID)
		v.Lsh(v, 1).Add(v, big.NewInt(add))
		lens = append(lens, 1+64+len(v.Bytes()))
	}
	return lens
}

// ethCall reads a message's Ethereum recipient and input (Lotus's
// getEthParamsAndRecipient): CreateExternal on the EAM is a creation (nil
// recipient), InvokeContract a call; any other method is not an Ethereum
// transaction.
func ethCall(m *message.Message) (*fvm.EthAddress, []byte, error) {
	input, err := Input(m.Params)
	if err != nil {
		return nil, nil, err
	}
	if m.To == builtin.EthereumAddressManagerActorAddr {
		if m.Method != builtin.MethodsEAM.CreateExternal {
			return nil, nil, fmt.Errorf("%w: EAM method %d", ErrNotEthereum, m.Method)
		}
		return nil, input, nil
	}
	if m.Method != builtin.MethodsEVM.InvokeContract {
		return nil, nil, fmt.Errorf("%w: method %d: only InvokeContract (%d) or CreateExternal (%d)",
			ErrNotEthereum, m.Method, builtin.MethodsEVM.InvokeContract, builtin.MethodsEAM.CreateExternal)
	}
	to, err := fvm.EthAddressOf(m.To)
	if err != nil {
		return nil, nil, fmt.Errorf("%w: recipient: %w", ErrNotEthereum, err)
	}
	return &to, input, nil
}

// Authenticate checks a message's delegated signature as a Lotus node does
// before accepting it (AuthenticateMessage): the message must round-trip
// through its Ethereum transaction unchanged, and the transaction's
// signature must recover the sender's f410 address.
func Authenticate(smsg *message.SignedMessage, chainID uint64) error {
	tx, err := FromSignedMessage(smsg, chainID)
	if err != nil {
		return fmt.Errorf("failed to reconstruct Ethereum transaction: %w", err)
	}
	back, err := tx.unsignedMessage(smsg.Message.From)
	if err != nil {
		return fmt.Errorf("failed to reconstruct Filecoin message: %w", err)
	}
	if back.Cid() != smsg.Message.Cid() {
		return fmt.Errorf("%w: Ethereum transaction roundtrip mismatch", ErrSignature)
	}
	sender, err := tx.Sender(chainID)
	if err != nil {
		return err
	}
	want, err := address.NewDelegatedAddress(fvm.EAMNamespace, sender[:])
	if err != nil || want != smsg.Message.From {
		return fmt.Errorf("%w: signature recovers %s, not %s", ErrSignature, sender, smsg.Message.From)
	}
	return nil
}

// HashOf is the Ethereum transaction hash of a signed Filecoin message
// (Lotus's ethTxHashFromSignedMessage): keccak-256 of the rebuilt envelope
// for a delegated signature; otherwise the 32-byte digest of the message's
// CID (the signed message's for secp256k1, the unsigned one's for BLS).
func HashOf(smsg *message.SignedMessage, chainID uint64) ([32]byte, error) {
	if smsg.Signature.Type == fcrypto.SigTypeDelegated {
		tx, err := FromSignedMessage(smsg, chainID)
		if err != nil {
			return [32]byte{}, err
		}
		return tx.Hash(), nil
	}
	return HashOfCid(smsg.Cid())
}

// HashOfCid is the Ethereum form of a blake2b-256 DAG-CBOR CID (a message's
// or a tipset key's): its 32-byte digest.
func HashOfCid(c cid.Cid) ([32]byte, error) {
	pre := c.Prefix()
	if pre.Version != 1 || pre.Codec != cid.DagCBOR || pre.MhType != blake2b256 || pre.MhLength != 32 {
		return [32]byte{}, fmt.Errorf("ethtx: CID %s is not a blake2b-256 DAG-CBOR CID", c)
	}
	var h [32]byte
	copy(h[:], c.Hash()[len(c.Hash())-32:])
	return h, nil
}

// CidOfHash is the inverse of [HashOfCid].
func CidOfHash(h [32]byte) cid.Cid {
	digest, _ := mh.Encode(h[:], blake2b256) // a known code with a 32-byte digest always encodes
	return cid.NewCidV1(cid.DagCBOR, digest)
}

// blake2b256 is the multihash code of blake2b-256.
const blake2b256 = mh.BLAKE2B_MIN + 31

// SigningBytes is what an Ethereum key signs for a Filecoin message from its
// f410 address (Lotus's messagesigner.SigningBytes for delegated senders):
// the unsigned EIP-1559 envelope (0x02 ‖ RLP) of the transaction the message
// stands for; its keccak-256 is the signed digest. The signature r ‖ s ‖ v
// (v 0 or 1) is the message's delegated signature.
func SigningBytes(msg *message.Message, chainID uint64) ([]byte, error) {
	if msg.Version != 0 {
		return nil, fmt.Errorf("%w: message version %d", ErrNotEthereum, msg.Version)
	}
	to, input, err := ethCall(msg)
	if err != nil {
		return nil, err
	}
	var gethTo *common.Address
	if to != nil {
		a := common.Address(*to)
		gethTo = &a
	}
	id := new(big.Int).SetUint64(chainID)
	tx := types.NewTx(&types.DynamicFeeTx{
		ChainID: id, Nonce: msg.Sequence, GasTipCap: msg.GasPremium.Int, GasFeeCap: msg.GasFeeCap.Int,
		Gas: msg.GasLimit, To: gethTo, Value: msg.Value.Int, Data: input,
	})
	return unsignedEnvelope(tx, id)
}
