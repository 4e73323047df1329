package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"
)

func main() {
	os.Exit(run(context.Background(), os.Args[1:], os.Stdout, os.Stderr))
}

// run executes the CLI and returns the process exit code: 0 on success, 1 on
// any error (which is printed to stderr).
func run(ctx context.Context, args []string, stdout, stderr io.Writer) (code int) {
	defer func() {
		if r := recover(); r != nil {
			fmt.Fprintf(stderr, "fvm: internal error: %v\n", r)
			code = 1
		}
	}()
	root := newRootCmd()
	root.SetArgs(args)
	root.SetOut(stdout)
	root.SetErr(stderr)
	if err := root.ExecuteContext(ctx); err != nil {
		var silent silentError
		if !errors.As(err, &silent) {
			fmt.Fprintf(stderr, "fvm: %v\n", err)
		}
		return 1
	}
	return 0
}

// silentError is an error whose message a command has already printed.
type silentError struct{ error }

func newRootCmd() *cobra.Command {
	root := &cobra.Command{
		Use:           "fvm",
		Short:         "go-fvm: the Filecoin Virtual Machine in pure Go",
		SilenceUsage:  true,
		SilenceErrors: true,
	}
	root.PersistentFlags().String("bundle", os.Getenv("FVM_BUNDLE"),
		"builtin-actors bundle file of your own (tar.zst or CAR) to use instead of lotus's (env FVM_BUNDLE)")
	root.AddCommand(newBundleCmd(), newVectorCmd(), newConformanceCmd(), newTraceCmd(), newWasmCmd(), newDevnetCmd())
	return root
}
