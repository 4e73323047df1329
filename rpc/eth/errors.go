package eth

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/ethereum/go-ethereum/accounts/abi"
	"github.com/ethereum/go-ethereum/common/hexutil"
	"github.com/filecoin-project/go-jsonrpc"
)

// JSON-RPC error codes Ethereum clients expect (EIP-1474 and go-ethereum).
const (
	// CodeReverted is go-ethereum's code for a call that reverted; the
	// error's data holds the revert data.
	CodeReverted = 3
	// CodeServer is go-ethereum's code for every other failure of a method
	// (rejected transactions, unknown blocks, ...).
	CodeServer = -32000
	// CodeInvalidParams is for parameters that do not decode.
	CodeInvalidParams = -32602
	// CodeMethodNotFound is for methods the node does not serve.
	CodeMethodNotFound = -32601
	// CodeUnsupported is for requests the node understands but cannot serve
	// (a subscription over HTTP, an unknown tracer).
	CodeUnsupported = -32004
)

// Error is a JSON-RPC error with an Ethereum client's code, message and
// data. go-jsonrpc sends it as is (RPCErrorCodec).
type Error struct {
	Code    int
	Message string
	Data    any
}

// Error is the message.
func (e *Error) Error() string { return e.Message }

// ToJSONRPCError is the error as go-jsonrpc sends it.
func (e *Error) ToJSONRPCError() (jsonrpc.JSONRPCError, error) {
	return jsonrpc.JSONRPCError{Code: jsonrpc.ErrorCode(e.Code), Message: e.Message, Data: e.Data}, nil
}

// FromJSONRPCError reads an error a server sent.
func (e *Error) FromJSONRPCError(j jsonrpc.JSONRPCError) error {
	e.Code, e.Message, e.Data = int(j.Code), j.Message, j.Data
	return nil
}

var _ jsonrpc.RPCErrorCodec = (*Error)(nil)

func invalidParams(format string, args ...any) *Error {
	return &Error{Code: CodeInvalidParams, Message: fmt.Sprintf(format, args...)}
}

func serverError(format string, args ...any) *Error {
	return &Error{Code: CodeServer, Message: fmt.Sprintf(format, args...)}
}

// revertError is the error of a call that reverted, as go-ethereum words
// it: "execution reverted" with the decoded reason (Error(string) or
// Panic(uint256)) when there is one, the revert data in data.
func revertError(data []byte) *Error {
	msg := "execution reverted"
	if reason, err := abi.UnpackRevert(data); err == nil {
		msg += ": " + reason
	}
	return &Error{Code: CodeReverted, Message: msg, Data: hexutil.Encode(data)}
}

// rpcErr gives every error a handler returns a JSON-RPC shape: *Error as
// is, anything else as a server error with its message. A nil error stays
// nil (never a typed nil).
func rpcErr(err error) error {
	if err == nil {
		return nil
	}
	var e *Error
	if errors.As(err, &e) {
		return e
	}
	return &Error{Code: CodeServer, Message: err.Error()}
}

// decodeParams decodes positional parameters into dst: the first required
// must be present, the rest may be missing or null. Errors are worded as
// go-ethereum's.
func decodeParams(raw jsonrpc.RawParams, required int, dst ...any) error {
	var items []json.RawMessage
	if len(raw) > 0 && string(raw) != "null" {
		if err := json.Unmarshal(raw, &items); err != nil {
			return invalidParams("non-array args")
		}
	}
	if len(items) > len(dst) {
		return invalidParams("too many arguments, want at most %d", len(dst))
	}
	for i := range dst {
		if i >= len(items) || string(items[i]) == "null" {
			if i < required {
				return invalidParams("missing value for required argument %d", i)
			}
			continue
		}
		if err := json.Unmarshal(items[i], dst[i]); err != nil {
			return invalidParams("invalid argument %d: %s", i, unwrapJSONError(err))
		}
	}
	return nil
}

// unwrapJSONError drops encoding/json's "json: cannot unmarshal ..." framing
// where go-ethereum's hex types said what was wrong.
func unwrapJSONError(err error) string {
	var ute *json.UnmarshalTypeError
	if errors.As(err, &ute) && ute.Value != "" && ute.Type != nil {
		return fmt.Sprintf("%s into Go value of type %s", ute.Value, ute.Type)
	}
	return err.Error()
}
