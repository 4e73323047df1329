package wallet

import (
	"crypto/hmac"
	"crypto/pbkdf2"
	"crypto/sha512"
	"encoding/binary"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/decred/dcrd/dcrec/secp256k1/v4"
	"golang.org/x/text/unicode/norm"
)

// DefaultMnemonic is the mnemonic dev keys come from unless the user gives
// another: the one Anvil and Hardhat use, so the Ethereum accounts are the
// ones their users know (account 0 is 0xf39F…2266).
const DefaultMnemonic = "test test test test test test test test test test test junk"

// Derivation paths of the dev accounts; %d is the account index.
const (
	EthPath      = "m/44'/60'/0'/0/%d"
	FilecoinPath = "m/44'/461'/0'/0/%d"
	// BLSPath is where DeriveBLS takes BLS keys from (go-fvm's own choice:
	// BIP-44 has no BLS convention): the devnet's miner key is index 0.
	BLSPath = "m/44'/461'/1'/0/%d"
)

// ErrBadPath is returned (wrapped) for a derivation path that cannot be parsed.
var ErrBadPath = errors.New("bad derivation path")

// MnemonicSeed is the BIP-39 seed of a mnemonic sentence and passphrase:
// PBKDF2-HMAC-SHA512 over their NFKD forms, 2048 rounds. The words are not
// checked against a word list.
func MnemonicSeed(mnemonic, passphrase string) ([]byte, error) {
	words := strings.Join(strings.Fields(norm.NFKD.String(mnemonic)), " ")
	salt := "mnemonic" + norm.NFKD.String(passphrase)
	return pbkdf2.Key(sha512.New, words, []byte(salt), 2048, 64)
}

// Derive returns the secp256k1 private key at a BIP-32 path ("m/44'/60'/0'/0/0")
// under a seed.
func Derive(seed []byte, path string) ([]byte, error) {
	steps, err := parsePath(path)
	if err != nil {
		return nil, err
	}
	mac := hmac.New(sha512.New, []byte("Bitcoin seed"))
	mac.Write(seed)
	i := mac.Sum(nil)
	key, chainCode := i[:32], i[32:]
	if !validScalar(key) {
		return nil, fmt.Errorf("seed gives an invalid master key")
	}
	for _, idx := range steps {
		key, chainCode, err = child(key, chainCode, idx)
		if err != nil {
			return nil, fmt.Errorf("%s: %w", path, err)
		}
	}
	return key, nil
}

func parsePath(path string) ([]uint32, error) {
	parts := strings.Split(path, "/")
	if len(parts) == 0 || parts[0] != "m" {
		return nil, fmt.Errorf("%w %q: must start with m/", ErrBadPath, path)
	}
	steps := make([]uint32, 0, len(parts)-1)
	for _, p := range parts[1:] {
		hardened := strings.HasSuffix(p, "'")
		n, err := strconv.ParseUint(strings.TrimSuffix(p, "'"), 10, 31)
		if err != nil {
			return nil, fmt.Errorf("%w %q: step %q", ErrBadPath, path, p)
		}
		idx := uint32(n)
		if hardened {
			idx |= 1 << 31
		}
		steps = append(steps, idx)
	}
	return steps, nil
}

// child is BIP-32's CKDpriv.
func child(key, chainCode []byte, idx uint32) ([]byte, []byte, error) {
	data := make([]byte, 0, 37)
	if idx >= 1<<31 {
		data = append(append(data, 0), key...)
	} else {
		data = append(data, secp256k1.PrivKeyFromBytes(key).PubKey().SerializeCompressed()...)
	}
	data = binary.BigEndian.AppendUint32(data, idx)
	mac := hmac.New(sha512.New, chainCode)
	mac.Write(data)
	i := mac.Sum(nil)
	var il, k secp256k1.ModNScalar
	if overflow := il.SetByteSlice(i[:32]); overflow {
		return nil, nil, fmt.Errorf("index %d gives an invalid key", idx)
	}
	k.SetByteSlice(key)
	k.Add(&il)
	if k.IsZero() {
		return nil, nil, fmt.Errorf("index %d gives a zero key", idx)
	}
	out := k.Bytes()
	return out[:], i[32:], nil
}

func validScalar(b []byte) bool {
	var s secp256k1.ModNScalar
	overflow := s.SetByteSlice(b)
	return !overflow && !s.IsZero()
}
