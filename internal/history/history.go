package history

// Map is a map that records every write so that it can be rolled back
// to an earlier height in time proportional to the writes undone. Opening a
// snapshot is then just remembering the current height.
type Map[K comparable, V any] struct {
	// M is the current contents; read it freely, write only through Set.
	M       map[K]V
	history []undo[K, V]
}

// undo restores key to its previous value, or removes it if it had none.
type undo[K comparable, V any] struct {
	key     K
	prev    V
	existed bool
}

// NewMap returns an empty map.
func NewMap[K comparable, V any]() *Map[K, V] {
	return &Map[K, V]{M: make(map[K]V)}
}

// Get returns the value of k.
func (h *Map[K, V]) Get(k K) (V, bool) {
	v, ok := h.M[k]
	return v, ok
}

// Set sets k to v, recording the previous value.
func (h *Map[K, V]) Set(k K, v V) {
	prev, existed := h.M[k]
	h.history = append(h.history, undo[K, V]{key: k, prev: prev, existed: existed})
	h.M[k] = v
}

// Height is the current length of the history.
func (h *Map[K, V]) Height() int { return len(h.history) }

// Rollback undoes every write made after height.
func (h *Map[K, V]) Rollback(height int) {
	for i := len(h.history) - 1; i >= height; i-- {
		u := h.history[i]
		if u.existed {
			h.M[u.key] = u.prev
		} else {
			delete(h.M, u.key)
		}
	}
	clear(h.history[height:])
	h.history = h.history[:height]
}

// DiscardHistory forgets the history: no rollback can go behind this point.
func (h *Map[K, V]) DiscardHistory() {
	clear(h.history)
	h.history = h.history[:0]
}
