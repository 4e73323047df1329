// Package rpc serves the devnet chain over Filecoin JSON-RPC v1: Lotus's
// method names (namespace "Filecoin") and JSON shapes, with go-jsonrpc (what
// Lotus uses), over HTTP POST and WebSocket on one path (/rpc/v1).
//
// The JSON types here are our own, with the JSON of Lotus's chain/types and
// api types (TipSet, BlockHeader, Message, SignedMessage, MessageReceipt,
// ExecutionTrace, InvocResult, MsgLookup, Actor), so that Lotus clients and
// tools read them unchanged.
//
// Other namespaces share the port: Server.Register adds a handler (its
// exported methods become "<namespace>.<Method>"), and Server.Alias maps a
// method name to another, as Lotus maps eth_* names to Filecoin.Eth* ones.
// The "Devnet" namespace has the devnet's own calls (Devnet.Mine).
//
// Bad input (undecodable JSON, unknown methods, malformed parameters, messages
// the mempool refuses) gets a JSON-RPC error naming the problem; the server
// keeps serving.
package rpc
