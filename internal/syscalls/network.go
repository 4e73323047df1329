package syscalls

import (
	"fmt"

	"github.com/filecoin-project/go-state-types/abi"
	"github.com/filecoin-project/go-state-types/big"
	"github.com/tetratelabs/wazero/api"

	"github.com/go-fvm/go-fvm/internal/engine"
	"github.com/go-fvm/go-fvm/internal/kernel"
)

func networkModule() engine.HostModule {
	return module("network",
		syscall{name: "context", ret: NetworkContextSize, fn: networkContext},
		syscall{name: "tipset_cid", params: []api.ValueType{i64, i32, i32}, ret: 4, fn: networkTipsetCID},
		syscall{name: "total_fil_circ_supply", ret: TokenAmountSize, fn: networkCircSupply},
	)
}

// tokenAmount converts an amount to its u128 form; one that does not fit is
// fatal, as in the reference.
func tokenAmount(v big.Int) (TokenAmount, error) {
	t, err := NewTokenAmount(v)
	if err != nil {
		return TokenAmount{}, fmt.Errorf("%w: %w", kernel.ErrFatal, err)
	}
	return t, nil
}

func networkContext(c *call, _ []uint64) ([]byte, error) {
	cfg, err := c.k.NetworkContext()
	if err != nil {
		return nil, err
	}
	fee, err := tokenAmount(cfg.BaseFee)
	if err != nil {
		return nil, err
	}
	return NetworkContext{
		Epoch: int64(cfg.Epoch), Timestamp: cfg.Timestamp, BaseFee: fee,
		ChainID: cfg.ChainID, NetworkVersion: uint32(cfg.NetworkVersion),
	}.Bytes(), nil
}

func networkTipsetCID(c *call, a []uint64) ([]byte, error) {
	off, n := u32(a[1]), u32(a[2])
	if err := c.mem.CheckBounds(off, n); err != nil {
		return nil, err
	}
	tsk, err := c.k.TipsetCID(c.ctx, abi.ChainEpoch(int64(a[0])))
	if err != nil {
		return nil, err
	}
	l, err := c.mem.WriteCID(off, n, tsk)
	if err != nil {
		return nil, err
	}
	return le32(l), nil
}

func networkCircSupply(c *call, _ []uint64) ([]byte, error) {
	t, err := tokenAmount(c.k.CircSupply())
	if err != nil {
		return nil, err
	}
	return t.Bytes(), nil
}
