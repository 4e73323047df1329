package main

import (
	"fmt"
	"os"

	"github.com/spf13/cobra"

	"github.com/go-fvm/go-fvm/internal/wasm"
)

func newWasmCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "wasm", Short: "Work with actor WASM modules"}
	var out string
	instrument := &cobra.Command{
		Use:   "instrument IN.wasm -o OUT.wasm",
		Short: "Instrument a module as the FVM does: stack limiter (2048), gas metering, NaN canonicalisation",
		Args:  cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if out == "" {
				return fmt.Errorf("-o OUT.wasm is required")
			}
			code, err := os.ReadFile(args[0])
			if err != nil {
				return err
			}
			res, err := wasm.Instrument(code, wasm.FVMConfig())
			if err != nil {
				return fmt.Errorf("%s: %w", args[0], err)
			}
			if err := os.WriteFile(out, res, 0o644); err != nil {
				return err
			}
			fmt.Fprintf(cmd.OutOrStdout(), "%s: %d bytes -> %s: %d bytes\n", args[0], len(code), out, len(res))
			return nil
		},
	}
	instrument.Flags().StringVarP(&out, "output", "o", "", "where to write the instrumented module")
	cmd.AddCommand(instrument)
	return cmd
}
