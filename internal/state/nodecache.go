package state

import (
	"sync"
)

// NodeCache keeps parsed HAMT nodes (of the actors map and the init actor's
// address map) across the state trees of many machines: a node is named by
// the hash of its bytes, so a node parsed once is the same node in every
// later state that links to it. A node validates the same way whether it
// comes from the cache or the store; only the parse is saved, and a cache
// hit skips the store's Get (a store lacking a cached node still serves it).
//
// A node validating tipsets creates a machine per tipset over a state that
// differs from the last one by the paths the tipset changed: those are
// cached as they are written, so each machine finds the state's nodes parsed.
//
// Nodes are kept in two generations: a lookup that finds a node in the old
// one moves it to the new one, and when the new one holds half the budget it
// becomes the old one, dropping what the old one still held. NodeCache is
// safe for concurrent use; the nodes it holds are never modified.
type NodeCache struct {
	mu       sync.Mutex
	budget   int
	size     int // bytes in cur
	cur, old map[string]*parsedNode
}

// parsedNode is a node as read: its block and where each pointer's encoding
// lies in it (see hamtNode), with its counts of links and of pairs.
type parsedNode struct {
	bitfield     uint32
	data         []byte
	offs         []uint32
	links, pairs int
}

// NewNodeCache returns a cache that holds about maxBytes of node blocks
// (at least one node at any size).
func NewNodeCache(maxBytes int) *NodeCache {
	return &NodeCache{budget: maxBytes, cur: map[string]*parsedNode{}}
}

// get returns the parsed node of the CID bytes key, if cached.
func (c *NodeCache) get(key string) *parsedNode {
	if c == nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if p, ok := c.cur[key]; ok {
		return p
	}
	p, ok := c.old[key]
	if ok {
		delete(c.old, key)
		c.addLocked(key, p)
	}
	return p
}

// add caches the parsed node of the CID bytes key.
func (c *NodeCache) add(key string, p *parsedNode) {
	if c == nil {
		return
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if _, ok := c.cur[key]; !ok {
		c.addLocked(key, p)
	}
}

func (c *NodeCache) addLocked(key string, p *parsedNode) {
	cost := len(p.data) + 4*len(p.offs) + len(key) + 64
	if c.size+cost > c.budget/2 && len(c.cur) > 0 {
		c.old, c.cur, c.size = c.cur, map[string]*parsedNode{}, 0
	}
	c.cur[key] = p
	c.size += cost
}
