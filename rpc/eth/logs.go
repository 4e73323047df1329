package eth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"sync"
	"time"

	"github.com/ethereum/go-ethereum/common"
	"github.com/filecoin-project/go-state-types/abi"
	fcrypto "github.com/filecoin-project/go-state-types/crypto"

	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/ethtx"
)

// maxTopics is how many topic positions a filter may have (LOG0..LOG4).
const maxTopics = 4

// logFilter selects logs by emitter and topics.
type logFilter struct {
	addrs  []common.Address
	topics [][]common.Hash
}

func newLogFilter(addrs AddressList, topics TopicSpec) (*logFilter, error) {
	if len(topics) > maxTopics {
		return nil, invalidParams("too many topics in filter: %d, max: %d", len(topics), maxTopics)
	}
	return &logFilter{addrs: addrs, topics: topics}, nil
}

func (f *logFilter) match(l *Log) bool {
	if len(f.addrs) > 0 && !containsAddr(f.addrs, l.Address) {
		return false
	}
	for i, want := range f.topics {
		if len(want) == 0 {
			continue
		}
		if i >= len(l.Topics) || !containsHash(want, l.Topics[i]) {
			return false
		}
	}
	return true
}

func containsAddr(list []common.Address, a common.Address) bool {
	for _, x := range list {
		if x == a {
			return true
		}
	}
	return false
}

func containsHash(list []common.Hash, h common.Hash) bool {
	for _, x := range list {
		if x == h {
			return true
		}
	}
	return false
}

// logsIn are the logs of the tipsets from..to (inclusive) that f selects.
func (s *Service) logsIn(ctx context.Context, from, to abi.ChainEpoch, f *logFilter) ([]Log, error) {
	out := []Log{}
	for h := from; h <= to; h++ {
		ts, err := s.chain.TipSetByHeight(ctx, h)
		if err != nil {
			return nil, err
		}
		logs, err := s.tipsetLogs(ctx, ts, f)
		if err != nil {
			return nil, err
		}
		out = append(out, logs...)
	}
	return out, nil
}

// tipsetLogs are one tipset's logs that f selects.
func (s *Service) tipsetLogs(ctx context.Context, ts *chain.TipSet, f *logFilter) ([]Log, error) {
	exec, err := s.chain.Execution(ctx, ts)
	if err != nil {
		return nil, err
	}
	hasEvents := false
	for _, a := range exec.Messages {
		hasEvents = hasEvents || len(a.Events) > 0
	}
	if !hasEvents {
		return nil, nil
	}
	bd, err := s.blockData(ctx, ts)
	if err != nil {
		return nil, err
	}
	defer bd.close(ctx)
	var out []Log
	logIndex := 0
	for i, a := range bd.exec.Messages {
		if len(a.Events) == 0 {
			continue
		}
		logs, err := s.logs(ctx, bd, i, s.txHash(bd.msgs[i]), &logIndex)
		if err != nil {
			return nil, err
		}
		for j := range logs {
			if f.match(&logs[j]) {
				out = append(out, logs[j])
			}
		}
	}
	return out, nil
}

// txHash is a chain message's Ethereum transaction hash (Lotus's
// ethTxHashFromSignedMessage).
func (s *Service) txHash(m chain.Message) common.Hash {
	if m.Signed.Signature.Type == fcrypto.SigTypeDelegated {
		if h, err := ethtx.HashOf(m.Signed, s.chainID); err == nil {
			return h
		}
	}
	return cidHash(m.Cid)
}

// getLogs is eth_getLogs.
func (s *Service) getLogs(ctx context.Context, spec *FilterSpec) ([]Log, error) {
	from, to, err := s.logRange(ctx, spec)
	if err != nil {
		return nil, err
	}
	f, err := newLogFilter(spec.Address, spec.Topics)
	if err != nil {
		return nil, err
	}
	return s.logsIn(ctx, from, to, f)
}

// logRange resolves a filter's blocks to heights (latest by default).
func (s *Service) logRange(ctx context.Context, spec *FilterSpec) (abi.ChainEpoch, abi.ChainEpoch, error) {
	if spec.BlockHash != nil {
		if spec.FromBlock != nil || spec.ToBlock != nil {
			return 0, 0, invalidParams("cannot specify both blockHash and fromBlock/toBlock, choose one or the other")
		}
		ts, err := s.tipset(ctx, BlockRef{Hash: spec.BlockHash})
		if err != nil {
			return 0, 0, err
		}
		return ts.Height, ts.Height, nil
	}
	head := s.chain.Head().Height
	height := func(ref *BlockRef) (abi.ChainEpoch, error) {
		if ref == nil {
			return head, nil
		}
		if ref.Number != nil && *ref.Number > uint64(head) {
			return abi.ChainEpoch(*ref.Number), nil // a range may reach past the head
		}
		ts, err := s.tipset(ctx, *ref)
		if err != nil {
			return 0, err
		}
		return ts.Height, nil
	}
	from, err := height(spec.FromBlock)
	if err != nil {
		return 0, 0, err
	}
	to, err := height(spec.ToBlock)
	if err != nil {
		return 0, 0, err
	}
	if from > to {
		return 0, 0, invalidParams("invalid block range params: fromBlock %d is after toBlock %d", from, to)
	}
	return from, min(to, head), nil
}

// Filter kinds.
const (
	filterLogs = iota
	filterBlocks
	filterPending
)

// filterTimeout is how long a filter lives without being polled (go-ethereum's).
const filterTimeout = 5 * time.Minute

type filter struct {
	kind     int
	spec     FilterSpec
	logs     *logFilter
	next     abi.ChainEpoch // the first height not reported yet
	seen     map[common.Hash]bool
	lastPoll time.Time
}

// filters are the installed filters by id.
type filters struct {
	mu sync.Mutex
	m  map[string]*filter
}

func newFilters() *filters { return &filters{m: map[string]*filter{}} }

func newID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "0x" + hex.EncodeToString(b[:])
}

func (fs *filters) add(f *filter) string {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expire()
	id := newID()
	f.lastPoll = time.Now()
	fs.m[id] = f
	return id
}

func (fs *filters) get(id string) (*filter, bool) {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	fs.expire()
	f, ok := fs.m[id]
	if ok {
		f.lastPoll = time.Now()
	}
	return f, ok
}

func (fs *filters) remove(id string) bool {
	fs.mu.Lock()
	defer fs.mu.Unlock()
	_, ok := fs.m[id]
	delete(fs.m, id)
	return ok
}

func (fs *filters) expire() {
	for id, f := range fs.m {
		if time.Since(f.lastPoll) > filterTimeout {
			delete(fs.m, id)
		}
	}
}

// newFilter installs a filter whose changes start after the head.
func (s *Service) newFilter(kind int, spec *FilterSpec) (string, error) {
	f := &filter{kind: kind, next: s.chain.Head().Height + 1, seen: map[common.Hash]bool{}}
	if spec != nil {
		lf, err := newLogFilter(spec.Address, spec.Topics)
		if err != nil {
			return "", err
		}
		f.spec, f.logs = *spec, lf
	}
	return s.filters.add(f), nil
}

var errFilterNotFound = &Error{Code: CodeServer, Message: "filter not found"}

// filterChanges is eth_getFilterChanges: what happened since the last poll
// (block hashes, logs, or pending transaction hashes).
func (s *Service) filterChanges(ctx context.Context, id string) (any, error) {
	f, ok := s.filters.get(id)
	if !ok {
		return nil, errFilterNotFound
	}
	s.filters.mu.Lock()
	defer s.filters.mu.Unlock()
	head := s.chain.Head().Height
	from := f.next
	if from > head+1 { // a revert took the reported tipsets off
		from = head + 1
	}
	f.next = head + 1
	switch f.kind {
	case filterBlocks:
		out := []common.Hash{}
		for h := from; h <= head; h++ {
			ts, err := s.chain.TipSetByHeight(ctx, h)
			if err != nil {
				return nil, err
			}
			out = append(out, blockHash(ts))
		}
		return out, nil
	case filterPending:
		out := []common.Hash{}
		for _, sm := range s.chain.Pending() {
			h := s.txHash(chain.Message{Cid: sm.Cid(), Signed: sm})
			if !f.seen[h] {
				f.seen[h] = true
				out = append(out, h)
			}
		}
		return out, nil
	}
	lo, hi := from, head
	if r := f.spec.FromBlock; r != nil && r.Number != nil {
		lo = max(lo, abi.ChainEpoch(*r.Number))
	}
	if r := f.spec.ToBlock; r != nil && r.Number != nil {
		hi = min(hi, abi.ChainEpoch(*r.Number))
	}
	if f.spec.BlockHash != nil {
		return []Log{}, nil // a one-block filter has nothing new
	}
	return s.logsIn(ctx, lo, hi, f.logs)
}

// filterLogs is eth_getFilterLogs: every log a log filter selects.
func (s *Service) filterLogs(ctx context.Context, id string) ([]Log, error) {
	f, ok := s.filters.get(id)
	if !ok || f.kind != filterLogs {
		return nil, errFilterNotFound
	}
	return s.getLogs(ctx, &f.spec)
}
