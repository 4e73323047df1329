package callmanager

// EventEntry is one entry of an actor event.
type EventEntry struct {
	Flags uint64
	Key   string
	Codec uint64
	Value []byte
}

// StampedEvent is an event with the id of the actor that emitted it.
type StampedEvent struct {
	Emitter uint64
	Entries []EventEntry
}

// EmitEvent appends an event to the message's accumulator; a reverted
// transaction drops it again.
func (cm *CallManager) EmitEvent(ev StampedEvent) {
	cm.events = append(cm.events, ev)
}

// Events returns the events emitted so far, in order.
func (cm *CallManager) Events() []StampedEvent { return cm.events }
