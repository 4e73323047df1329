package main

import "github.com/spf13/cobra"

func newVectorCmd() *cobra.Command {
	return &cobra.Command{Use: "vector", Short: "Inspect conformance vectors"}
}
