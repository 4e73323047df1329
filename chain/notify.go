package chain

import (
	"context"
	"sync"
)

// Head change types (Lotus's ChainNotify).
const (
	// HCCurrent is the first change a subscriber gets: the head at the time.
	HCCurrent = "current"
	// HCApply is a new head.
	HCApply = "apply"
	// HCRevert is a tipset taken off the chain (by Revert).
	HCRevert = "revert"
)

// HeadChange is a change of the head.
type HeadChange struct {
	Type   string
	TipSet *TipSet
}

// subscriberBuffer is how many changes a subscriber may fall behind before it
// is dropped (its channel closed).
const subscriberBuffer = 256

type subscribers struct {
	mu   sync.Mutex
	next int
	subs map[int]chan []HeadChange
}

func newSubscribers() *subscribers { return &subscribers{subs: map[int]chan []HeadChange{}} }

func (s *subscribers) publish(changes []HeadChange) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ch := range s.subs {
		select {
		case ch <- changes:
		default:
			close(ch)
			delete(s.subs, id)
		}
	}
}

func (s *subscribers) remove(id int) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if ch, ok := s.subs[id]; ok {
		close(ch)
		delete(s.subs, id)
	}
}

func (s *subscribers) closeAll() {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id, ch := range s.subs {
		close(ch)
		delete(s.subs, id)
	}
}

// SubscribeHeads returns a channel of head changes: first the current head
// (HCCurrent), then each new head (HCApply) and each reverted tipset
// (HCRevert). The channel closes when ctx ends, when the chain closes, or when
// the subscriber falls too far behind.
func (c *Chain) SubscribeHeads(ctx context.Context) <-chan []HeadChange {
	ch := make(chan []HeadChange, subscriberBuffer)
	head := c.Head() // before s.mu: it may mine, which publishes
	s := c.subs
	s.mu.Lock()
	id := s.next
	s.next++
	ch <- []HeadChange{{Type: HCCurrent, TipSet: head}}
	s.subs[id] = ch
	s.mu.Unlock()
	go func() {
		<-ctx.Done()
		s.remove(id)
	}()
	return ch
}
