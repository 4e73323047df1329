package callmanager

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

// A fatal outcome is fatal once: its cause's message is not prefixed again
// when the cause is already fatal (a nested call's failure travelling up).
func TestFatalOutcomeError(t *testing.T) {
	cause := errors.New("missing state bafy: block not found")
	nested := fmt.Errorf("%w: %w", kernel.ErrFatal, cause)
	for _, tc := range []struct {
		name string
		out  engine.Outcome
		want string
	}{
		{"plain cause", engine.Outcome{Kind: engine.Fatal, Message: "fatal error", Err: cause}, "fatal: missing state bafy: block not found"},
		{"fatal cause", engine.Outcome{Kind: engine.Fatal, Message: "fatal error", Err: nested}, "fatal: missing state bafy: block not found"},
		{"abort of a fatal cause", engine.AbortFatal(nested).Outcome, "fatal: missing state bafy: block not found"},
		{"no cause", engine.Outcome{Kind: engine.Fatal, Message: "panic in host function"}, "fatal: panic in host function"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := fatalOutcomeError(tc.out)
			if !errors.Is(err, kernel.ErrFatal) {
				t.Errorf("%v is not fatal", err)
			}
			if err.Error() != tc.want {
				t.Errorf("error %q, want %q", err, tc.want)
			}
			if strings.Count(err.Error(), "fatal") != 1 {
				t.Errorf("error %q says fatal more than once", err)
			}
		})
	}
}
