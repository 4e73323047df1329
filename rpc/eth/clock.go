package eth

import (
	"sync"
	"time"
)

// Clock is a chain clock that evm_increaseTime and evm_setNextBlockTimestamp
// move: the wall clock plus an offset. Give Now to chain.Config.Clock.
type Clock struct {
	mu     sync.Mutex
	wall   func() time.Time
	offset time.Duration
}

// NewClock is a clock over wall (time.Now when nil).
func NewClock(wall func() time.Time) *Clock {
	if wall == nil {
		wall = time.Now
	}
	return &Clock{wall: wall}
}

// Now is the wall time plus the offset.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall().Add(c.offset)
}

// Advance moves the clock forward by d and returns the total offset.
func (c *Clock) Advance(d time.Duration) time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset += d
	return c.offset
}

// Set moves the clock so that it reads t now.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.offset = t.Sub(c.wall())
}
