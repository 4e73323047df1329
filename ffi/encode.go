package ffi

import (
	"bytes"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	cbg "github.com/whyrusleeping/cbor-gen"

	fvm "github.com/go-fvm/go-fvm"
)

// EncodeTrace returns the CBOR filecoin-ffi returns as ExecTraceBytes, which Lotus decodes
// into its types.ExecutionTrace: the 7-tuple [msg, msg_rct, invoked_actor, gas_charges,
// subcalls, logs, ipld_ops] of filecoin-ffi's rust/src/fvm/machine.rs, where
//
//	msg           = [from, to, value, method, params, params_codec, gas_limit, read_only]
//	msg_rct       = [exit_code, return, return_codec]
//	invoked_actor = null | [id, [code, head, nonce, balance, delegated_address | null]]
//	gas charge    = [name, total_gas, compute_gas, storage_gas, duration_nanos]
//	ipld op       = [op, cid, size]
//
// Durations are 0 (the reference writes wall-clock time, which no two runs agree on); logs
// and IPLD operations are empty (ref-fvm v3 records neither; go-fvm does not record v4's).
func EncodeTrace(t *fvm.ExecutionTrace) []byte {
	var e encoder
	e.trace(t)
	return e.buf.Bytes()
}

// EncodeEvents returns the CBOR filecoin-ffi returns as EventsBytes, which Lotus decodes into
// []types.Event: a list of [emitter, [[flags, key, codec, value], ...]] (ref-fvm's
// StampedEvent, whose ActorEvent is transparent).
func EncodeEvents(evs []fvm.Event) []byte {
	var e encoder
	e.header(cbg.MajArray, uint64(len(evs)))
	for _, ev := range evs {
		e.header(cbg.MajArray, 2)
		e.header(cbg.MajUnsignedInt, uint64(ev.Emitter))
		e.header(cbg.MajArray, uint64(len(ev.Entries)))
		for _, en := range ev.Entries {
			e.header(cbg.MajArray, 4)
			e.header(cbg.MajUnsignedInt, en.Flags)
			e.text(en.Key)
			e.header(cbg.MajUnsignedInt, en.Codec)
			e.bytes(en.Value)
		}
	}
	return e.buf.Bytes()
}

// encoder writes canonical CBOR (shortest heads) into a buffer, which cannot fail.
type encoder struct{ buf bytes.Buffer }

func (e *encoder) header(major byte, n uint64) {
	_ = cbg.WriteMajorTypeHeader(&e.buf, major, n)
}

func (e *encoder) bytes(b []byte) {
	e.header(cbg.MajByteString, uint64(len(b)))
	e.buf.Write(b)
}

func (e *encoder) text(s string) {
	e.header(cbg.MajTextString, uint64(len(s)))
	e.buf.WriteString(s)
}

func (e *encoder) boolean(b bool) {
	if b {
		e.buf.Write(cbg.CborBoolTrue)
		return
	}
	e.buf.Write(cbg.CborBoolFalse)
}

func (e *encoder) null() { e.buf.Write(cbg.CborNull) }

// int writes a signed integer the way cbor-gen does (a major-1 head when negative).
func (e *encoder) int(v int64) {
	if v >= 0 {
		e.header(cbg.MajUnsignedInt, uint64(v))
		return
	}
	e.header(cbg.MajNegativeInt, uint64(-v-1))
}

func (e *encoder) address(a address.Address) {
	e.bytes(a.Bytes())
}

// amount writes a token amount as Filecoin's big-integer bytes (sign byte, then big-endian
// magnitude; empty for zero).
func (e *encoder) amount(a abi.TokenAmount) {
	if a.Int == nil {
		a = big.Zero()
	}
	b, _ := a.Bytes()
	e.bytes(b)
}

func (e *encoder) cid(c cid.Cid) {
	_ = cbg.WriteCid(&e.buf, c)
}

func (e *encoder) trace(t *fvm.ExecutionTrace) {
	e.header(cbg.MajArray, 7)
	m := t.Msg
	e.header(cbg.MajArray, 8)
	e.address(m.From)
	e.address(m.To)
	e.amount(m.Value)
	e.header(cbg.MajUnsignedInt, uint64(m.Method))
	e.bytes(m.Params)
	e.header(cbg.MajUnsignedInt, m.ParamsCodec)
	e.header(cbg.MajUnsignedInt, m.GasLimit)
	e.boolean(m.ReadOnly)

	r := t.MsgRct
	e.header(cbg.MajArray, 3)
	e.int(int64(r.ExitCode))
	e.bytes(r.Return)
	e.header(cbg.MajUnsignedInt, r.ReturnCodec)

	e.actor(t.InvokedActor)

	e.header(cbg.MajArray, uint64(len(t.GasCharges)))
	for _, g := range t.GasCharges {
		e.header(cbg.MajArray, 5)
		e.text(g.Name)
		e.int(g.TotalGas)
		e.int(g.ComputeGas)
		e.int(g.StorageGas)
		e.int(0) // duration_nanos
	}
	e.header(cbg.MajArray, uint64(len(t.Subcalls)))
	for i := range t.Subcalls {
		e.trace(&t.Subcalls[i])
	}
	e.header(cbg.MajArray, 0) // logs
	e.header(cbg.MajArray, 0) // ipld ops
}

func (e *encoder) actor(a *fvm.ActorTrace) {
	if a == nil {
		e.null()
		return
	}
	e.header(cbg.MajArray, 2)
	e.header(cbg.MajUnsignedInt, uint64(a.ID))
	s := a.State
	e.header(cbg.MajArray, 5)
	e.cid(s.Code)
	e.cid(s.Head)
	e.header(cbg.MajUnsignedInt, s.Nonce)
	e.amount(s.Balance)
	if s.DelegatedAddress == nil {
		e.null()
		return
	}
	e.address(*s.DelegatedAddress)
}
