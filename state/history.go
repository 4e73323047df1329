package state

// historyMap is a map that records every write so that it can be rolled back
// to an earlier height in time proportional to the writes undone. Opening a
// snapshot is then just remembering the current height.
type historyMap[K comparable, V any] struct {
	m       map[K]V
	history []undo[K, V]
}

// undo restores key to its previous value, or removes it if it had none.
type undo[K comparable, V any] struct {
	key     K
	prev    V
	existed bool
}

func newHistoryMap[K comparable, V any]() *historyMap[K, V] {
	return &historyMap[K, V]{m: make(map[K]V)}
}

func (h *historyMap[K, V]) get(k K) (V, bool) {
	v, ok := h.m[k]
	return v, ok
}

func (h *historyMap[K, V]) set(k K, v V) {
	prev, existed := h.m[k]
	h.history = append(h.history, undo[K, V]{key: k, prev: prev, existed: existed})
	h.m[k] = v
}

// height is the current length of the history.
func (h *historyMap[K, V]) height() int { return len(h.history) }

// rollback undoes every write made after height.
func (h *historyMap[K, V]) rollback(height int) {
	for i := len(h.history) - 1; i >= height; i-- {
		u := h.history[i]
		if u.existed {
			h.m[u.key] = u.prev
		} else {
			delete(h.m, u.key)
		}
	}
	clear(h.history[height:])
	h.history = h.history[:height]
}

// discardHistory forgets the history: no rollback can go behind this point.
func (h *historyMap[K, V]) discardHistory() {
	clear(h.history)
	h.history = h.history[:0]
}
