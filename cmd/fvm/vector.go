package main

import (
	"context"
	"fmt"
	"io"

	"github.com/filecoin-project/go-address"
	"github.com/spf13/cobra"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/bundle"
	"github.com/go-fvm/go-fvm/conformance"
	"github.com/go-fvm/go-fvm/internal/state"
)

func newVectorCmd() *cobra.Command {
	cmd := &cobra.Command{Use: "vector", Short: "Inspect conformance vectors"}
	cmd.AddCommand(&cobra.Command{
		Use:   "inspect PATH...",
		Short: "Print each vector's id, network version, epoch, state roots and messages",
		Long:  "Print each vector's id, network version, epoch, state roots and messages.\nA PATH is a vector file or a folder searched for *.json vectors.",
		Args:  cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, paths []string) error {
			files, err := conformance.FindVectors(paths)
			if err != nil {
				return err
			}
			failed := 0
			for _, f := range files {
				if err := inspectVector(cmd.Context(), cmd.OutOrStdout(), f); err != nil {
					fmt.Fprintf(cmd.ErrOrStderr(), "fvm: %v\n", err)
					failed++
				}
			}
			if failed > 0 {
				return fmt.Errorf("%d of %d vectors could not be inspected", failed, len(files))
			}
			return nil
		},
	})
	return cmd
}

func inspectVector(ctx context.Context, out io.Writer, file string) error {
	v, err := conformance.LoadVector(file)
	if err != nil {
		return err
	}
	msgs, err := v.Messages()
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	bs := blockstore.NewMemory()
	if err := v.LoadCAR(ctx, bs); err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	tree, err := state.Load(ctx, bs, v.PreRoot())
	if err != nil {
		return fmt.Errorf("%s: pre-state: %w", file, err)
	}
	actors, err := newActorNamer(ctx, bs, tree)
	if err != nil {
		return fmt.Errorf("%s: %w", file, err)
	}
	fmt.Fprintf(out, "%s\n", v.ID())
	for _, variant := range v.Preconditions.Variants {
		fmt.Fprintf(out, "  nv %d epoch %d\n", variant.NV, variant.Epoch)
	}
	fmt.Fprintf(out, "  pre  %s\n  post %s\n", v.PreRoot(), v.PostRoot())
	for i, d := range msgs {
		m := d.Message
		fmt.Fprintf(out, "  message %d: from %s (%s) to %s (%s) method %d value %s gas limit %d\n",
			i, m.From, actors.describe(ctx, m.From), m.To, actors.describe(ctx, m.To), m.Method, m.Value, m.GasLimit)
	}
	return nil
}

// actorNamer names the builtin type of actors in a state tree, from the
// manifest its system actor points at.
type actorNamer struct {
	tree     *state.StateTree
	manifest *bundle.Manifest
	version  string
}

func newActorNamer(ctx context.Context, bs blockstore.Blockstore, tree *state.StateTree) (*actorNamer, error) {
	data, err := tree.ManifestData(ctx)
	if err != nil {
		return nil, err
	}
	m, err := bundle.LoadManifestData(ctx, bs, data)
	if err != nil {
		return nil, err
	}
	version := "unknown actors version"
	if k, ok := bundle.IdentifyData(data); ok {
		version = fmt.Sprintf("actors v%d %s", k.Version, k.Network)
	}
	return &actorNamer{tree: tree, manifest: m, version: version}, nil
}

// describe says what actor addr is in the pre-state: "account, actors v10
// mainnet", or why it cannot say.
func (n *actorNamer) describe(ctx context.Context, addr address.Address) string {
	act, _, err := n.tree.GetActorByAddress(ctx, addr)
	switch {
	case err != nil:
		return "unresolvable: " + err.Error()
	case act == nil:
		return "no actor"
	}
	e, _, ok := n.manifest.Lookup(act.Code)
	if !ok {
		return "unknown code " + act.Code.String()
	}
	return e.Name + ", " + n.version
}
