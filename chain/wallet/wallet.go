package wallet

import (
	"errors"
	"fmt"
	"sync"

	"github.com/filecoin-project/go-address"

	gscrypto "github.com/filecoin-project/go-state-types/crypto"

	"github.com/go-fvm/go-fvm/message"
)

// ErrNoKey is returned (wrapped) for an address the wallet has no key for.
var ErrNoKey = errors.New("no key for address")

// Wallet is a set of keys by address, in the order they were added. It is
// safe for concurrent use.
type Wallet struct {
	mu    sync.RWMutex
	keys  map[address.Address]*Key
	order []address.Address
}

// New returns an empty wallet.
func New() *Wallet {
	return &Wallet{keys: map[address.Address]*Key{}}
}

// Add adds a key (again adding a key it holds does nothing).
func (w *Wallet) Add(k *Key) {
	w.mu.Lock()
	defer w.mu.Unlock()
	if _, ok := w.keys[k.Address]; ok {
		return
	}
	w.keys[k.Address] = k
	w.order = append(w.order, k.Address)
}

// Key returns the key of an address.
func (w *Wallet) Key(a address.Address) (*Key, error) {
	w.mu.RLock()
	defer w.mu.RUnlock()
	k, ok := w.keys[a]
	if !ok {
		return nil, fmt.Errorf("%w %s", ErrNoKey, a)
	}
	return k, nil
}

// Has reports whether the wallet holds the key of an address.
func (w *Wallet) Has(a address.Address) bool {
	_, err := w.Key(a)
	return err == nil
}

// List returns the addresses of the wallet's keys, in the order they were added.
func (w *Wallet) List() []address.Address {
	w.mu.RLock()
	defer w.mu.RUnlock()
	return append([]address.Address(nil), w.order...)
}

// Sign signs data with the key of an address (see Key.Sign).
func (w *Wallet) Sign(a address.Address, data []byte) (gscrypto.Signature, error) {
	k, err := w.Key(a)
	if err != nil {
		return gscrypto.Signature{}, err
	}
	return k.Sign(data)
}

// ErrNeedsCodec is returned (wrapped) when a message from an f410 sender is
// to be signed without the Ethereum transaction codec's signing bytes.
var ErrNeedsCodec = errors.New("f410 senders sign an Ethereum transaction: no codec given")

// SigningBytes returns what an f410 sender signs for a message (the RLP of
// its Ethereum transaction), from the Ethereum transaction codec.
type SigningBytes func(m *message.Message, chainID uint64) ([]byte, error)

// SignMessage signs a message with its sender's key: f1 and f3 senders over
// the message CID's bytes, f410 senders over eth's signing bytes (nil refuses them).
func (w *Wallet) SignMessage(m *message.Message, eth SigningBytes, chainID uint64) (*message.SignedMessage, error) {
	k, err := w.Key(m.From)
	if err != nil {
		return nil, err
	}
	return k.SignMessage(m, eth, chainID)
}

// SignMessage signs a message from this key's address (see Wallet.SignMessage).
func (k *Key) SignMessage(m *message.Message, eth SigningBytes, chainID uint64) (*message.SignedMessage, error) {
	data := m.Cid().Bytes()
	if k.Type == Delegated {
		if eth == nil {
			return nil, fmt.Errorf("signing for %s: %w", k.Address, ErrNeedsCodec)
		}
		var err error
		if data, err = eth(m, chainID); err != nil {
			return nil, fmt.Errorf("signing for %s: %w", k.Address, err)
		}
	}
	sig, err := k.Sign(data)
	if err != nil {
		return nil, err
	}
	return &message.SignedMessage{Message: *m, Signature: sig}, nil
}
