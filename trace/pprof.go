package trace

import (
	"fmt"

	"github.com/google/pprof/profile"
)

// Profile returns a message's gas as a pprof profile: one sample per gas charge, whose
// values are its total, compute and storage gas and whose stack is the call path (each frame
// "kind.Method", root outermost) with the charge's name as the leaf. `go tool pprof -http`
// draws it as a flame graph of where the gas went.
func Profile(root *Call) *profile.Profile {
	p := &profile.Profile{
		SampleType: []*profile.ValueType{
			{Type: "gas", Unit: "gas"}, {Type: "compute_gas", Unit: "gas"}, {Type: "storage_gas", Unit: "gas"},
		},
		DefaultSampleType: "gas",
		PeriodType:        &profile.ValueType{Type: "gas", Unit: "gas"},
		Period:            1,
	}
	b := &profileBuilder{p: p, locations: map[string]*profile.Location{}}
	if root != nil {
		b.call(root, nil)
	}
	return p
}

type profileBuilder struct {
	p         *profile.Profile
	locations map[string]*profile.Location
}

// location returns the location (and function) of a frame name, one per name.
func (b *profileBuilder) location(name string) *profile.Location {
	if l, ok := b.locations[name]; ok {
		return l
	}
	id := uint64(len(b.locations) + 1)
	fn := &profile.Function{ID: id, Name: name, SystemName: name}
	l := &profile.Location{ID: id, Line: []profile.Line{{Function: fn}}}
	b.p.Function = append(b.p.Function, fn)
	b.p.Location = append(b.p.Location, l)
	b.locations[name] = l
	return l
}

// call adds a call's charges under stack (leaf first, as pprof orders locations), then its
// subcalls'.
func (b *profileBuilder) call(c *Call, outer []*profile.Location) {
	stack := append([]*profile.Location{b.location(frameName(c))}, outer...)
	for _, ch := range c.Gas.Charges {
		loc := append([]*profile.Location{b.location(ch.Name)}, stack...)
		b.p.Sample = append(b.p.Sample, &profile.Sample{
			Location: loc,
			Value:    []int64{ch.Total, ch.Compute, ch.Storage},
		})
	}
	for _, s := range c.Subcalls {
		b.call(s, stack)
	}
}

// frameName is "storagemarket.PublishStorageDeals", or the actor's id and the method
// number when the actor or method is not known.
func frameName(c *Call) string {
	actor := c.To.String()
	if c.Actor != nil {
		actor = fmt.Sprintf("f0%d", c.Actor.ID)
		if c.Actor.Kind != "" {
			actor = c.Actor.Kind
		}
	}
	return actor + "." + c.methodLabel()
}
