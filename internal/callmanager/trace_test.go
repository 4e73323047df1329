package callmanager_test

import (
	"bytes"
	"context"
	"reflect"
	"testing"

	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/exitcode"

	"github.com/go-fvm/go-fvm/internal/callmanager"
	"github.com/go-fvm/go-fvm/internal/gas"
	"github.com/go-fvm/go-fvm/internal/kernel"
	"github.com/go-fvm/go-fvm/internal/testworld"
)

func chargeNames(cs []callmanager.GasTrace) []string {
	var n []string
	for _, c := range cs {
		n = append(n, c.Name)
	}
	return n
}

func TestTrace(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	ret := &kernel.Block{Codec: 0x51, Data: []byte{0x81, 0x01}}
	params := &kernel.Block{Codec: 0x51, Data: []byte{0x80}}
	limit := gas.NewGas(1000)
	inv := &invokerFunc{}
	inv.fn = func(ctx context.Context, cm *callmanager.CallManager, c callmanager.Call) (callmanager.Result, error) {
		// Half a gas: the traced limits below round the rest up.
		if err := cm.Charge(gas.NewGasCharge("half", gas.FromMilligas(500), gas.ZeroGas)); err != nil {
			return callmanager.Result{}, err
		}
		if _, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDPoor), 0, nil, big.NewInt(3), nil, false); err != nil {
			return callmanager.Result{}, err
		}
		if _, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(testworld.IDPoor), 0, nil, zero, &limit, true); err != nil {
			return callmanager.Result{}, err
		}
		if _, err := cm.Send(ctx, testworld.IDOther, testworld.IDAddr(555), 0, nil, zero, nil, false); err == nil {
			t.Error("send to a missing actor succeeded")
		}
		return callmanager.Result{Return: ret}, nil
	}
	msg := w.Message()
	msg.Receiver = testworld.IDOther
	cm, tr := w.NewCM(msg, inv, bigLimit, gas.WithTrace())
	if cm.Trace() != nil {
		t.Fatal("a trace before any call")
	}
	if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDOther), 2, params, big.NewInt(1), nil, false); err != nil {
		t.Fatal(err)
	}
	root := cm.Trace()
	if root == nil {
		t.Fatal("no trace")
	}
	wantMsg := callmanager.MessageTrace{From: testworld.IDAddr(testworld.IDRich), To: testworld.IDAddr(testworld.IDOther), Value: big.NewInt(1), Method: 2,
		Params: params.Data, ParamsCodec: 0x51, GasLimit: bigLimit}
	if !reflect.DeepEqual(root.Msg, wantMsg) {
		t.Errorf("root message %+v, want %+v", root.Msg, wantMsg)
	}
	if root.MsgRct.ExitCode != 0 || !bytes.Equal(root.MsgRct.Return, ret.Data) || root.MsgRct.ReturnCodec != 0x51 {
		t.Errorf("root receipt %+v", root.MsgRct)
	}
	// The invoked actor as it was before the value arrived.
	if root.InvokedActor == nil || root.InvokedActor.ID != testworld.IDOther || !root.InvokedActor.State.Balance.Equals(big.NewInt(1000)) {
		t.Errorf("root invoked %+v, want 102 with its balance before the transfer", root.InvokedActor)
	}
	// 102 is the primed receiver (no lookup); the origin is updated.
	want := []string{"OnValueTransfer", "OnActorUpdate", "OnMethodInvocation", "half", "OnChainReturnValue"}
	if got := chargeNames(root.GasCharges); !reflect.DeepEqual(got, want) {
		t.Errorf("root charges %v, want %v", got, want)
	}
	if len(root.Subcalls) != 3 {
		t.Fatalf("%d subcalls, want 3", len(root.Subcalls))
	}
	// bigLimit - (6,000 + 475,000 + 75,000 + 0.5) rounded up.
	avail := uint64(bigLimit - testworld.ValueTransfer - testworld.ActorUpdate - testworld.MethodInvocation)
	s0, s1, s2 := root.Subcalls[0], root.Subcalls[1], root.Subcalls[2]
	if s0.Msg.From != testworld.IDAddr(testworld.IDOther) || s0.Msg.To != testworld.IDAddr(testworld.IDPoor) || s0.Msg.Method != 0 || !s0.Msg.Value.Equals(big.NewInt(3)) || s0.Msg.GasLimit != avail || s0.Msg.ReadOnly {
		t.Errorf("first subcall message %+v (gas limit want %d)", s0.Msg, avail)
	}
	// A method-0 send records its actor too (ref-fvm traces InvokeActor
	// for every resolved send).
	if s0.InvokedActor == nil || s0.InvokedActor.ID != testworld.IDPoor || !s0.InvokedActor.State.Balance.IsZero() {
		t.Errorf("first subcall invoked %+v", s0.InvokedActor)
	}
	if got, want := chargeNames(s0.GasCharges), []string{"OnActorLookup", "OnValueTransfer", "OnActorUpdate"}; !reflect.DeepEqual(got, want) {
		t.Errorf("first subcall charges %v, want %v", got, want)
	}
	if s1.Msg.GasLimit != 1000 || !s1.Msg.ReadOnly || len(s1.GasCharges) != 0 || s1.MsgRct.ExitCode != 0 {
		t.Errorf("second subcall %+v", s1)
	}
	if s2.Msg.To != testworld.IDAddr(555) || s2.MsgRct.ExitCode != exitcode.SysErrInvalidReceiver || s2.InvokedActor != nil {
		t.Errorf("third subcall %+v, want a NotFound failure", s2)
	}
	// Every charge appears once: the charges add up to the gas used.
	var sum int64
	var walk func(e *callmanager.ExecutionTrace)
	walk = func(e *callmanager.ExecutionTrace) {
		for _, c := range e.GasCharges {
			sum += c.TotalGas
		}
		for i := range e.Subcalls {
			walk(&e.Subcalls[i])
		}
	}
	walk(root)
	if usedUp := int64(tr.GasUsed().RoundUp()); sum != usedUp {
		t.Errorf("charges sum to %d, gas used %d", sum, usedUp)
	}
	for _, c := range root.GasCharges {
		if c.TotalGas != c.ComputeGas+c.StorageGas && c.Name != "half" {
			t.Errorf("charge %+v: total is not compute + storage", c)
		}
	}
}

func TestTraceOffAndConstructor(t *testing.T) {
	ctx := context.Background()
	w := newWorld(t)
	cm, _ := w.NewCM(w.Message(), &invokerFunc{}, bigLimit)
	if _, err := cm.Send(ctx, testworld.IDRich, testworld.IDAddr(testworld.IDPoor), 0, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	if cm.Trace() != nil {
		t.Error("a trace without tracing")
	}
	// An auto-created account: the constructor charges sit in the send's
	// frame (the constructor runs inside it, with no frame of its own).
	cm, _ = w.NewCM(w.Message(), &invokerFunc{}, bigLimit, gas.WithTrace())
	var to address.Address = w.NewSecp
	if _, err := cm.Send(ctx, testworld.IDRich, to, 0, nil, zero, nil, false); err != nil {
		t.Fatal(err)
	}
	root := cm.Trace()
	// Resolving the key address is charged (0 gas, but traced, as ref-fvm
	// apply_charge traces every charge).
	want := []string{"OnResolveAddress", "OnCreateActor", "OnActorLookup", "OnActorUpdate", "OnMethodInvocation"}
	if got := chargeNames(root.GasCharges); !reflect.DeepEqual(got, want) || len(root.Subcalls) != 0 {
		t.Errorf("charges %v subcalls %d, want %v and none", got, len(root.Subcalls), want)
	}
	if root.InvokedActor == nil || root.InvokedActor.ID != abi.ActorID(testworld.FirstFree) {
		t.Errorf("invoked %+v", root.InvokedActor)
	}
}
