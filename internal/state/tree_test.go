package state_test

import (
	"bytes"
	"context"
	"errors"
	"math/big"
	"path/filepath"
	"strings"
	"testing"

	"github.com/filecoin-project/go-address"
	hamt "github.com/filecoin-project/go-hamt-ipld/v3"
	"github.com/filecoin-project/go-state-types/abi"
	fbig "github.com/filecoin-project/go-state-types/big"
	"github.com/ipfs/go-cid"
	cbor "github.com/ipfs/go-ipld-cbor"
	cbg "github.com/whyrusleeping/cbor-gen"

	"github.com/go-fvm/go-fvm/blockstore"
	"github.com/go-fvm/go-fvm/internal/state"
)

func bigInt(v int64) abi.TokenAmount { return fbig.NewInt(v) }

func mustFlush(t *testing.T, tree *state.StateTree) cid.Cid {
	t.Helper()
	root, err := tree.Flush(context.Background())
	if err != nil {
		t.Fatalf("Flush: %v", err)
	}
	return root
}

func mustGet(t *testing.T, tree *state.StateTree, id uint64) *state.ActorState {
	t.Helper()
	act, err := tree.GetActor(context.Background(), id)
	if err != nil {
		t.Fatalf("GetActor(%d): %v", id, err)
	}
	return act
}

func sameActor(a, b *state.ActorState) bool {
	if a == nil || b == nil {
		return a == b
	}
	if (a.DelegatedAddress == nil) != (b.DelegatedAddress == nil) ||
		(a.DelegatedAddress != nil && *a.DelegatedAddress != *b.DelegatedAddress) {
		return false
	}
	return a.Code == b.Code && a.Head == b.Head && a.Sequence == b.Sequence && a.Balance.Equals(b.Balance)
}

func TestEmptyArrayCID(t *testing.T) {
	// shared/spec/executor.md §3.1.
	if got := state.EmptyArrayCID.String(); got != "bafy2bzacebc3bt6cedhoyw34drrmjvazhu4oj25er2ebk4u445pzycvq4ta4a" {
		t.Fatalf("EmptyArrayCID = %s", got)
	}
}

// Every vector's pre-state loads, flushes unchanged to the same root, and
// keeps that root under writes that change nothing or are reverted. nv18
// vectors hold version-5 trees over actors v10; nv17 (fvm-test-vectors'
// shark corpus, when present) version-4 trees over actors v9.
func TestVectorPreStateRoundTrip(t *testing.T) {
	ctx := context.Background()
	const (
		v10Data = "bafy2bzacea5a4r4pgc5pjcy2kx7mcbjcmc72chs7qqyl5o4jirxiplnqdmpo2" // spec §5.2
		v9Data  = "bafy2bzacebhoemuuebamhlw7mbr7ehljkymyaf75ywlw4irms4xv3oosskpyk" // spec §5.3
	)
	for _, f := range vectorFiles(t) {
		name := filepath.Base(f)
		v, bs := loadVector(t, f)
		pre := v.PreRoot()
		wantVersion, wantData := uint64(state.Version5), v10Data
		if v.Preconditions.Variants[0].NV == 17 {
			wantVersion, wantData = state.Version4, v9Data
		}
		tree, err := state.Load(ctx, bs, pre)
		if err != nil {
			t.Errorf("%s: Load: %v", name, err)
			continue
		}
		version, _, info := rootParts(t, bs, pre)
		if tree.Version() != version || version != wantVersion || info != state.EmptyArrayCID {
			t.Errorf("%s: version %d (root says %d), info %s", name, tree.Version(), version, info)
		}
		if got := mustFlush(t, tree); got != pre {
			t.Errorf("%s: unchanged flush gives %s, want %s", name, got, pre)
			continue
		}
		data, err := tree.ManifestData(ctx)
		if err != nil || data.String() != wantData {
			t.Errorf("%s: ManifestData = %s, %v", name, data, err)
		}
		msgs, err := v.Messages()
		if err != nil {
			t.Fatal(err)
		}
		var ids []uint64
		for _, addr := range []address.Address{msgs[0].Message.From, msgs[0].Message.To} {
			act, id, err := tree.GetActorByAddress(ctx, addr)
			if err != nil || act == nil {
				t.Errorf("%s: %s does not resolve to an actor: %v", name, addr, err)
				continue
			}
			ids = append(ids, id)
		}
		ids = append(ids, state.SystemActorID, state.InitActorID)
		for _, id := range ids {
			act := mustGet(t, tree, id)
			// Its own value, set back: the same root.
			tree.SetActor(id, act)
			if got := mustFlush(t, tree); got != pre {
				t.Errorf("%s: SetActor(%d, unchanged) gives root %s", name, id, got)
			}
			// A change that is reverted: the same root.
			tree.BeginTransaction()
			changed := act.Clone()
			changed.DepositFunds(bigInt(1))
			changed.Sequence++
			tree.SetActor(id, changed)
			tree.DeleteActor(id + 1000000)
			if err := tree.EndTransaction(true); err != nil {
				t.Fatal(err)
			}
			if !sameActor(mustGet(t, tree, id), act) {
				t.Errorf("%s: actor %d not restored by the revert", name, id)
			}
			if got := mustFlush(t, tree); got != pre {
				t.Errorf("%s: reverted change of %d gives root %s", name, id, got)
			}
			// A deletion that is reverted: the same root.
			tree.BeginTransaction()
			tree.DeleteActor(id)
			if mustGet(t, tree, id) != nil {
				t.Errorf("%s: deleted actor %d still there", name, id)
			}
			if err := tree.EndTransaction(true); err != nil {
				t.Fatal(err)
			}
			if got := mustFlush(t, tree); got != pre {
				t.Errorf("%s: reverted delete of %d gives root %s", name, id, got)
			}
		}
	}
}

// The resolution of a vector's addresses agrees with a direct lookup in the
// init actor's address map.
func TestVectorLookupID(t *testing.T) {
	ctx := context.Background()
	for _, f := range vectorFiles(t) {
		name := filepath.Base(f)
		v, bs := loadVector(t, f)
		tree, err := state.Load(ctx, bs, v.PreRoot())
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := v.Messages()
		initAct := mustGet(t, tree, state.InitActorID)
		blk, err := bs.Get(ctx, initAct.Head)
		if err != nil {
			t.Fatal(err)
		}
		r := cbg.NewCborReader(bytes.NewReader(blk.RawData()))
		_, _, _ = r.ReadHeader()
		mapRoot, err := cbg.ReadCid(r)
		if err != nil {
			t.Fatal(err)
		}
		m, err := hamt.LoadNode(ctx, cbor.NewCborStore(bs), mapRoot, hamtOpts()...)
		if err != nil {
			t.Fatal(err)
		}
		for _, addr := range []address.Address{msgs[0].Message.From, msgs[0].Message.To} {
			id, found, err := tree.LookupID(ctx, addr)
			if err != nil || !found {
				t.Errorf("%s: LookupID(%s) = %d, %v, %v", name, addr, id, found, err)
				continue
			}
			if addr.Protocol() == address.ID {
				want, _ := address.IDFromAddress(addr)
				if id != want {
					t.Errorf("%s: LookupID(%s) = %d", name, addr, id)
				}
				continue
			}
			var direct cbg.CborInt
			ok, err := m.Find(ctx, string(addr.Bytes()), &direct)
			if err != nil || !ok || uint64(direct) != id {
				t.Errorf("%s: LookupID(%s) = %d, the address map says %d (%v, %v)", name, addr, id, direct, ok, err)
			}
		}
	}
}

// Changing an actor gives the root that go-hamt-ipld computes from the same
// change written by hand into the pre-state HAMT.
func TestVectorChangeMatchesDirectHAMT(t *testing.T) {
	ctx := context.Background()
	files := vectorFiles(t)
	for _, f := range files[:min(len(files), 20)] {
		name := filepath.Base(f)
		v, bs := loadVector(t, f)
		tree, err := state.Load(ctx, bs, v.PreRoot())
		if err != nil {
			t.Fatal(err)
		}
		msgs, _ := v.Messages()
		act, id, err := tree.GetActorByAddress(ctx, msgs[0].Message.From)
		if err != nil || act == nil {
			t.Fatalf("%s: sender: %v", name, err)
		}
		delta := big.NewInt(123456789)
		changed := act.Clone()
		changed.DepositFunds(fbig.NewFromGo(delta))
		changed.Sequence += 7
		tree.SetActor(id, changed)
		got := mustFlush(t, tree)

		// The same change, by hand.
		version, actors, info := rootParts(t, bs, v.PreRoot())
		n, err := hamt.LoadNode(ctx, cbor.NewCborStore(bs), actors, hamtOpts()...)
		if err != nil {
			t.Fatal(err)
		}
		bal := new(big.Int).Add(act.Balance.Int, delta)
		raw := handActor(int(version), act.Code, act.Head, act.Sequence+7, bal, act.DelegatedAddress)
		key, _ := address.NewIDAddress(id)
		if err := n.SetRaw(ctx, string(key.Bytes()), raw); err != nil {
			t.Fatal(err)
		}
		newActors, err := n.Write(ctx)
		if err != nil {
			t.Fatal(err)
		}
		want := dagCID(t, cbArray(cbHead(0, version), cbLink(newActors), cbLink(info)))
		if got != want {
			t.Errorf("%s: root after the change %s, direct HAMT gives %s", name, got, want)
		}
		if got == v.PreRoot() {
			t.Errorf("%s: a change kept the pre-state root", name)
		}
		// A fresh tree over the new root sees the change.
		again, err := state.Load(ctx, bs, got)
		if err != nil {
			t.Fatal(err)
		}
		if !sameActor(mustGet(t, again, id), changed) {
			t.Errorf("%s: reloaded actor %+v, want %+v", name, mustGet(t, again, id), changed)
		}
		if !bytes.Equal(rawActor(t, bs, got, id), raw) {
			t.Errorf("%s: stored actor bytes differ from the hand encoding", name)
		}
	}
}

func TestNestedTransactions(t *testing.T) {
	ctx := context.Background()
	a := &state.ActorState{Code: codeCID(t, "account"), Head: state.EmptyArrayCID, Balance: bigInt(10)}
	b := &state.ActorState{Code: codeCID(t, "multisig"), Head: state.EmptyArrayCID, Sequence: 3, Balance: bigInt(20)}
	c := &state.ActorState{Code: codeCID(t, "miner"), Head: state.EmptyArrayCID, Balance: bigInt(30)}
	const idA, idB, idC = 100, 101, 102

	type step struct {
		begin bool
		end   *bool // revert?
		set   uint64
		del   uint64
	}
	yes, no := true, false
	set := func(id uint64) step { return step{set: id} }
	del := func(id uint64) step { return step{del: id} }
	begin := step{begin: true}
	commit := step{end: &no}
	revert := step{end: &yes}
	actors := map[uint64]*state.ActorState{idA: a, idB: b, idC: c}

	cases := []struct {
		name  string
		steps []step
		want  []uint64 // actors present at the end, besides C which starts present
		noC   bool
	}{
		{"commit", []step{begin, set(idA), commit}, []uint64{idA}, false},
		{"revert", []step{begin, set(idA), revert}, nil, false},
		{"inner revert, outer commit", []step{begin, set(idA), begin, set(idB), revert, commit}, []uint64{idA}, false},
		{"inner commit, outer revert", []step{begin, set(idA), begin, set(idB), commit, revert}, nil, false},
		{"both commit", []step{begin, set(idA), begin, set(idB), commit, commit}, []uint64{idA, idB}, false},
		{"set before, revert after", []step{set(idA), begin, del(idA), revert}, []uint64{idA}, false},
		{"delete committed", []step{begin, del(idC), commit}, nil, true},
		{"delete reverted", []step{begin, del(idC), revert}, nil, false},
		{"three levels, middle revert", []step{begin, set(idA), begin, set(idB), begin, del(idC), commit, revert, commit}, []uint64{idA}, false},
		{"sequential transactions", []step{begin, set(idA), revert, begin, set(idB), commit}, []uint64{idB}, false},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			bs := blockstore.NewMemory()
			tree, err := state.New(ctx, bs, state.Version5)
			if err != nil {
				t.Fatal(err)
			}
			tree.SetActor(idC, c)
			base := mustFlush(t, tree)
			for _, s := range tc.steps {
				switch {
				case s.begin:
					tree.BeginTransaction()
				case s.end != nil:
					if err := tree.EndTransaction(*s.end); err != nil {
						t.Fatal(err)
					}
				case s.set != 0:
					tree.SetActor(s.set, actors[s.set])
				case s.del != 0:
					tree.DeleteActor(s.del)
				}
			}
			if tree.InTransaction() {
				t.Fatal("transaction still open")
			}
			present := map[uint64]bool{idC: !tc.noC}
			for _, id := range tc.want {
				present[id] = true
			}
			for _, id := range []uint64{idA, idB, idC} {
				got := mustGet(t, tree, id)
				if present[id] != (got != nil) || (got != nil && !sameActor(got, actors[id])) {
					t.Errorf("actor %d = %+v, want present=%v", id, got, present[id])
				}
			}
			// The flushed root is that of a tree built directly with the
			// final actors.
			root := mustFlush(t, tree)
			direct, err := state.New(ctx, bs, state.Version5)
			if err != nil {
				t.Fatal(err)
			}
			for _, id := range []uint64{idA, idB, idC} {
				if present[id] {
					direct.SetActor(id, actors[id])
				}
			}
			if want := mustFlush(t, direct); root != want {
				t.Errorf("root %s, a direct build gives %s", root, want)
			}
			if len(tc.want) == 0 && !tc.noC && root != base {
				t.Errorf("no net change, but root %s != %s", root, base)
			}
		})
	}
}

func TestTransactionErrors(t *testing.T) {
	ctx := context.Background()
	tree, err := state.New(ctx, blockstore.NewMemory(), state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	if err := tree.EndTransaction(false); !errors.Is(err, state.ErrStateTree) {
		t.Errorf("EndTransaction with none open: err = %v", err)
	}
	tree.BeginTransaction()
	if !tree.InTransaction() {
		t.Error("InTransaction = false after Begin")
	}
	if _, err := tree.Flush(ctx); !errors.Is(err, state.ErrInTransaction) {
		t.Errorf("Flush in a transaction: err = %v", err)
	}
	if err := tree.EndTransaction(false); err != nil {
		t.Fatal(err)
	}
	if _, err := tree.Flush(ctx); err != nil {
		t.Errorf("Flush after the transaction: %v", err)
	}
}

// GetActor and SetActor copy: callers cannot change the tree behind its back.
func TestActorCopies(t *testing.T) {
	ctx := context.Background()
	tree, err := state.New(ctx, blockstore.NewMemory(), state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	f4, _ := address.NewDelegatedAddress(10, bytes.Repeat([]byte{1}, 20))
	mine := f4
	act := &state.ActorState{Code: codeCID(t, "evm"), Head: state.EmptyArrayCID, Balance: bigInt(5), DelegatedAddress: &mine}
	tree.SetActor(7, act)
	act.Sequence = 99
	act.DepositFunds(bigInt(1))
	*act.DelegatedAddress, _ = address.NewIDAddress(1)
	got := mustGet(t, tree, 7)
	if got.Sequence != 0 || !got.Balance.Equals(bigInt(5)) || *got.DelegatedAddress != f4 {
		t.Fatalf("SetActor did not copy: %+v", got)
	}
	got.Sequence = 50
	*got.DelegatedAddress, _ = address.NewIDAddress(2)
	if again := mustGet(t, tree, 7); again.Sequence != 0 || *again.DelegatedAddress != f4 {
		t.Fatalf("GetActor did not copy: %+v", again)
	}
	if mustGet(t, tree, 8) != nil {
		t.Fatal("GetActor of a missing actor is not nil")
	}
}

func TestFunds(t *testing.T) {
	a := &state.ActorState{Balance: bigInt(10)}
	if err := a.DeductFunds(bigInt(11)); err == nil {
		t.Error("overdraft accepted")
	}
	if !a.Balance.Equals(bigInt(10)) {
		t.Errorf("failed deduction changed the balance to %s", a.Balance)
	}
	if err := a.DeductFunds(bigInt(10)); err != nil || !a.Balance.IsZero() {
		t.Errorf("DeductFunds(all) = %v, balance %s", err, a.Balance)
	}
	a.DepositFunds(bigInt(7))
	if !a.Balance.Equals(bigInt(7)) {
		t.Errorf("balance %s after a deposit of 7", a.Balance)
	}
}

// Version-4 trees hold 4-tuples and refuse delegated addresses; version-5
// trees hold 5-tuples with the address or null.
func TestVersionLayouts(t *testing.T) {
	ctx := context.Background()
	f4, _ := address.NewDelegatedAddress(10, bytes.Repeat([]byte{0xab}, 20))
	huge, _ := new(big.Int).SetString("123456789012345678901234567890", 10)
	plain := &state.ActorState{Code: codeCID(t, "account"), Head: codeCID(t, "head"), Sequence: 1 << 40, Balance: fbig.NewFromGo(huge)}
	withF4 := plain.Clone()
	withF4.DelegatedAddress = &f4

	for _, version := range []uint64{state.Version4, state.Version5} {
		for _, act := range []*state.ActorState{plain, withF4} {
			bs := blockstore.NewMemory()
			tree, err := state.New(ctx, bs, version)
			if err != nil {
				t.Fatal(err)
			}
			if tree.Version() != version {
				t.Fatalf("Version = %d", tree.Version())
			}
			tree.SetActor(42, act)
			root, err := tree.Flush(ctx)
			if version == state.Version4 && act.DelegatedAddress != nil {
				if !errors.Is(err, state.ErrStateTree) || !strings.Contains(err.Error(), "delegated") {
					t.Errorf("v4 tree with a delegated address: err = %v", err)
				}
				continue
			}
			if err != nil {
				t.Fatalf("v%d Flush: %v", version, err)
			}
			gotVersion, _, info := rootParts(t, bs, root)
			if gotVersion != version || info != state.EmptyArrayCID {
				t.Errorf("root [%d, _, %s]", gotVersion, info)
			}
			want := handActor(int(version), act.Code, act.Head, act.Sequence, huge, act.DelegatedAddress)
			if raw := rawActor(t, bs, root, 42); !bytes.Equal(raw, want) {
				t.Errorf("v%d actor bytes %x, want %x", version, raw, want)
			}
			again, err := state.Load(ctx, bs, root)
			if err != nil {
				t.Fatal(err)
			}
			if again.Version() != version || !sameActor(mustGet(t, again, 42), act) {
				t.Errorf("v%d round trip: %+v", version, mustGet(t, again, 42))
			}
			var seen []uint64
			if err := again.ForEach(ctx, func(id uint64, a *state.ActorState) error {
				seen = append(seen, id)
				if !sameActor(a, act) {
					t.Errorf("ForEach actor %+v", a)
				}
				return nil
			}); err != nil || len(seen) != 1 || seen[0] != 42 {
				t.Errorf("ForEach saw %v, %v", seen, err)
			}
		}
	}
	// A tree of the other version cannot read the actors.
	bs := blockstore.NewMemory()
	v4, _ := state.New(ctx, bs, state.Version4)
	v4.SetActor(1, plain)
	v4root := mustFlush(t, v4)
	_, actors, info := rootParts(t, bs, v4root)
	asV5 := putBlock(t, bs, cbArray(cbHead(0, 5), cbLink(actors), cbLink(info)))
	tree, err := state.Load(ctx, bs, asV5)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tree.GetActor(ctx, 1); !errors.Is(err, state.ErrMalformedActor) {
		t.Errorf("v5 read of a 4-tuple: err = %v", err)
	}
}

func TestLoadBadRoot(t *testing.T) {
	ctx := context.Background()
	bs := blockstore.NewMemory()
	good, _ := state.New(ctx, bs, state.Version5)
	goodRoot := mustFlush(t, good)
	_, actors, info := rootParts(t, bs, goodRoot)
	cases := []struct {
		name    string
		block   []byte
		mention string
	}{
		{"version 3", cbArray(cbHead(0, 3), cbLink(actors), cbLink(info)), "unsupported version 3"},
		{"version 6", cbArray(cbHead(0, 6), cbLink(actors), cbLink(info)), "unsupported version 6"},
		{"not an array", cbText("root"), "expected [version, actors, info]"},
		{"2-tuple", cbArray(cbHead(0, 5), cbLink(actors)), "expected [version, actors, info]"},
		{"version not a number", cbArray(cbText("5"), cbLink(actors), cbLink(info)), "version"},
		{"actors not a link", cbArray(cbHead(0, 5), cbHead(0, 1), cbLink(info)), "actors"},
		{"actors missing", cbArray(cbHead(0, 5), cbLink(codeCID(t, "nothing")), cbLink(info)), "actors"},
		{"truncated", cbArray(cbHead(0, 5), cbLink(actors), cbLink(info))[:20], "root"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			root := putBlock(t, bs, tc.block)
			_, err := state.Load(ctx, bs, root)
			if !errors.Is(err, state.ErrStateTree) || !strings.Contains(err.Error(), tc.mention) || !strings.Contains(err.Error(), root.String()) {
				t.Fatalf("Load: err = %v; want ErrStateTree naming %s and %q", err, root, tc.mention)
			}
		})
	}
	if _, err := state.Load(ctx, bs, codeCID(t, "absent")); !errors.Is(err, state.ErrStateTree) {
		t.Errorf("Load of a missing root: err = %v", err)
	}
	for _, v := range []uint64{0, 3, 6} {
		if _, err := state.New(ctx, bs, v); !errors.Is(err, state.ErrStateTree) {
			t.Errorf("New(version %d): err = %v", v, err)
		}
	}
}

func TestRegisterNewAddress(t *testing.T) {
	ctx := context.Background()
	tree, bs := newInitTree(t, 1000)
	secp, _ := address.NewSecp256k1Address(bytes.Repeat([]byte{4}, 65))
	f4, _ := address.NewDelegatedAddress(10, bytes.Repeat([]byte{0xcd}, 20))
	actorAddr, _ := address.NewActorAddress([]byte("x"))

	if id, found, err := tree.LookupID(ctx, secp); err != nil || found {
		t.Fatalf("LookupID before registration = %d, %v, %v", id, found, err)
	}
	id, err := tree.RegisterNewAddress(ctx, secp)
	if err != nil || id != 1000 {
		t.Fatalf("RegisterNewAddress = %d, %v; want 1000", id, err)
	}
	if next := initNextID(t, tree); next != 1001 {
		t.Errorf("next_id = %d, want 1001", next)
	}
	if got, found, err := tree.LookupID(ctx, secp); err != nil || !found || got != 1000 {
		t.Errorf("LookupID = %d, %v, %v", got, found, err)
	}

	// Inside a transaction: resolves inside, gone after a revert.
	tree.BeginTransaction()
	id2, err := tree.RegisterNewAddress(ctx, f4)
	if err != nil || id2 != 1001 {
		t.Fatalf("RegisterNewAddress in a transaction = %d, %v", id2, err)
	}
	if got, found, _ := tree.LookupID(ctx, f4); !found || got != 1001 {
		t.Errorf("LookupID inside = %d, %v", got, found)
	}
	if err := tree.EndTransaction(true); err != nil {
		t.Fatal(err)
	}
	if got, found, err := tree.LookupID(ctx, f4); err != nil || found {
		t.Errorf("LookupID after the revert = %d, %v, %v", got, found, err)
	}
	if next := initNextID(t, tree); next != 1001 {
		t.Errorf("next_id after the revert = %d, want 1001", next)
	}
	// The id is handed out again.
	id3, err := tree.RegisterNewAddress(ctx, actorAddr)
	if err != nil || id3 != 1001 {
		t.Fatalf("RegisterNewAddress after the revert = %d, %v", id3, err)
	}

	// After a flush, a fresh tree resolves through the HAMT.
	root := mustFlush(t, tree)
	fresh, err := state.Load(ctx, bs, root)
	if err != nil {
		t.Fatal(err)
	}
	for addr, want := range map[address.Address]uint64{secp: 1000, actorAddr: 1001} {
		if got, found, err := fresh.LookupID(ctx, addr); err != nil || !found || got != want {
			t.Errorf("fresh LookupID(%s) = %d, %v, %v; want %d", addr, got, found, err, want)
		}
	}
	if _, found, _ := fresh.LookupID(ctx, f4); found {
		t.Error("reverted address resolves after the flush")
	}
	if next := initNextID(t, fresh); next != 1002 {
		t.Errorf("flushed next_id = %d, want 1002", next)
	}
}

func TestLookupIDWithoutInit(t *testing.T) {
	ctx := context.Background()
	tree, err := state.New(ctx, blockstore.NewMemory(), state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	idAddr, _ := address.NewIDAddress(12345)
	if id, found, err := tree.LookupID(ctx, idAddr); err != nil || !found || id != 12345 {
		t.Errorf("LookupID(f012345) = %d, %v, %v (an ID address resolves without an actor)", id, found, err)
	}
	if act, _, err := tree.GetActorByAddress(ctx, idAddr); err != nil || act != nil {
		t.Errorf("GetActorByAddress(f012345) = %v, %v", act, err)
	}
	secp, _ := address.NewSecp256k1Address(bytes.Repeat([]byte{4}, 65))
	if _, _, err := tree.LookupID(ctx, secp); !errors.Is(err, state.ErrStateTree) || !strings.Contains(err.Error(), "init") {
		t.Errorf("LookupID with no init actor: err = %v", err)
	}
	if _, err := tree.RegisterNewAddress(ctx, secp); !errors.Is(err, state.ErrStateTree) {
		t.Errorf("RegisterNewAddress with no init actor: err = %v", err)
	}
	if _, err := tree.ManifestData(ctx); !errors.Is(err, state.ErrStateTree) || !strings.Contains(err.Error(), "system") {
		t.Errorf("ManifestData with no system actor: err = %v", err)
	}
}

// Deleting an actor that does not exist changes nothing.
func TestDeleteMissingActor(t *testing.T) {
	ctx := context.Background()
	tree, err := state.New(ctx, blockstore.NewMemory(), state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	tree.SetActor(5, &state.ActorState{Code: codeCID(t, "account"), Head: state.EmptyArrayCID, Balance: bigInt(1)})
	before := mustFlush(t, tree)
	tree.DeleteActor(6)
	root, err := tree.Flush(ctx)
	if err != nil || root != before {
		t.Fatalf("Flush after deleting a missing actor = %s, %v; want %s", root, err, before)
	}
	tree.DeleteActor(5)
	empty, err := state.New(ctx, blockstore.NewMemory(), state.Version5)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := mustFlush(t, tree), mustFlush(t, empty); got != want {
		t.Fatalf("deleting the only actor gives %s, an empty tree %s", got, want)
	}
}
