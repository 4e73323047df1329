package eth

import (
	"context"
	"encoding/json"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ipfs/go-cid"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
)

// TracerConfig is the options object of debug_traceTransaction and
// debug_traceCall; only go-ethereum's callTracer is served.
type TracerConfig struct {
	Tracer       string `json:"tracer"`
	TracerConfig struct {
		OnlyTopCall bool `json:"onlyTopCall"`
	} `json:"tracerConfig"`
}

func (c *TracerConfig) check() error {
	if c.Tracer != "callTracer" {
		return &Error{Code: CodeUnsupported, Message: `only the "callTracer" tracer is supported (give {"tracer": "callTracer"})`}
	}
	return nil
}

// replayed is a mined message executed again with tracing.
type replayed struct {
	ts    *chain.TipSet
	index int
	hash  common.Hash
	from  common.Address
	ret   *fvm.ApplyRet
	env   TraceEnv
}

// replay re-executes a mined transaction, traced.
func (s *Service) replay(ctx context.Context, txHash common.Hash) (*replayed, error) {
	l, err := s.lookup(ctx, txHash)
	if err != nil {
		return nil, err
	}
	if l == nil {
		return nil, serverError("transaction %s not found", txHash.Hex())
	}
	return s.replayAt(ctx, l.Included, l.Index, l.Message)
}

func (s *Service) replayAt(ctx context.Context, ts *chain.TipSet, index int, m chain.Message) (*replayed, error) {
	ret, _, err := s.chain.Replay(ctx, ts, m.Cid)
	if err != nil {
		return nil, err
	}
	if ret == nil || ret.Trace == nil {
		return nil, serverError("message %s left no trace", m.Cid)
	}
	view := s.view(ts)
	defer view.close(ctx)
	from, err := view.ethAddress(ctx, m.Signed.Message.From)
	if err != nil {
		return nil, err
	}
	vm, err := view.get(ctx)
	if err != nil {
		return nil, err
	}
	return &replayed{ts: ts, index: index, hash: s.txHash(m), from: from, ret: ret, env: traceEnv(vm)}, nil
}

// traceEnv tells EVM actors by the VM's manifest.
func traceEnv(vm *fvm.VM) TraceEnv {
	return TraceEnv{IsEVM: func(c cid.Cid) bool { return vm.ActorKind(c) == "evm" }}
}

// traceTransaction is debug_traceTransaction with callTracer.
func (s *Service) traceTransaction(ctx context.Context, h common.Hash, cfg *TracerConfig) (*CallFrame, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	r, err := s.replay(ctx, h)
	if err != nil {
		return nil, err
	}
	return callTrace(r.env, r.from, r.ret, cfg)
}

func callTrace(env TraceEnv, from common.Address, ret *fvm.ApplyRet, cfg *TracerConfig) (*CallFrame, error) {
	frame, err := CallTrace(env, from, ret.Trace, ret.Receipt.GasUsed)
	if err != nil {
		return nil, err
	}
	if frame == nil {
		return nil, serverError("the message made no Ethereum call")
	}
	if cfg.TracerConfig.OnlyTopCall {
		frame.Calls = nil
	}
	return frame, nil
}

// traceCall is debug_traceCall with callTracer: an eth_call, traced.
func (s *Service) traceCall(ctx context.Context, args *CallArgs, ts *chain.TipSet, cfg *TracerConfig) (*CallFrame, error) {
	if err := cfg.check(); err != nil {
		return nil, err
	}
	msg, err := callMessage(args)
	if err != nil {
		return nil, err
	}
	vm, err := s.chain.VMAt(ctx, ts, true)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	if err := ensureSender(ctx, vm, msg.From); err != nil {
		return nil, err
	}
	ret, err := vm.Call(ctx, msg)
	if err != nil {
		return nil, err
	}
	var from common.Address
	if args.From != nil {
		from = *args.From
	}
	return callTrace(traceEnv(vm), from, ret, cfg)
}

// parityOfReplay is a replayed message's traces placed in its block.
func (s *Service) parityOfReplay(r *replayed) ([]*ParityBlockTrace, error) {
	traces, err := ParityTraces(r.env, r.from, r.ret.Trace)
	if err != nil {
		return nil, err
	}
	out := make([]*ParityBlockTrace, 0, len(traces))
	for _, t := range traces {
		out = append(out, &ParityBlockTrace{ParityTrace: t, BlockHash: blockHash(r.ts), BlockNumber: int64(r.ts.Height),
			TransactionHash: r.hash, TransactionPosition: r.index})
	}
	return out, nil
}

// traceTransactionParity is trace_transaction (Lotus's EthTraceTransaction).
func (s *Service) traceTransactionParity(ctx context.Context, h common.Hash) ([]*ParityBlockTrace, error) {
	r, err := s.replay(ctx, h)
	if err != nil {
		return nil, err
	}
	return s.parityOfReplay(r)
}

// traceBlock is trace_block (Lotus's EthTraceBlock): every message's traces,
// in order.
func (s *Service) traceBlock(ctx context.Context, ts *chain.TipSet) ([]*ParityBlockTrace, error) {
	msgs, err := s.chain.Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := []*ParityBlockTrace{}
	for i, m := range msgs {
		r, err := s.replayAt(ctx, ts, i, m)
		if err != nil {
			return nil, err
		}
		traces, err := s.parityOfReplay(r)
		if err != nil {
			return nil, err
		}
		out = append(out, traces...)
	}
	return out, nil
}

// ReplayedTransaction is one entry of trace_replayBlockTransactions.
type ReplayedTransaction struct {
	Output          json.RawMessage `json:"output"`
	StateDiff       *string         `json:"stateDiff"`
	Trace           []*ParityTrace  `json:"trace"`
	TransactionHash common.Hash     `json:"transactionHash"`
	VMTrace         *string         `json:"vmTrace"`
}

// replayBlockTransactions is trace_replayBlockTransactions with ["trace"]
// (Lotus's EthTraceReplayBlockTransactions).
func (s *Service) replayBlockTransactions(ctx context.Context, ts *chain.TipSet, kinds []string) ([]*ReplayedTransaction, error) {
	if len(kinds) != 1 || kinds[0] != "trace" {
		return nil, &Error{Code: CodeUnsupported, Message: `only the "trace" trace type is supported`}
	}
	msgs, err := s.chain.Messages(ctx, ts)
	if err != nil {
		return nil, err
	}
	out := []*ReplayedTransaction{}
	for i, m := range msgs {
		r, err := s.replayAt(ctx, ts, i, m)
		if err != nil {
			return nil, err
		}
		traces, err := ParityTraces(r.env, r.from, r.ret.Trace)
		if err != nil {
			return nil, err
		}
		var output []byte
		if len(traces) > 0 {
			switch res := traces[0].Result.(type) {
			case *CallResult:
				output, _ = json.Marshal(res.Output)
			case *CreateResult:
				output, _ = json.Marshal(res.Code)
			}
		}
		if output == nil {
			output = []byte(`"0x"`)
		}
		out = append(out, &ReplayedTransaction{Output: output, Trace: traces, TransactionHash: r.hash})
	}
	return out, nil
}
