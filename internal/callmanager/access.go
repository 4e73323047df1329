package callmanager

import (
	"github.com/filecoin-project/go-address"

	"github.com/go-fvm/go-fvm/internal/history"
)

// accessLevel is how far a message has touched an actor: state access is
// charged once per message (FIP-0057).
type accessLevel uint8

const (
	accessNone accessLevel = iota
	accessRead
	accessUpdated
)

// preloadedActors are charged nothing for access: they are touched by every
// tipset anyway (system, init, reward, cron, power, market, verifreg,
// datacap, EAM, burnt funds).
var preloadedActors = []uint64{0, 1, 2, 3, 4, 5, 6, 7, 10, 99}

// accessTracker remembers, transactionally, which actors a message has read
// or updated and which addresses it has resolved.
type accessTracker struct {
	actors   *history.Map[uint64, accessLevel]
	resolved *history.Map[address.Address, struct{}]
	layers   [][2]int
}

func newAccessTracker() *accessTracker {
	t := &accessTracker{
		actors:   history.NewMap[uint64, accessLevel](),
		resolved: history.NewMap[address.Address, struct{}](),
	}
	for _, id := range preloadedActors {
		t.actors.Set(id, accessUpdated)
	}
	return t
}

func (t *accessTracker) level(id uint64) accessLevel {
	l, _ := t.actors.Get(id)
	return l
}

func (t *accessTracker) raise(id uint64, l accessLevel) {
	if t.level(id) < l {
		t.actors.Set(id, l)
	}
}

func (t *accessTracker) isResolved(a address.Address) bool {
	_, ok := t.resolved.Get(a)
	return ok
}

func (t *accessTracker) markResolved(a address.Address) {
	if !t.isResolved(a) {
		t.resolved.Set(a, struct{}{})
	}
}

func (t *accessTracker) begin() {
	t.layers = append(t.layers, [2]int{t.actors.Height(), t.resolved.Height()})
}

func (t *accessTracker) end(revert bool) {
	l := t.layers[len(t.layers)-1]
	t.layers = t.layers[:len(t.layers)-1]
	if revert {
		t.actors.Rollback(l[0])
		t.resolved.Rollback(l[1])
	}
	if len(t.layers) == 0 {
		t.actors.DiscardHistory()
		t.resolved.DiscardHistory()
	}
}
