package rpc

import (
	"bytes"
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"strconv"

	"github.com/filecoin-project/go-address"
	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/builtin"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm"
)

// ErrNoKeyAddress is returned (wrapped) for an actor with no key or robust address.
var ErrNoKeyAddress = errors.New("no key address")

// readState returns the raw state block of an actor.
func (a *FilecoinAPI) readState(ctx context.Context, act *fvm.Actor) ([]byte, error) {
	b, err := a.chain().Blockstore().Get(ctx, act.Head)
	if err != nil {
		return nil, fmt.Errorf("actor state %s: %w", act.Head, err)
	}
	return b.RawData(), nil
}

// accountKey reads the key address of an account actor's state ([address]).
func (a *FilecoinAPI) accountKey(ctx context.Context, vm *fvm.VM, addr address.Address) (address.Address, error) {
	_, act, err := vm.Actor(ctx, addr)
	if err != nil {
		return address.Undef, fmt.Errorf("actor %s: %w", addr, err)
	}
	if act.DelegatedAddress != nil {
		return *act.DelegatedAddress, nil
	}
	if vm.ActorKind(act.Code) != "account" {
		return address.Undef, fmt.Errorf("actor %s is a %q actor: %w", addr, vm.ActorKind(act.Code), ErrNoKeyAddress)
	}
	data, err := a.readState(ctx, act)
	if err != nil {
		return address.Undef, err
	}
	r := cbg.NewCborReader(bytes.NewReader(data))
	if maj, n, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || n != 1 {
		return address.Undef, fmt.Errorf("account state of %s is not [address]", addr)
	}
	var key address.Address
	if err := key.UnmarshalCBOR(r); err != nil {
		return address.Undef, fmt.Errorf("account state of %s: %w", addr, err)
	}
	return key, nil
}

// StateAccountKey returns the key address of an account (or the f410 address of an Ethereum account).
func (a *FilecoinAPI) StateAccountKey(ctx context.Context, addr address.Address, k TipSetKey) (address.Address, error) {
	if p := addr.Protocol(); p == address.SECP256K1 || p == address.BLS {
		return addr, nil
	}
	vm, _, err := a.vmAt(ctx, k)
	if err != nil {
		return address.Undef, err
	}
	defer vm.Close(ctx)
	return a.accountKey(ctx, vm, addr)
}

// StateLookupRobustAddress returns the robust address of an ID address: its
// key or delegated address, or else the address the init actor maps to it.
func (a *FilecoinAPI) StateLookupRobustAddress(ctx context.Context, addr address.Address, k TipSetKey) (address.Address, error) {
	if addr.Protocol() != address.ID {
		return addr, nil
	}
	vm, _, err := a.vmAt(ctx, k)
	if err != nil {
		return address.Undef, err
	}
	defer vm.Close(ctx)
	if key, err := a.accountKey(ctx, vm, addr); err == nil {
		return key, nil
	}
	id, err := address.IDFromAddress(addr)
	if err != nil {
		return address.Undef, err
	}
	return a.reverseInitLookup(ctx, vm, id)
}

// reverseInitLookup scans the init actor's address map for an ID.
func (a *FilecoinAPI) reverseInitLookup(ctx context.Context, vm *fvm.VM, id uint64) (address.Address, error) {
	mapRoot, _, err := a.initState(ctx, vm)
	if err != nil {
		return address.Undef, err
	}
	node, err := hamt.LoadNode(ctx, cbor.NewCborStore(a.chain().Blockstore()), mapRoot, hamt.UseTreeBitWidth(5))
	if err != nil {
		return address.Undef, fmt.Errorf("init actor address map: %w", err)
	}
	found := address.Undef
	err = node.ForEach(ctx, func(k string, v *cbg.Deferred) error {
		var got cbg.CborInt
		if err := got.UnmarshalCBOR(bytes.NewReader(v.Raw)); err != nil {
			return err
		}
		if uint64(got) == id && found == address.Undef {
			found, err = address.NewFromBytes([]byte(k))
			return err
		}
		return nil
	})
	if err != nil {
		return address.Undef, err
	}
	if found == address.Undef {
		return address.Undef, fmt.Errorf("f0%d: %w", id, ErrNoKeyAddress)
	}
	return found, nil
}

// initState reads the init actor's [address map, next id, network name].
func (a *FilecoinAPI) initState(ctx context.Context, vm *fvm.VM) (cid.Cid, string, error) {
	_, act, err := vm.Actor(ctx, builtin.InitActorAddr)
	if err != nil {
		return cid.Undef, "", err
	}
	data, err := a.readState(ctx, act)
	if err != nil {
		return cid.Undef, "", err
	}
	r := cbg.NewCborReader(bytes.NewReader(data))
	if maj, n, err := r.ReadHeader(); err != nil || maj != cbg.MajArray || n != 3 {
		return cid.Undef, "", errors.New("init actor state is not [map, next id, name]")
	}
	root, err := cbg.ReadCid(r)
	if err != nil {
		return cid.Undef, "", err
	}
	if _, _, err := r.ReadHeader(); err != nil {
		return cid.Undef, "", err
	}
	name, err := cbg.ReadString(r)
	return root, name, err
}

// StateNetworkName returns the network name the init actor keeps.
func (a *FilecoinAPI) StateNetworkName(ctx context.Context) (string, error) {
	vm, _, err := a.vmAt(ctx, nil)
	if err != nil {
		return "", err
	}
	defer vm.Close(ctx)
	_, name, err := a.initState(ctx, vm)
	return name, err
}

// StateReadState returns an actor's balance, code and state. The state is its
// DAG-CBOR decoded generically: arrays for the actors' tuple structs, CIDs as
// {"/": cid}, byte strings in base64.
func (a *FilecoinAPI) StateReadState(ctx context.Context, addr address.Address, k TipSetKey) (*ActorState, error) {
	vm, _, err := a.vmAt(ctx, k)
	if err != nil {
		return nil, err
	}
	defer vm.Close(ctx)
	_, act, err := vm.Actor(ctx, addr)
	if err != nil {
		return nil, fmt.Errorf("actor %s: %w", addr, err)
	}
	data, err := a.readState(ctx, act)
	if err != nil {
		return nil, err
	}
	st, err := decodeCBOR(cbg.NewCborReader(bytes.NewReader(data)), 0)
	if err != nil {
		return nil, fmt.Errorf("actor %s state: %w", addr, err)
	}
	return &ActorState{Balance: act.Balance, Code: act.Code, State: st}, nil
}

// maxDecodeDepth bounds the nesting decodeCBOR follows.
const maxDecodeDepth = 64

// decodeCBOR decodes one DAG-CBOR item into JSON-able values.
func decodeCBOR(r *cbg.CborReader, depth int) (any, error) {
	if depth > maxDecodeDepth {
		return nil, errors.New("nested too deeply")
	}
	maj, extra, err := r.ReadHeader()
	if err != nil {
		return nil, err
	}
	switch maj {
	case cbg.MajUnsignedInt:
		return extra, nil
	case cbg.MajNegativeInt:
		return "-" + strconv.FormatUint(extra+1, 10), nil
	case cbg.MajByteString, cbg.MajTextString:
		if extra > 1<<24 {
			return nil, errors.New("string too long")
		}
		b := make([]byte, extra)
		if _, err := io.ReadFull(r, b); err != nil {
			return nil, err
		}
		if maj == cbg.MajTextString {
			return string(b), nil
		}
		return base64.StdEncoding.EncodeToString(b), nil
	case cbg.MajArray:
		out := make([]any, 0, min(extra, 1024))
		for range extra {
			v, err := decodeCBOR(r, depth+1)
			if err != nil {
				return nil, err
			}
			out = append(out, v)
		}
		return out, nil
	case cbg.MajMap:
		out := map[string]any{}
		for range extra {
			k, err := decodeCBOR(r, depth+1)
			if err != nil {
				return nil, err
			}
			v, err := decodeCBOR(r, depth+1)
			if err != nil {
				return nil, err
			}
			out[fmt.Sprint(k)] = v
		}
		return out, nil
	case cbg.MajTag:
		v, err := decodeCBOR(r, depth+1)
		if err != nil || extra != 42 {
			return v, err
		}
		s, ok := v.(string)
		raw, derr := base64.StdEncoding.DecodeString(s)
		if !ok || derr != nil || len(raw) == 0 {
			return nil, errors.New("bad CID")
		}
		c, err := cid.Cast(raw[1:])
		if err != nil {
			return nil, err
		}
		return map[string]string{"/": c.String()}, nil
	default: // simple values
		switch extra {
		case 20:
			return false, nil
		case 21:
			return true, nil
		}
		return nil, nil
	}
}
