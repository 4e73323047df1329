package kernel

import (
	"errors"
	"fmt"
	"testing"

	"github.com/go-fvm/go-fvm/internal/gas"
)

func TestErrorNumberValues(t *testing.T) {
	tests := []struct {
		num  ErrorNumber
		want uint32
		name string
	}{
		{IllegalArgument, 1, "illegal argument"},
		{IllegalOperation, 2, "illegal operation"},
		{LimitExceeded, 3, "limit exceeded"},
		{AssertionFailed, 4, "filecoin assertion failed"},
		{InsufficientFunds, 5, "insufficient funds"},
		{NotFound, 6, "resource not found"},
		{InvalidHandle, 7, "invalid ipld block handle"},
		{IllegalCid, 8, "illegal cid specification"},
		{IllegalCodec, 9, "illegal ipld codec"},
		{Serialization, 10, "serialization error"},
		{Forbidden, 11, "operation forbidden"},
		{BufferTooSmall, 12, "buffer too small"},
		{ReadOnly, 13, "execution context is read-only"},
	}
	for _, tt := range tests {
		if uint32(tt.num) != tt.want {
			t.Errorf("%s = %d, want %d", tt.name, tt.num, tt.want)
		}
		if got := tt.num.String(); got != tt.name {
			t.Errorf("ErrorNumber(%d).String() = %q, want %q", tt.want, got, tt.name)
		}
		if !tt.num.Valid() {
			t.Errorf("ErrorNumber(%d) not valid", tt.want)
		}
	}
	for _, n := range []ErrorNumber{0, 14, 1 << 31} {
		if n.Valid() {
			t.Errorf("ErrorNumber(%d) is valid", n)
		}
		if got, want := n.String(), fmt.Sprintf("error number %d", n); got != want {
			t.Errorf("String() = %q, want %q", got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	sys := Errorf(NotFound, "actor %d not found", 1234)
	tests := []struct {
		name        string
		err         error
		num         ErrorNumber // 0: not a syscall error
		outOfGas    bool
		fatal       bool
		recoverable bool
	}{
		{"nil", nil, 0, false, false, false},
		{"syscall", sys, NotFound, false, false, true},
		{"wrapped syscall", fmt.Errorf("send: %w", sys), NotFound, false, false, true},
		{"out of gas", gas.ErrOutOfGas, 0, true, false, false},
		{"wrapped out of gas", fmt.Errorf("charge: %w", gas.ErrOutOfGas), 0, true, false, false},
		{"both", errors.Join(sys, gas.ErrOutOfGas), NotFound, true, false, false},
		{"fatal", errors.New("blockstore broke"), 0, false, true, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			se, ok := AsSyscallError(tt.err)
			if ok != (tt.num != 0) || (ok && se.Num != tt.num) {
				t.Errorf("AsSyscallError = %v, %v; want number %d", se, ok, tt.num)
			}
			if got := IsOutOfGas(tt.err); got != tt.outOfGas {
				t.Errorf("IsOutOfGas = %v", got)
			}
			if got := IsFatal(tt.err); got != tt.fatal {
				t.Errorf("IsFatal = %v", got)
			}
			if got := IsRecoverable(tt.err); got != tt.recoverable {
				t.Errorf("IsRecoverable = %v", got)
			}
		})
	}
}

func TestErrorfAndContext(t *testing.T) {
	err := Errorf(IllegalArgument, "msg: %d", 1)
	se, _ := AsSyscallError(err)
	if se.Msg != "msg: 1" || se.Num != IllegalArgument {
		t.Fatalf("Errorf = %+v", se)
	}
	if got, want := err.Error(), "syscall error: msg: 1 (illegal argument)"; got != want {
		t.Errorf("Error() = %q, want %q", got, want)
	}
	ctx := WithContext(err, "failed to parse cid")
	se, _ = AsSyscallError(ctx)
	if se.Msg != "failed to parse cid: msg: 1" || se.Num != IllegalArgument {
		t.Errorf("WithContext = %+v", se)
	}
	fatal := WithContext(errors.New("boom"), "ctx")
	if !IsFatal(fatal) || fatal.Error() != "ctx: boom" {
		t.Errorf("WithContext(fatal) = %v", fatal)
	}
	if !IsOutOfGas(WithContext(gas.ErrOutOfGas, "ctx")) {
		t.Error("WithContext lost out of gas")
	}
	if WithContext(nil, "ctx") != nil {
		t.Error("WithContext(nil) != nil")
	}
}
