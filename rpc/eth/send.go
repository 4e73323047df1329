package eth

import (
	"context"
	"errors"
	"math/big"

	"github.com/ethereum/go-ethereum/common"
	"github.com/ethereum/go-ethereum/core/types"

	fvm "github.com/go-fvm/go-fvm"
	"github.com/go-fvm/go-fvm/chain"
	"github.com/go-fvm/go-fvm/ethtx"
)

// sendRaw is eth_sendRawTransaction: the envelope becomes a Filecoin message
// with a delegated signature (as Lotus's) and goes to the mempool; the
// answer is keccak-256 of the raw bytes (Lotus's EthHashFromTxBytes).
func (s *Service) sendRaw(ctx context.Context, raw []byte) (common.Hash, error) {
	tx, err := ethtx.Parse(raw)
	if err != nil {
		return common.Hash{}, txError(err)
	}
	if err := s.push(ctx, tx); err != nil {
		return common.Hash{}, err
	}
	return common.BytesToHash(keccak(raw)), nil
}

func (s *Service) push(ctx context.Context, tx *ethtx.Tx) error {
	smsg, _, err := tx.SignedMessage(s.chainID)
	if err != nil {
		return txError(err)
	}
	if _, err := s.chain.Push(ctx, smsg); err != nil {
		return pushError(err)
	}
	return nil
}

// txError words an envelope the codec refused as go-ethereum does.
func txError(err error) error {
	switch {
	case errors.Is(err, ethtx.ErrChainID), errors.Is(err, ethtx.ErrUnsupportedType), errors.Is(err, ethtx.ErrSignature):
		return serverError("%v", err)
	case errors.Is(err, ethtx.ErrMalformed):
		return serverError("rlp: %v", err)
	}
	return serverError("%v", err)
}

// pushError words a mempool rejection as go-ethereum's transaction pool
// does, so that clients recognise it (ethers matches "nonce too low",
// "insufficient funds", "replacement transaction underpriced"), and keeps
// the chain's explanation after it.
func pushError(err error) error {
	var r *chain.Rejection
	if !errors.As(err, &r) {
		return err
	}
	words := map[error]string{
		chain.ErrNonceTooLow:       "nonce too low",
		chain.ErrNonceTooHigh:      "nonce too high",
		chain.ErrInsufficientFunds: "insufficient funds for gas * price + value",
		chain.ErrGasLimit:          "exceeds block gas limit",
		chain.ErrFeeCapTooLow:      "max fee per gas less than block base fee",
		chain.ErrUnderpriced:       "replacement transaction underpriced",
		chain.ErrKnown:             "already known",
		chain.ErrBadSignature:      "invalid sender",
		chain.ErrPoolFull:          "txpool is full",
	}
	for reason, w := range words {
		if errors.Is(r.Reason, reason) {
			return serverError("%s: %s", w, r.Detail)
		}
	}
	return serverError("invalid transaction: %s", r.Detail)
}

// sendTransaction is eth_sendTransaction: an EIP-1559 transaction from a dev
// account, its missing fields filled as a wallet would (next nonce, gas
// estimate, fees), signed with the dev key.
func (s *Service) sendTransaction(ctx context.Context, args *CallArgs) (common.Hash, error) {
	if args.From == nil {
		return common.Hash{}, invalidParams("missing from")
	}
	key, err := s.ethKey(*args.From)
	if err != nil {
		return common.Hash{}, serverError("%v", err)
	}
	data, err := s.fillTx(ctx, args)
	if err != nil {
		return common.Hash{}, err
	}
	tx, err := ethtx.Sign(data, s.chainID, key)
	if err != nil {
		return common.Hash{}, err
	}
	if err := s.push(ctx, tx); err != nil {
		return common.Hash{}, err
	}
	return tx.Hash(), nil
}

// fillTx completes a transaction object for signing.
func (s *Service) fillTx(ctx context.Context, args *CallArgs) (*types.DynamicFeeTx, error) {
	tx := &types.DynamicFeeTx{To: args.To, Data: args.Calldata(), Value: new(big.Int)}
	if args.Value != nil {
		tx.Value = args.Value.ToInt()
	}
	if args.Nonce != nil {
		tx.Nonce = uint64(*args.Nonce)
	} else {
		from, err := fvm.EthAddress(*args.From).FilecoinAddress()
		if err != nil {
			return nil, err
		}
		if tx.Nonce, err = s.chain.NextNonce(ctx, from); err != nil {
			return nil, err
		}
	}
	if args.Gas != nil {
		tx.Gas = uint64(*args.Gas)
	} else {
		g, err := s.estimateGas(ctx, args, s.chain.Head())
		if err != nil {
			return nil, err
		}
		tx.Gas = g
	}
	switch {
	case args.GasPrice != nil:
		tx.GasFeeCap, tx.GasTipCap = args.GasPrice.ToInt(), args.GasPrice.ToInt()
	default:
		tx.GasTipCap = big.NewInt(minGasPremium)
		if args.MaxPriorityFeePerGas != nil {
			tx.GasTipCap = args.MaxPriorityFeePerGas.ToInt()
		}
		if args.MaxFeePerGas != nil {
			tx.GasFeeCap = args.MaxFeePerGas.ToInt()
		} else {
			exec, err := s.chain.Execution(ctx, s.chain.Head())
			if err != nil {
				return nil, err
			}
			tx.GasFeeCap = new(big.Int).Add(new(big.Int).Mul(exec.NextBaseFee.Int, big.NewInt(2)), tx.GasTipCap)
		}
	}
	if tx.GasFeeCap.Cmp(tx.GasTipCap) < 0 {
		return nil, serverError("max priority fee per gas higher than max fee per gas")
	}
	if args.ChainID != nil && uint64(*args.ChainID) != s.chainID {
		return nil, serverError("%v: have %d want %d", ethtx.ErrChainID, *args.ChainID, s.chainID)
	}
	return tx, nil
}
