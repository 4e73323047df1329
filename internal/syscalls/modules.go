package syscalls

import (
	"fmt"

	"github.com/go-fvm/go-fvm/internal/engine"
)

// HostModules returns the syscall namespaces of an FVM version: 2 (nv16-17,
// ref-fvm v2's bind_syscalls), 3 (nv18-20) or 4 (nv21+, the import set of
// ref-fvm's DefaultFilecoinKernel with its default features:
// verify_signature linked, upgrade_actor and install_actor not).
func HostModules(fvmVersion int) ([]engine.HostModule, error) {
	switch fvmVersion {
	case 2:
		return hostModulesV2(), nil
	case 3:
		return []engine.HostModule{
			vmModule(), networkModule(), ipldModule(), selfModule(selfDestructV3Syscall()), actorModule(),
			cryptoModule(), randModuleV3(), gasModule(), sendModule(), debugModule(), eventModuleV3(),
		}, nil
	case 4:
		return []engine.HostModule{
			vmModule(), networkModule(), ipldModule(), selfModule(selfDestructV4Syscall()), actorModule(),
			cryptoModule(verifyBLSAggregateSyscall()), randModuleV4(), gasModule(), sendModule(), debugModule(), eventModuleV4(),
		}, nil
	default:
		return nil, fmt.Errorf("syscalls: FVM v%d is not implemented (only v2, nv16-17, v3, nv18-20, and v4, nv21+)", fvmVersion)
	}
}
