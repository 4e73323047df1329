package crypto

import (
	"testing"

	"github.com/filecoin-project/go-address"
)

// messageSigningVectors are from filecoin-project/serialization-vectors
// (message_signing.json): BLS signatures by the sender over the message's CID bytes, produced
// by another Filecoin implementation.
var messageSigningVectors = []struct{ from, cid, sig string }{
	{from: "t3sogjuub37grt2tuvvlxbiamthwxenf2dwgq6sn7gpj72c5omg7gojjplsdsovgq6g3aagwerkght3e7boqfq",
		cid: "0171a0e40220cebe89d62b1ff3c34a26d112fd0d1c71debefce08214cce0cdaaf67d532fbfeb",
		sig: "b181d48fa37b09bf3a03ca533f2681f36cdd79e9b21ddfad654e1576c9ba6f3d8695a78b0b9b6c737497d50ec5af9a5103981785cc78203faf0ea0d53bb6409d3a0a696799d96af6f12f9be2d1963b0a981f1f23924be4972c8d279c0ae1babe"},
	{from: "t3unbjghaftrz676njfgakmfwvirbu5kxpafb57ex2s4sd7p2e5un2mru5fn3l2hnahcqsxtvwxy5j2cdtlaaa",
		cid: "0171a0e4022085f14c26af4fee87f75ce11fb3f98f5bab2010992eaa52211c04ce677302cf40",
		sig: "91f790edec90f91b378e0bf68a0876c391f8cfcfa56905edb60ebc43984fb1fd6f96e88e8d715610b4b51eb32a47bc5a0d1e90db28d72c3766c66f89b05afa30d4946dd0c1057b221fd693532c5cddc03d2e2e5067479dda4fe82873e1a5e0e1"},
}

func TestFilecoinMessageSignatureVectors(t *testing.T) {
	for i, v := range messageSigningVectors {
		from, err := address.NewFromString(v.from)
		if err != nil {
			t.Fatal(err)
		}
		cidBytes, sig := mustHex(t, v.cid), mustHex(t, v.sig)
		if ok, err := VerifySignature(SigTypeBLS, sig, from, cidBytes); !ok || err != nil {
			t.Fatalf("vector %d: rejected (%v)", i, err)
		}
		tampered := append([]byte(nil), cidBytes...)
		tampered[len(tampered)-1] ^= 1
		if ok, _ := VerifySignature(SigTypeBLS, sig, from, tampered); ok {
			t.Fatalf("vector %d: tampered CID accepted", i)
		}
		other := messageSigningVectors[1-i]
		otherFrom, _ := address.NewFromString(other.from)
		if ok, _ := VerifySignature(SigTypeBLS, sig, otherFrom, cidBytes); ok {
			t.Fatalf("vector %d: other sender accepted", i)
		}
	}
	// Both messages signed by their senders, as one aggregate (how blocks carry BLS messages).
	sigs := make([][96]byte, 2)
	keys := make([][BLSPubLen]byte, 2)
	msgs := make([][]byte, 2)
	for i, v := range messageSigningVectors {
		from, _ := address.NewFromString(v.from)
		copy(keys[i][:], from.Payload())
		msgs[i] = mustHex(t, v.cid)
		copy(sigs[i][:], mustHex(t, v.sig))
	}
	s0, _ := DecodeBLSSignature(sigs[0][:])
	s1, _ := DecodeBLSSignature(sigs[1][:])
	agg := aggregate(s0, s1)
	if ok, err := VerifyBLSAggregate(&agg, keys, msgs); !ok || err != nil {
		t.Fatalf("aggregate of the vectors rejected (%v)", err)
	}
}
