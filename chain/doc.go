// Package chain is the devnet's chain: a single-node Filecoin chain over the
// public FVM API (package fvm), with tipsets, a mempool, block production,
// Lotus's base-fee rule, indexes and a pebble store. It knows nothing of
// JSON-RPC: package rpc serves it (Filecoin JSON-RPC) and the Ethereum
// JSON-RPC stands on the same API.
//
// # Model
//
// A tipset holds one block, from Config.Miner (f099 when unset). As on Filecoin, a
// block at height H carries the state and receipts of its parent
// (ParentStateRoot, ParentMessageReceipts) and the base fee its own messages
// pay (ParentBaseFee); its own messages are executed at epoch H (per block:
// BLS messages, then secp256k1 ones, a message already applied in the tipset
// skipped), followed by the reward actor's AwardBlockReward and the cron
// actor's EpochTick implicit messages. The chain executes every tipset as soon
// as it is mined, so the state after any tipset (Execution) is known at once;
// a Lotus client sees it in the child's header.
//
// Automine: a pushed message is mined at once into a new tipset. Its child,
// whose header carries the message's receipt and the new state the Lotus way
// (ParentMessageReceipts, ParentStateRoot), is the next push's tipset, or, if
// something reads the head first (Head, a message search, a subscription), an
// empty tipset mined then: so messages sent back to back cost one tipset each,
// as on Anvil, and a reader never sees a head whose messages are unexecuted. Interval mining
// (Config.BlockTime) and Mine produce tipsets on demand; there are no null
// rounds.
//
// # API for the RPC layers
//
//	c, err := chain.Open(ctx, chain.Config{...})   // creates or continues the chain in Config.Store
//	c.Head() / c.Genesis()                            // *TipSet (Key, Blocks, Height)
//	c.TipSetByHeight(ctx, h) / c.TipSet(ctx, key)     // canonical tipsets (an empty key is the head)
//	c.Block(ctx, cid)                                 // a block header (externs.BlockHeader, Lotus's layout)
//	c.BlockMessages(ctx, blockCid)                    // a block's BLS and secp messages
//	c.Messages(ctx, ts)                               // a tipset's messages in execution order
//	c.Execution(ctx, ts)                              // state root, receipts root, next base fee and,
//	                                                  // per message (same order), receipt, gas costs, events
//	c.GetMessage(ctx, cid)                            // a chain message by signed or unsigned CID
//	c.SearchMessage(ctx, cid) / c.WaitMessage(...)    // where a message was included (and executed), its result
//	c.SubscribeHeads(ctx)                             // head changes (current, apply, revert) on a channel
//	c.Push(ctx, signed)                               // mempool: checks, then (automine) mines it; its CID
//	c.Pending() / c.NextNonce(ctx, addr)              // mempool contents, next nonce of a sender
//	c.Mine(ctx, n)                                    // mine n tipsets now
//	c.VMAt(ctx, ts, tracing)                          // an fvm.VM on the state after ts, as its child runs:
//	                                                  // Call/Estimate/EVMBytecode/... on it commit nothing
//	c.Call(ctx, msg, ts) / c.Estimate(...)            // Lotus's StateCall / gas estimation's dry run
//	c.Replay(ctx, ts, cid)                            // re-execute a tipset up to a message, traced
//	c.Snapshot() / c.Revert(ctx, id)                  // evm_snapshot / evm_revert of the head
//	c.Blockstore()                                    // every block: headers, messages, state, AMTs
//	c.Stats()                                         // tipsets, messages, gas and execution time so far
//
// Every method is safe for concurrent use. Reads see committed tipsets only.
// f410 senders' signatures are checked by Config.Delegated, which the
// Ethereum transaction codec supplies (the chain does not know RLP).
//
// # Storage
//
// Blocks (headers, messages, state, AMTs) and indexes (height → tipset,
// message → inclusion, tipset → execution) live in one pebble database. A
// tipset is committed, with everything its execution wrote, in one synced
// batch before it is reported as mined, so a crash never loses a reported
// tipset and a restart continues the same head and state root. An in-memory
// pebble serves throwaway chains.
package chain
