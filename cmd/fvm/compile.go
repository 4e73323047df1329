package main

import (
	"context"
	"fmt"
	"os"
	"time"

	"github.com/schollz/progressbar/v3"
	"github.com/spf13/cobra"
	"golang.org/x/term"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/machine"
)

func newBundleCompileCmd() *cobra.Command {
	var (
		version  int
		network  string
		cacheDir string
	)
	cmd := &cobra.Command{
		Use:   "compile",
		Short: "Instrument and compile every actor of the bundles into the compiled-code cache, printing the time per actor",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			versions, err := selectVersions(cmd, version)
			if err != nil {
				return err
			}
			eng, err := engine.New(ctx, engine.Config{CacheDir: cacheDir})
			if err != nil {
				return err
			}
			defer eng.Close(ctx)
			out := cmd.OutOrStdout()
			var total time.Duration
			for _, v := range versions {
				bundles, store, err := loadBundles(cmd, v, network)
				if err != nil {
					return err
				}
				// Actors v8 and v9 run on FVM v2, which instruments differently.
				veng, err := engineForActors(ctx, eng, v)
				if err != nil {
					return err
				}
				bar := newBar(cmd, len(bundles)*17)
				for _, b := range bundles {
					for _, e := range b.Manifest.Entries {
						blk, err := store.Get(ctx, e.Code)
						if err != nil {
							return fmt.Errorf("actors v%d %s %s: %w", b.Version, b.Network, e.Name, err)
						}
						start := time.Now()
						m, err := veng.Load(ctx, engine.Code{CID: e.Code, Bytes: blk.RawData()})
						d := time.Since(start)
						if err != nil {
							return fmt.Errorf("actors v%d %s %s: %w", b.Version, b.Network, e.Name, err)
						}
						total += d
						if bar != nil {
							_ = bar.Add(1)
						}
						fmt.Fprintf(out, "actors v%d %-15s %-17s %8d -> %8d bytes %10s\n",
							b.Version, b.Network, e.Name, m.OriginalSize, m.InstrumentedSize, d.Round(time.Millisecond))
					}
				}
				if bar != nil {
					_ = bar.Finish()
				}
			}
			fmt.Fprintf(out, "compiled in %s (cache: %q)\n", total.Round(time.Millisecond), cacheDir)
			return nil
		},
	}
	defaultCache, _ := engine.DefaultCacheDir()
	cmd.Flags().IntVar(&version, "actors-version", 0, "actors version (default: all)")
	cmd.Flags().StringVar(&network, "network", "mainnet", "network")
	cmd.Flags().StringVar(&cacheDir, "cache-dir", defaultCache, "compiled-code cache (empty: none)")
	return cmd
}

// selectVersions returns the versions a command runs on.
func selectVersions(cmd *cobra.Command, version int) ([]int, error) {
	if version == 0 {
		if locator(cmd).File != "" {
			return []int{0}, nil
		}
		return bundle.Versions(), nil
	}
	if _, err := bundle.KnownManifest(version, "mainnet"); err != nil && locator(cmd).File == "" {
		return nil, fmt.Errorf("--actors-version %d: %w", version, err)
	}
	return []int{version}, nil
}

// loadBundles loads the bundle(s) of a version and network into a fresh store.
func loadBundles(cmd *cobra.Command, v int, network string) ([]bundle.Bundle, *blockstore.Memory, error) {
	path, err := locator(cmd).Path(cmd.Context(), v)
	if err != nil {
		return nil, nil, err
	}
	store := blockstore.NewMemory()
	bundles, err := bundle.LoadFile(cmd.Context(), path, bundle.Selector{Version: v, Networks: []string{network}}, store)
	return bundles, store, err
}

// newBar returns a progress bar on stderr when it is a terminal, else nil.
func newBar(cmd *cobra.Command, n int) *progressbar.ProgressBar {
	f, ok := cmd.ErrOrStderr().(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return nil
	}
	return progressbar.NewOptions(n, progressbar.OptionSetWriter(f), progressbar.OptionClearOnFinish())
}

// engineForActors returns the engine that compiles an actors version's code
// with the instrumentation of the FVM version that runs it.
func engineForActors(ctx context.Context, eng *engine.Engine, actors int) (*engine.Engine, error) {
	nvs := bundle.NetworkVersionsFor(actors)
	if len(nvs) == 0 {
		return eng, nil
	}
	p, err := machine.ProfileFor(nvs[0])
	if err != nil {
		return eng, nil
	}
	return eng.WithInstrumentation(ctx, engine.PipelineInstrumentation(p.Instrumentation))
}
