package chain

import (
	"context"
	"fmt"

	"github.com/go-fvm/go-fvm"
)

// Amend changes the state after the head outside of any message, for the
// devnet's cheat methods (anvil_setBalance): fn runs on a VM over the head's
// post-state, and the state it leaves becomes the head's post-state, which
// the next tipset builds on. The head's header and receipts are unchanged;
// re-executing the head (Replay) does not repeat the amendment. The change is
// committed (and survives a restart) before Amend returns.
func (c *Chain) Amend(ctx context.Context, fn func(ctx context.Context, vm *fvm.VM) error) error {
	c.mineMu.Lock()
	defer c.mineMu.Unlock()
	head, exec := c.headAndExec()
	batch := c.store.NewBatch()
	vm, err := c.newVM(ctx, batch, exec.StateRoot, head.Height+1, c.timestamp(head), exec.NextBaseFee, exec.CircSupply, false)
	if err != nil {
		return err
	}
	defer vm.Close(ctx)
	if err := fn(ctx, vm); err != nil {
		return err
	}
	root, err := vm.Flush(ctx)
	if err != nil {
		return fmt.Errorf("amend: flush: %w", err)
	}
	amended := *exec
	amended.StateRoot = root
	if err := c.putExecution(batch, head, &amended); err != nil {
		return err
	}
	if err := batch.Commit(); err != nil {
		return err
	}
	c.mu.Lock()
	c.headExec = &amended
	c.mu.Unlock()
	return nil
}
