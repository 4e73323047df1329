package chain

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/json"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"time"

	"github.com/cockroachdb/pebble/v2"
	"github.com/filecoin-project/go-address"
	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/filecoin-project/go-state-types/network"
	"github.com/ipfs/go-cid"

	"github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/externs"
	"github.com/go-fvm/go-fvm/message"
)

// Errors of the chain API (wrapped, with what was asked).
var (
	// ErrNotFound is returned for a tipset, block or message the chain does not have.
	ErrNotFound = errors.New("not found")
	// ErrConfig is returned by Open for a configuration it cannot run.
	ErrConfig = errors.New("chain: bad config")
)

// BurntFundsActor is f099, the burnt-funds actor: the block miner of a chain
// whose Config names none. It is no storage provider, so the reward actor's
// ApplyRewards call to it fails and the reward actor burns the block reward
// instead (exit 0). A devnet with a genesis miner (devnet.Config.Miner)
// names it, f01000, instead.
var BurntFundsActor = mustID(99)

// InitialBaseFee is the genesis block's ParentBaseFee (Lotus's InitialBaseFee).
var InitialBaseFee = abi.NewTokenAmount(100_000_000)

// DefaultTotalSupply is the total FIL supply (2 billion FIL), from which the
// circulating supply is derived.
var DefaultTotalSupply = big.Mul(big.NewInt(2_000_000_000), big.NewInt(1e18))

// DelegatedAuthenticator checks the signature of a message from an f410
// (delegated) sender: an Ethereum transaction's, over its RLP encoding. The
// Ethereum transaction codec supplies it.
type DelegatedAuthenticator func(sm *message.SignedMessage, chainID uint64) error

// Config is what a chain runs with.
type Config struct {
	// Store holds the chain (OpenStore).
	Store *Store
	// Engine runs actor code; share one with other VMs.
	Engine *fvm.Engine
	// NetworkVersion is the chain's network version (fixed: no upgrades).
	NetworkVersion network.Version
	// ChainID is the EVM chain id.
	ChainID uint64
	// Genesis builds the genesis state into bs and returns its root. It is
	// called only when Store holds no chain yet.
	Genesis func(ctx context.Context, bs blockstore.Blockstore) (cid.Cid, error)
	// Miner is the miner blocks name and the reward actor pays (a storage
	// miner actor of the genesis state, such as genesis.Config.Miners
	// makes); unset means BurntFundsActor, whose rewards are burnt.
	Miner address.Address
	// Automine mines each pushed message at once (see the package doc).
	Automine bool
	// Clock gives block timestamps; nil means time.Now.
	Clock func() time.Time
	// Delegated checks f410 senders' signatures; nil refuses f410 senders.
	Delegated DelegatedAuthenticator
	// TotalSupply is the FIL supply; nil means DefaultTotalSupply.
	TotalSupply abi.TokenAmount
}

// meta is what the store records about its chain.
type meta struct {
	NetworkVersion network.Version
	ChainID        uint64
	Genesis        cid.Cid
}

// Chain is a running devnet chain. Its methods are safe for concurrent use.
type Chain struct {
	cfg     Config
	store   *Store
	externs externs.Synthetic

	mineMu sync.Mutex // one tipset producer (mining, revert) at a time
	// childDue is set, with automine, while the head holds messages whose
	// receipts no child carries yet: the next reader of Head mines it.
	childDue atomic.Bool

	mu       sync.RWMutex
	head     *TipSet
	headExec *Execution
	genesis  *TipSet

	pool  *mpool
	subs  *subscribers
	stats stats
}

// Open continues the chain in cfg.Store, or starts one from cfg.Genesis when
// the store is empty.
func Open(ctx context.Context, cfg Config) (*Chain, error) {
	if cfg.Store == nil || cfg.Engine == nil {
		return nil, fmt.Errorf("%w: Store and Engine are required", ErrConfig)
	}
	if cfg.Miner == address.Undef {
		cfg.Miner = BurntFundsActor
	}
	if cfg.Clock == nil {
		cfg.Clock = time.Now
	}
	if cfg.TotalSupply.Int == nil {
		cfg.TotalSupply = DefaultTotalSupply
	}
	c := &Chain{cfg: cfg, store: cfg.Store, pool: newMpool(), subs: newSubscribers()}
	m, err := c.readMeta()
	switch {
	case errors.Is(err, pebble.ErrNotFound):
		if err := c.create(ctx); err != nil {
			return nil, err
		}
	case err != nil:
		return nil, err
	default:
		if err := c.checkMeta(m); err != nil {
			return nil, err
		}
	}
	if err := c.load(ctx); err != nil {
		return nil, err
	}
	return c, nil
}

func (c *Chain) readMeta() (*meta, error) {
	b, err := c.store.get([]byte(keyMeta))
	if err != nil {
		return nil, err
	}
	var m meta
	if err := json.Unmarshal(b, &m); err != nil {
		return nil, fmt.Errorf("chain store metadata: %w", err)
	}
	return &m, nil
}

func (c *Chain) checkMeta(m *meta) error {
	if m.NetworkVersion != c.cfg.NetworkVersion {
		return fmt.Errorf("%w: the store holds a chain of network version %d, not %d", ErrConfig, m.NetworkVersion, c.cfg.NetworkVersion)
	}
	if m.ChainID != c.cfg.ChainID {
		return fmt.Errorf("%w: the store holds a chain with chain id %d, not %d", ErrConfig, m.ChainID, c.cfg.ChainID)
	}
	return nil
}

// create builds and commits the genesis tipset.
func (c *Chain) create(ctx context.Context) error {
	if c.cfg.Genesis == nil {
		return fmt.Errorf("%w: the store is empty and no Genesis builder is set", ErrConfig)
	}
	batch := c.store.NewBatch()
	root, err := c.cfg.Genesis(ctx, batch)
	if err != nil {
		return fmt.Errorf("building the genesis state: %w", err)
	}
	emptyReceipts, err := buildAMT0(ctx, batch, nil)
	if err != nil {
		return err
	}
	msgs, err := msgMeta(ctx, batch, nil, nil)
	if err != nil {
		return err
	}
	hdr := &externs.BlockHeader{
		Miner:                 c.cfg.Miner,
		Ticket:                &externs.Ticket{VRFProof: make([]byte, 32)},
		ElectionProof:         &externs.ElectionProof{},
		ParentWeight:          big.Zero(),
		ParentStateRoot:       root,
		ParentMessageReceipts: emptyReceipts,
		Messages:              msgs,
		Timestamp:             uint64(c.cfg.Clock().Unix()),
		ParentBaseFee:         InitialBaseFee,
	}
	ts, err := c.putTipSet(ctx, batch, hdr)
	if err != nil {
		return err
	}
	exec := &Execution{
		StateRoot:    root,
		ReceiptsRoot: emptyReceipts,
		NextBaseFee:  c.nextBaseFee(ts, nil),
	}
	c.externs = c.makeExterns(ts)
	if exec.CircSupply, err = c.circSupplyAt(ctx, batch, root, 0); err != nil {
		return err
	}
	if err := c.putExecution(batch, ts, exec); err != nil {
		return err
	}
	m, err := json.Marshal(meta{NetworkVersion: c.cfg.NetworkVersion, ChainID: c.cfg.ChainID, Genesis: ts.Key[0]})
	if err != nil {
		return err
	}
	batch.set([]byte(keyMeta), m)
	return batch.Commit()
}

// putTipSet stores a one-block tipset's header and height index entry, and
// makes it the head.
func (c *Chain) putTipSet(ctx context.Context, batch *Batch, hdr *externs.BlockHeader) (*TipSet, error) {
	data, err := hdr.Bytes()
	if err != nil {
		return nil, err
	}
	bc, err := putCBOR(ctx, batch, data)
	if err != nil {
		return nil, err
	}
	ts := &TipSet{Key: TipSetKey{bc}, Blocks: []*externs.BlockHeader{hdr}, Height: hdr.Height}
	batch.set(heightKey(prefixHeight, ts.Height), ts.Key.Bytes())
	batch.set([]byte(keyHead), binary.BigEndian.AppendUint64(nil, uint64(ts.Height)))
	return ts, nil
}

func (c *Chain) putExecution(batch *Batch, ts *TipSet, exec *Execution) error {
	b, err := json.Marshal(exec)
	if err != nil {
		return err
	}
	batch.set(heightKey(prefixExec, ts.Height), b)
	for i, a := range exec.Messages {
		v := binary.BigEndian.AppendUint64(nil, uint64(ts.Height))
		v = binary.BigEndian.AppendUint32(v, uint32(i))
		batch.set(msgKey(a.Cid), v)
		if !a.MsgCid.Equals(a.Cid) {
			batch.set(msgKey(a.MsgCid), v)
		}
	}
	return nil
}

func heightKey(prefix byte, h abi.ChainEpoch) []byte {
	return binary.BigEndian.AppendUint64([]byte{prefix}, uint64(h))
}

func msgKey(c cid.Cid) []byte { return append([]byte{prefixMsg}, c.Bytes()...) }

// load reads the head and the genesis from the store.
func (c *Chain) load(ctx context.Context) error {
	hb, err := c.store.get([]byte(keyHead))
	if err != nil {
		return fmt.Errorf("chain store has no head: %w", err)
	}
	head, err := c.TipSetByHeight(ctx, abi.ChainEpoch(binary.BigEndian.Uint64(hb)))
	if err != nil {
		return err
	}
	exec, err := c.Execution(ctx, head)
	if err != nil {
		return err
	}
	gen, err := c.TipSetByHeight(ctx, 0)
	if err != nil {
		return err
	}
	c.mu.Lock()
	c.head, c.headExec, c.genesis = head, exec, gen
	c.mu.Unlock()
	c.childDue.Store(c.cfg.Automine && len(exec.Messages) > 0)
	c.externs = c.makeExterns(gen)
	return nil
}

// makeExterns: randomness seeded by the genesis block, tipset CIDs from the
// height index.
func (c *Chain) makeExterns(gen *TipSet) externs.Synthetic {
	return externs.Synthetic{
		Seed: sha256.Sum256(gen.Key[0].Bytes()),
		TipsetCidFunc: func(ctx context.Context, epoch abi.ChainEpoch) (cid.Cid, error) {
			ts, err := c.TipSetByHeight(ctx, epoch)
			if err != nil {
				return cid.Undef, err
			}
			return ts.Key.Cid(), nil
		},
	}
}

// Close stops the chain's subscriptions. It does not close the store.
func (c *Chain) Close() error {
	c.subs.closeAll()
	return nil
}

// NetworkVersion is the chain's network version.
func (c *Chain) NetworkVersion() network.Version { return c.cfg.NetworkVersion }

// ChainID is the chain's EVM chain id.
func (c *Chain) ChainID() uint64 { return c.cfg.ChainID }

// Engine is the engine the chain runs actors with.
func (c *Chain) Engine() *fvm.Engine { return c.cfg.Engine }

// Blockstore holds every committed block: headers, messages, state, AMTs.
func (c *Chain) Blockstore() blockstore.Blockstore { return c.store }

// Head is the newest tipset. With automine, when the newest tipset holds
// messages that no child has executed yet, Head mines that child first, so
// that a reader sees their receipts and the new state the Lotus way (in the
// head's ParentMessageReceipts and ParentStateRoot). A push that comes first
// needs no empty child: its own tipset is the child.
func (c *Chain) Head() *TipSet {
	if c.childDue.Load() {
		c.mineDueChild()
	}
	return c.rawHead()
}

// rawHead is the newest tipset, as mined.
func (c *Chain) rawHead() *TipSet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.head
}

// Genesis is the tipset at height 0.
func (c *Chain) Genesis() *TipSet {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.genesis
}

func (c *Chain) headAndExec() (*TipSet, *Execution) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.head, c.headExec
}

// TipSetByHeight returns the tipset at height h.
func (c *Chain) TipSetByHeight(ctx context.Context, h abi.ChainEpoch) (*TipSet, error) {
	kb, err := c.store.get(heightKey(prefixHeight, h))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("tipset at height %d: %w", h, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	key, err := parseTipSetKey(kb)
	if err != nil {
		return nil, err
	}
	return c.loadTipSet(ctx, key)
}

// TipSet returns the tipset of a key; it must be on the chain.
func (c *Chain) TipSet(ctx context.Context, key TipSetKey) (*TipSet, error) {
	if len(key) == 0 {
		return c.Head(), nil
	}
	ts, err := c.loadTipSet(ctx, key)
	if err != nil {
		return nil, err
	}
	onChain, err := c.TipSetByHeight(ctx, ts.Height)
	if err != nil || !onChain.Key.Equal(key) {
		return nil, fmt.Errorf("tipset %s: %w (not on the chain)", key, ErrNotFound)
	}
	return ts, nil
}

func (c *Chain) loadTipSet(ctx context.Context, key TipSetKey) (*TipSet, error) {
	ts := &TipSet{Key: key}
	for _, bc := range key {
		h, err := c.Block(ctx, bc)
		if err != nil {
			return nil, err
		}
		ts.Blocks = append(ts.Blocks, h)
	}
	if len(ts.Blocks) == 0 {
		return nil, fmt.Errorf("empty tipset key: %w", ErrNotFound)
	}
	ts.Height = ts.Blocks[0].Height
	return ts, nil
}

// Block returns a block header.
func (c *Chain) Block(ctx context.Context, bc cid.Cid) (*externs.BlockHeader, error) {
	data, err := getBlock(ctx, c.store, bc)
	if errors.Is(err, blockstore.ErrNotFound) {
		return nil, fmt.Errorf("block %s: %w", bc, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	h, err := externs.DecodeBlockHeader(data)
	if err != nil {
		return nil, fmt.Errorf("block %s: %w", bc, err)
	}
	return h, nil
}

// Execution returns what executing a tipset gave: the state after it, its
// receipts and, per message, the receipt, gas costs and events.
func (c *Chain) Execution(ctx context.Context, ts *TipSet) (*Execution, error) {
	b, err := c.store.get(heightKey(prefixExec, ts.Height))
	if errors.Is(err, pebble.ErrNotFound) {
		return nil, fmt.Errorf("execution of tipset at %d: %w", ts.Height, ErrNotFound)
	}
	if err != nil {
		return nil, err
	}
	var e Execution
	if err := json.Unmarshal(b, &e); err != nil {
		return nil, fmt.Errorf("execution record at %d: %w", ts.Height, err)
	}
	return &e, nil
}

func mustID(id uint64) address.Address {
	a, err := address.NewIDAddress(id)
	must(err)
	return a
}
