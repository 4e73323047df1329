package wallet

import (
	"errors"
	"fmt"
	"sync"

	"github.com/filecoin-project/go-address"

	"github.com/go-fvm/go-fvm/crypto"
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
func (w *Wallet) Sign(a address.Address, data []byte) (crypto.Signature, error) {
	k, err := w.Key(a)
	if err != nil {
		return crypto.Signature{}, err
	}
	return k.Sign(data)
}
