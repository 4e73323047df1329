package callmanager

import "github.com/go-fvm/go-fvm/internal/kernel"

// EmitEvent appends an event to the message's accumulator; a reverted
// transaction drops it again.
func (cm *CallManager) EmitEvent(ev kernel.StampedEvent) {
	cm.events = append(cm.events, ev)
}

// Events returns the events emitted so far, in order.
func (cm *CallManager) Events() []kernel.StampedEvent { return cm.events }
