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
	// Credit is subtracted from the charge. Only FVM v2 has negative
	// prices (ref-fvm v2 Gas is a signed i64): deleting an actor refunds
	// its storage, and the gas.charge syscall takes a signed amount. A
	// charge with a credit may lower the gas used, even below zero.
	Credit Gas
}

// NewGasCharge returns a charge with the given name and parts.
func NewGasCharge(name string, compute, other Gas) GasCharge {
	return GasCharge{Name: name, ComputeGas: compute, OtherGas: other}
}

// Total returns ComputeGas + OtherGas - Credit, saturating (at zero when
// the credit is the larger): the amount charged when it is not negative.
func (c GasCharge) Total() Gas {
	return c.ComputeGas.Add(c.OtherGas).Sub(c.Credit)
}

// Debit returns ComputeGas + OtherGas, saturating: what the charge adds
// before its credit is taken off.
func (c GasCharge) Debit() Gas {
	return c.ComputeGas.Add(c.OtherGas)
}
