package main

import (
	"fmt"
	"slices"

	"github.com/spf13/cobra"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
)

func newBundleCmd() *cobra.Command {
	cmd := &cobra.Command{
		Use:   "bundle",
		Short: "Inspect builtin-actors bundles",
	}
	cmd.AddCommand(newBundleListCmd(), newBundleCompileCmd())
	return cmd
}

func newBundleListCmd() *cobra.Command {
	var (
		version int
		network string
	)
	cmd := &cobra.Command{
		Use:   "list",
		Short: "Print each bundle's manifest CID and its actors (name and code CID)",
		Args:  cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			loc := locator(cmd)
			versions := bundle.Versions()
			if version != 0 {
				if !slices.Contains(versions, version) && loc.File == "" {
					return fmt.Errorf("--actors-version %d: %w (known: %v)", version, bundle.ErrUnknownVersion, versions)
				}
				versions = []int{version}
			} else if loc.File != "" {
				versions = []int{0}
			} else if network != "" {
				// Every version that has a bundle for the network.
				versions = slices.DeleteFunc(versions, func(v int) bool {
					return !slices.Contains(bundle.Networks(v), network)
				})
				if len(versions) == 0 {
					return fmt.Errorf("--network %q: %w for any actors version", network, bundle.ErrUnknownNetwork)
				}
			}
			for _, v := range versions {
				if err := listVersion(cmd, loc, v, network); err != nil {
					return err
				}
			}
			return nil
		},
	}
	cmd.Flags().IntVar(&version, "actors-version", 0, "actors version (default: all)")
	cmd.Flags().StringVar(&network, "network", "", "network, e.g. mainnet or calibrationnet (default: all)")
	return cmd
}

func listVersion(cmd *cobra.Command, loc bundle.Locator, v int, network string) error {
	sel := bundle.Selector{Version: v}
	if network != "" {
		if v != 0 {
			if _, err := bundle.KnownManifest(v, network); err != nil {
				return err
			}
		}
		sel.Networks = []string{network}
	}
	path, err := loc.Path(cmd.Context(), v)
	if err != nil {
		return err
	}
	// A store per file: listing needs only the manifests.
	bundles, err := bundle.LoadFile(cmd.Context(), path, sel, blockstore.NewMemory())
	if err != nil {
		return err
	}
	out := cmd.OutOrStdout()
	for _, b := range bundles {
		fmt.Fprintf(out, "actors v%d %s manifest %s\n", b.Version, b.Network, b.Manifest.Root)
		for _, e := range b.Manifest.Entries {
			fmt.Fprintf(out, "  %-17s %s\n", e.Name, e.Code)
		}
	}
	return nil
}

// locator returns the bundle locator the flags ask for.
func locator(cmd *cobra.Command) bundle.Locator {
	file, _ := cmd.Flags().GetString("bundle")
	return bundle.Locator{File: file}
}
