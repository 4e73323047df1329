package syscalls_test

import (
	"testing"

	"github.com/go-fvm/go-fvm/internal/syscalls"
)

func TestHostModulesVersions(t *testing.T) {
	for _, v := range []int{0, 1, 5} {
		if _, err := syscalls.HostModules(v); err == nil {
			t.Errorf("HostModules(%d) succeeded", v)
		}
	}
	// The v4 import set differs from v3 in exactly these signatures.
	want := map[string]int{ // name -> number of wasm params (return pointer included)
		"rand.get_chain_randomness":     2,
		"rand.get_beacon_randomness":    2,
		"self.self_destruct":            1,
		"event.emit_event":              6,
		"crypto.verify_bls_aggregate":   6,
		"crypto.verify_signature":       8,
		"network.total_fil_circ_supply": 1,
	}
	mods, err := syscalls.HostModules(4)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]int{}
	for _, m := range mods {
		for _, f := range m.Funcs {
			got[m.Name+"."+f.Name] = len(f.Params)
		}
	}
	for name, n := range want {
		if got[name] != n {
			t.Errorf("%s has %d params, want %d", name, got[name], n)
		}
	}
	if _, ok := got["actor.upgrade_actor"]; ok {
		t.Error("actor.upgrade_actor is linked (feature-gated off in the reference)")
	}
}
