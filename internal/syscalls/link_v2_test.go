package syscalls_test

import (
	"testing"

	"github.com/go-fvm/go-fvm/internal/syscalls"
)

// TestHostModulesV2Signatures checks the v2 syscalls whose shape differs
// from v3's (ref-fvm v2.12.1 fvm/src/syscalls), and that v3-only syscalls
// are absent.
func TestHostModulesV2Signatures(t *testing.T) {
	want := map[string]int{ // name -> number of wasm params (return pointer included)
		"vm.abort":                    3,
		"vm.context":                  1,
		"network.base_fee":            1,
		"actor.new_actor_address":     3,
		"actor.create_actor":          2,
		"crypto.verify_seal":          3,
		"gas.charge":                  3,
		"send.send":                   7,
		"self.self_destruct":          2,
		"rand.get_chain_randomness":   5,
		"ipld.block_open":             2,
		"crypto.batch_verify_seals":   3,
		"debug.enabled":               1,
		"actor.get_code_cid_for_type": 4,
	}
	mods, err := syscalls.HostModules(2)
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
	for _, absent := range []string{"vm.exit", "vm.message_context", "network.context", "network.tipset_cid",
		"actor.next_actor_address", "actor.lookup_delegated_address", "actor.balance_of", "gas.available", "event.emit_event"} {
		if _, ok := got[absent]; ok {
			t.Errorf("%s is linked in v2", absent)
		}
	}
	if len(got) != 36 {
		t.Errorf("%d v2 syscalls, want the reference's 36", len(got))
	}
}
