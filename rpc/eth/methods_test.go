package eth

import (
	"reflect"
	"strings"
	"testing"
)

// TestMethodsRegistered checks every Ethereum name aliases a method of the
// handler, and every handler method has an Ethereum name.
func TestMethodsRegistered(t *testing.T) {
	ht := reflect.TypeOf(&handler{})
	used := map[string]bool{}
	for alias, name := range methods {
		if _, ok := ht.MethodByName(name); !ok {
			t.Errorf("%s aliases %s.%s, which the handler lacks", alias, Namespace, name)
		}
		used[name] = true
		prefix := alias[:strings.IndexByte(alias, '_')]
		switch prefix {
		case "eth", "net", "web3", "evm", "anvil", "hardhat", "debug", "trace":
		default:
			t.Errorf("unexpected namespace in %s", alias)
		}
	}
	for i := 0; i < ht.NumMethod(); i++ {
		if m := ht.Method(i).Name; !used[m] {
			t.Errorf("handler method %s has no Ethereum name", m)
		}
	}
	if got := Methods(); len(got) != len(methods) || got[0] > got[len(got)-1] {
		t.Fatalf("Methods(): %v", got)
	}
}
