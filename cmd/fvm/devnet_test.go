package main

import (
	"strings"
	"testing"
)

func TestDevnetBadFlags(t *testing.T) {
	for name, tc := range map[string]struct {
		args []string
		want string
	}{
		"balance":         {[]string{"--balance", "lots"}, "--balance"},
		"seed":            {[]string{"--seed", "xyz"}, "--seed"},
		"network version": {[]string{"--network-version", "12"}, "network version 12 is not supported"},
		"listen":          {[]string{"--listen", "not-an-address"}, "--listen not-an-address"},
		"block time":      {[]string{"--block-time", "-1s"}, "--block-time"},
	} {
		args := append([]string{"devnet", "--in-memory", "--listen", "127.0.0.1:0"}, tc.args...)
		code, _, stderr := runCLI(t, nil, args...)
		if code != 1 || !strings.Contains(stderr, tc.want) {
			t.Errorf("%s: exit %d, stderr %q; want 1 and a message about %q", name, code, stderr, tc.want)
		}
	}
}

// TestDevnetMinerFlag: --miner asks the devnet for a genesis miner; without
// it there is none.
func TestDevnetMinerFlag(t *testing.T) {
	for _, miner := range []bool{false, true} {
		cfg, err := devnetFlags{miner: miner, inMemory: true, balance: "1", accounts: 1}.config()
		if err != nil || cfg.Miner != miner {
			t.Errorf("--miner=%v: Config.Miner %v (%v)", miner, cfg.Miner, err)
		}
	}
}
