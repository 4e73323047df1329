package syscalls

import (
	"strings"
	"unicode/utf8"

	"github.com/filecoin-project/go-state-types/exitcode"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
)

// firstUserExitCode is the first exit code actors may use; below it are
// the system's.
const firstUserExitCode = 16

// maxExitMessage is the longest exit message kept (for backtraces).
const maxExitMessage = 1024

func vmModule() engine.HostModule {
	return module("vm",
		syscall{name: "exit", params: []api.ValueType{i32, i32, i32, i32}, fn: vmExit},
		syscall{name: "message_context", ret: MessageContextSize, fn: vmMessageContext},
	)
}

// vmExit ends the invocation with an exit code and optional return block.
// System exit codes (1-15) become SYS_ILLEGAL_EXIT_CODE.
func vmExit(c *call, a []uint64) ([]byte, error) {
	code := exitcode.ExitCode(u32(a[0]))
	if code != 0 && code < firstUserExitCode {
		code = exitcode.SysErrIllegalExitCode
	}
	return nil, engine.Exit(code, u32(a[1]), exitMessage(c, u32(a[2]), u32(a[3])))
}

// exitMessage reads the exit message for the backtrace; it never fails.
func exitMessage(c *call, off, n uint32) string {
	if n == 0 {
		return "actor aborted"
	}
	b, err := c.mem.TryBytes(off, n)
	if err != nil {
		return "failed to extract error message"
	}
	msg := strings.ToValidUTF8(string(b), string(utf8.RuneError))
	if len(msg) > maxExitMessage {
		msg = msg[:maxExitMessage/2] + msg[len(msg)-maxExitMessage/2:]
	}
	return msg
}

func vmMessageContext(c *call, _ []uint64) ([]byte, error) {
	mc, err := c.k.MessageContext()
	if err != nil {
		return nil, err
	}
	value, err := tokenAmount(mc.ValueReceived)
	if err != nil {
		return nil, err
	}
	premium, err := tokenAmount(mc.GasPremium)
	if err != nil {
		return nil, err
	}
	var flags uint64
	if mc.ReadOnly {
		flags = ContextFlagReadOnly
	}
	return MessageContext{
		Origin: mc.Origin, Nonce: mc.Nonce, Caller: mc.Caller, Receiver: mc.Receiver,
		MethodNumber: uint64(mc.Method), ValueReceived: value, GasPremium: premium, Flags: flags,
	}.Bytes(), nil
}
