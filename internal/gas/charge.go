package gas

// GasCharge is one charge against the gas tracker: a name (shown in
// execution traces), a compute part and an "other" part (storage, memory
// retention, deferred work, extern costs). Only the sum is consensus
// relevant; the split exists for tracing and benchmarking.
type GasCharge struct {
	// Name identifies the charge in traces, e.g. "OnBlockOpenBase".
	Name string
	// ComputeGas is gas for immediate computation.
	ComputeGas Gas
	// OtherGas is every other gas component.
	OtherGas Gas
}

// NewGasCharge returns a charge with the given name and parts.
func NewGasCharge(name string, compute, other Gas) GasCharge {
	return GasCharge{Name: name, ComputeGas: compute, OtherGas: other}
}

// Total returns ComputeGas + OtherGas, saturating: the amount charged.
func (c GasCharge) Total() Gas {
	return c.ComputeGas.Add(c.OtherGas)
}
