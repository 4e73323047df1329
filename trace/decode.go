package trace

import (
	"bytes"
	"fmt"
	"reflect"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/bundle"
)

// Lookup says which builtin actor a code CID is: its kind (the manifest name, such as
// "storagemarket" or "evm") and its actors version. ok is false for code it does not know.
type Lookup func(code cid.Cid) (kind string, version int, ok bool)

// ManifestLookup is the Lookup of a bundle's manifest at an actors version.
func ManifestLookup(m *bundle.Manifest, version int) Lookup {
	return func(code cid.Cid) (string, int, bool) {
		if m == nil {
			return "", 0, false
		}
		e, _, ok := m.Lookup(code)
		if !ok {
			return "", 0, false
		}
		return e.Name, version, true
	}
}

// VMLookup is the Lookup of the actors a VM runs: its state's manifest at the actors version
// of its network version.
func VMLookup(vm *fvm.VM) (Lookup, error) {
	v, err := bundle.ActorsVersionFor(vm.NetworkVersion())
	if err != nil {
		return nil, err
	}
	return ManifestLookup(vm.Manifest(), v), nil
}

// Actor is the actor a call ran.
type Actor struct {
	ID   abi.ActorID `json:"id"`
	Code cid.Cid     `json:"code"`
	// Kind is the builtin actor's manifest name; Version the actors version (both empty for
	// code the Lookup does not know).
	Kind    string `json:"kind,omitempty"`
	Version int    `json:"version,omitempty"`
}

// Call is one decoded call of a message's call tree.
type Call struct {
	From   address.Address `json:"from"`
	To     address.Address `json:"to"`
	Actor  *Actor          `json:"actor,omitempty"` // nil when no actor ran (the call failed first)
	Method abi.MethodNum   `json:"method"`
	// MethodName is the method's name in the actor's method table ("Send" for method 0; ""
	// when the table has no such method).
	MethodName string          `json:"method_name,omitempty"`
	Value      abi.TokenAmount `json:"value"`
	GasLimit   uint64          `json:"gas_limit"`
	ReadOnly   bool            `json:"read_only,omitempty"`
	Params     *Value          `json:"params,omitempty"`
	// EVM is set for EVM contract invocations: the calldata's selector, the calldata and the
	// return data.
	EVM      *EVMCall          `json:"evm,omitempty"`
	ExitCode exitcode.ExitCode `json:"exit_code"`
	Return   *Value            `json:"return,omitempty"`
	Gas      Gas               `json:"gas"`
	Subcalls []*Call           `json:"subcalls,omitempty"`
}

// EVMCall is an EVM contract invocation's calldata and return data.
type EVMCall struct {
	// Selector is the first 4 bytes of the calldata (the Solidity function selector).
	Selector   Bytes `json:"selector,omitempty"`
	Calldata   Bytes `json:"calldata"`
	ReturnData Bytes `json:"return_data,omitempty"`
}

// Gas is a call's gas: Total is its own charges and its subcalls', Own its own charges'.
type Gas struct {
	Total   int64    `json:"total"`
	Own     int64    `json:"own"`
	Charges []Charge `json:"charges,omitempty"`
}

// Charge is one gas charge, in gas units.
type Charge struct {
	Name    string `json:"name"`
	Total   int64  `json:"total"`
	Compute int64  `json:"compute"`
	Storage int64  `json:"storage"`
}

// methodSend is the bare value transfer (method 0).
const methodSend = 0

// Decode decodes a call tree with the method tables of the actors lookup names. Params and
// returns that do not decode keep their bytes and say why. A nil trace is nil.
func Decode(tr *fvm.ExecutionTrace, lookup Lookup) *Call {
	if tr == nil {
		return nil
	}
	if lookup == nil {
		lookup = func(cid.Cid) (string, int, bool) { return "", 0, false }
	}
	return decodeCall(tr, lookup)
}

func decodeCall(tr *fvm.ExecutionTrace, lookup Lookup) *Call {
	m := tr.Msg
	c := &Call{From: m.From, To: m.To, Method: m.Method, Value: m.Value, GasLimit: m.GasLimit,
		ReadOnly: m.ReadOnly, ExitCode: tr.MsgRct.ExitCode}
	var meta *builtin.MethodMeta
	if a := tr.InvokedActor; a != nil {
		c.Actor = &Actor{ID: a.ID, Code: a.State.Code}
		if kind, version, ok := lookup(a.State.Code); ok {
			c.Actor.Kind, c.Actor.Version = kind, version
			if mm, ok := methodTable(version, kind)[m.Method]; ok {
				meta = &mm
			}
		}
	}
	switch {
	case m.Method == methodSend:
		c.MethodName = "Send"
	case meta != nil:
		c.MethodName = meta.Name
	}
	c.Params = decodeData(meta, true, m.ParamsCodec, m.Params)
	if tr.MsgRct.ExitCode == exitcode.Ok || len(tr.MsgRct.Return) > 0 {
		c.Return = decodeData(meta, false, tr.MsgRct.ReturnCodec, tr.MsgRct.Return)
	}
	c.EVM = evmCall(c, tr)
	for _, g := range tr.GasCharges {
		c.Gas.Charges = append(c.Gas.Charges, Charge{Name: g.Name, Total: g.TotalGas, Compute: g.ComputeGas, Storage: g.StorageGas})
		c.Gas.Own += g.TotalGas
	}
	c.Gas.Total = c.Gas.Own
	for i := range tr.Subcalls {
		sub := decodeCall(&tr.Subcalls[i], lookup)
		c.Gas.Total += sub.Gas.Total
		c.Subcalls = append(c.Subcalls, sub)
	}
	return c
}

// decodeData decodes a call's params (or return) with the method's type when the method is
// known and the call succeeded in reaching it, generically otherwise. Nothing is nil.
func decodeData(meta *builtin.MethodMeta, params bool, codec uint64, data []byte) *Value {
	if len(data) == 0 && codec == codecNone {
		return nil
	}
	if t, ok := methodType(meta, params); ok && (codec == codecCBOR || codec == codecDagCBOR) {
		v := decodeTyped(t, codec, data)
		if v.Error == "" {
			return v
		}
		// A failed call's return is often an error payload of another shape: show what it is.
		if u := decodeUntyped(codec, data); u.Error == "" {
			u.Error = v.Error
			return u
		}
		return v
	}
	return decodeUntyped(codec, data)
}

// methodType is the type of a method's parameter (or return) from its typed function in
// go-state-types' table; abi.EmptyValue and deprecated methods have none.
func methodType(meta *builtin.MethodMeta, params bool) (reflect.Type, bool) {
	if meta == nil || meta.Method == nil {
		return nil, false
	}
	ft := reflect.TypeOf(meta.Method)
	if ft.Kind() != reflect.Func {
		return nil, false
	}
	var t reflect.Type
	switch {
	case params && ft.NumIn() == 1:
		t = ft.In(0)
	case !params && ft.NumOut() == 1:
		t = ft.Out(0)
	default:
		return nil, false
	}
	if t == reflect.TypeFor[*abi.EmptyValue]() {
		return nil, false
	}
	return t, true
}

// evmCall extracts the calldata of an EVM invocation (InvokeContract, FRC-42 "InvokeEVM",
// whose params and return are CBOR byte strings; InvokeContractDelegate, whose params carry
// the input).
func evmCall(c *Call, tr *fvm.ExecutionTrace) *EVMCall {
	var calldata []byte
	switch {
	case c.Method == fvm.MethodInvokeContract:
		b, ok := cborBytes(tr.Msg.Params)
		if !ok {
			return nil
		}
		calldata = b
	case c.MethodName == "InvokeContractDelegate" && c.Params != nil && c.Params.Error == "":
		f, ok := c.Params.Data.(Fields)
		if !ok {
			return nil
		}
		in, _ := f.Get("Input")
		b, ok := in.(Bytes)
		if !ok {
			return nil
		}
		calldata = b
	default:
		return nil
	}
	e := &EVMCall{Calldata: Bytes(calldata)}
	if len(calldata) >= 4 {
		e.Selector = Bytes(calldata[:4])
	}
	if ret, ok := cborBytes(tr.MsgRct.Return); ok {
		e.ReturnData = Bytes(ret)
	}
	return e
}

// cborBytes reads a CBOR byte string that is all of data.
func cborBytes(data []byte) ([]byte, bool) {
	if len(data) == 0 {
		return nil, false
	}
	r := bytes.NewReader(data)
	b, err := cbg.ReadByteArray(r, uint64(len(data)))
	if err != nil || r.Len() > 0 {
		return nil, false
	}
	return b, true
}

// Event is a decoded actor event.
type Event struct {
	Emitter abi.ActorID  `json:"emitter"`
	Entries []EventEntry `json:"entries"`
	// EVM is set for a log an EVM contract emitted.
	EVM *EVMLog `json:"evm,omitempty"`
}

// EventEntry is one decoded entry of an event.
type EventEntry struct {
	Key   string `json:"key"`
	Flags uint64 `json:"flags"`
	Value *Value `json:"value"`
}

// EVMLog is an EVM log: its topics and data.
type EVMLog struct {
	Topics []Bytes `json:"topics"`
	Data   Bytes   `json:"data"`
}

// DecodeEvents decodes a message's events: each entry's value by its codec (CBOR decoded,
// raw kept as bytes), and EVM logs as topics and data.
func DecodeEvents(evs []fvm.Event) []Event {
	out := make([]Event, 0, len(evs))
	for _, ev := range evs {
		e := Event{Emitter: ev.Emitter}
		for _, en := range ev.Entries {
			e.Entries = append(e.Entries, EventEntry{Key: en.Key, Flags: en.Flags, Value: decodeUntyped(en.Codec, en.Value)})
		}
		if topics, data, err := ev.EVMLog(); err == nil {
			log := &EVMLog{Data: Bytes(data)}
			for _, t := range topics {
				log.Topics = append(log.Topics, Bytes(t[:]))
			}
			e.EVM = log
		}
		out = append(out, e)
	}
	return out
}

// methodLabel names a call's method: "PublishStorageDeals" or "method 3844450837".
func (c *Call) methodLabel() string {
	if c.MethodName != "" {
		return c.MethodName
	}
	return fmt.Sprintf("method %d", c.Method)
}
