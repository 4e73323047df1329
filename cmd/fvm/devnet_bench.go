package main

import (
	"fmt"
	"time"

	"github.com/spf13/cobra"

	"github.com/go-fvm/go-fvm/devnet"
)

func newDevnetBenchCmd() *cobra.Command {
	var transfers, calls int
	var dataDir string
	cmd := &cobra.Command{
		Use:   "bench",
		Short: "Measure value transfers/s and EVM calls/s with automine, and the execution's gas/ns",
		Long: `Start a devnet (in memory unless --data-dir), push value transfers one after
another (each mined at once, its receipt checked), then deploy a counter
contract and call it (a storage write per call), and print the rates.`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			start := time.Now()
			d, err := devnet.Open(cmd.Context(), devnet.Config{Accounts: 2, DataDir: dataDir})
			if err != nil {
				return err
			}
			defer d.Close(cmd.Context())
			opened := time.Since(start)
			r, err := devnet.Bench(cmd.Context(), d, transfers, calls)
			if err != nil {
				return err
			}
			w := cmd.OutOrStdout()
			where := "in memory"
			if dataDir != "" {
				where = dataDir + " (synced writes)"
			}
			fmt.Fprintf(w, "devnet nv%d, %s, opened in %s\n", d.Config.NetworkVersion, where, opened.Round(time.Millisecond))
			fmt.Fprintf(w, "transfers: %d in %s: %.0f/s\n", r.Transfers, r.TransferTime.Round(time.Millisecond), r.TransfersPerSecond())
			fmt.Fprintf(w, "EVM calls: %d in %s: %.0f/s\n", r.EVMCalls, r.EVMTime.Round(time.Millisecond), r.EVMCallsPerSecond())
			fmt.Fprintf(w, "tipsets mined: %d (%.2f ms each); messages applied: %d, %d gas in %s of ApplyMessage: %.3f gas/ns\n",
				r.Stats.Tipsets, float64(r.Stats.MineTime.Microseconds())/1000/float64(max(r.Stats.Tipsets, 1)),
				r.Stats.Messages, r.Stats.MessageGas, r.Stats.MessageTime.Round(time.Millisecond), r.GasPerNs())
			return nil
		},
	}
	cmd.Flags().IntVar(&transfers, "transfers", 1000, "value transfers to push")
	cmd.Flags().IntVar(&calls, "evm-calls", 1000, "EVM calls to push")
	cmd.Flags().StringVar(&dataDir, "data-dir", "", "keep the chain in this folder (default: in memory)")
	return cmd
}
