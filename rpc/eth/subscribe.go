package eth

import (
	"context"
	"encoding/json"

	"github.com/filecoin-project/go-jsonrpc"

	"github.com/go-fvm/go-fvm/chain"
)

// Subscription kinds of eth_subscribe.
const (
	subNewHeads = "newHeads"
	subLogs     = "logs"
)

// subscribe is eth_subscribe over a WebSocket connection: newHeads (each
// new block, without transactions) or logs (each new log a filter
// selects), sent as eth_subscription notifications until eth_unsubscribe or
// until a notification cannot be delivered.
func (s *Service) subscribe(ctx context.Context, kind string, f *logFilter) (string, error) {
	cl, ok := jsonrpc.ExtractReverseClient[Subscriber](ctx)
	if !ok {
		return "", &Error{Code: CodeUnsupported, Message: "notifications not supported: eth_subscribe needs a WebSocket connection"}
	}
	if kind != subNewHeads && kind != subLogs {
		return "", invalidParams("unsupported subscription type %q (newHeads or logs)", kind)
	}
	id := newID()
	subCtx, cancel := context.WithCancel(context.Background())
	s.mu.Lock()
	s.subs[id] = cancel
	s.mu.Unlock()
	heads := s.chain.SubscribeHeads(subCtx)
	go s.notify(subCtx, id, cl, kind, f, heads)
	return id, nil
}

// unsubscribe ends a subscription; false when there was none.
func (s *Service) unsubscribe(id string) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	cancel, ok := s.subs[id]
	if ok {
		cancel()
		delete(s.subs, id)
	}
	return ok
}

func (s *Service) notify(ctx context.Context, id string, cl Subscriber, kind string, f *logFilter, heads <-chan []chain.HeadChange) {
	defer s.unsubscribe(id)
	send := func(result any) bool {
		b, err := json.Marshal(map[string]any{"subscription": id, "result": result})
		if err != nil {
			return false
		}
		return cl.EthSubscription(ctx, jsonrpc.RawParams(b)) == nil
	}
	for changes := range heads {
		for _, hc := range changes {
			if hc.Type != chain.HCApply {
				continue
			}
			if !s.deliver(ctx, kind, f, hc.TipSet, send) {
				return
			}
		}
	}
}

// deliver sends one tipset's notifications; false when the client is gone.
func (s *Service) deliver(ctx context.Context, kind string, f *logFilter, ts *chain.TipSet, send func(any) bool) bool {
	if kind == subNewHeads {
		b, err := s.block(ctx, ts, false)
		if err != nil {
			return ctx.Err() == nil
		}
		b.Transactions = nil
		return send(b)
	}
	logs, err := s.tipsetLogs(ctx, ts, f)
	if err != nil {
		return ctx.Err() == nil
	}
	for i := range logs {
		if !send(&logs[i]) {
			return false
		}
	}
	return true
}
