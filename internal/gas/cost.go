package gas

// ScalingCost is a cost of Flat + Scale × n.
type ScalingCost struct {
	Flat  Gas
	Scale Gas
}

// FixedCost returns a ScalingCost that does not scale.
func FixedCost(g Gas) ScalingCost {
	return ScalingCost{Flat: g}
}

// Apply returns Flat + Scale × n, saturating.
func (c ScalingCost) Apply(n uint64) Gas {
	return c.Flat.Add(c.Scale.Mul(n))
}

// ApplyInt is Apply for a Go length or count (see Gas.MulInt for negative n).
func (c ScalingCost) ApplyInt(n int) Gas {
	return c.Apply(lenU64(n))
}

// Step is one entry of a StepCost: Cost applies from Start upwards.
type Step struct {
	Start uint64
	Cost  Gas
}

// StepCost is a step function given as steps in ascending Start order.
type StepCost []Step

// Lookup returns the cost of the last step whose Start is <= x, or zero if
// there is none.
func (s StepCost) Lookup(x uint64) Gas {
	for i := len(s) - 1; i >= 0; i-- {
		if s[i].Start <= x {
			return s[i].Cost
		}
	}
	return Gas{}
}
