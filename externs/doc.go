// Package externs owns what the host node supplies to the FVM, across the boundary the
// reference calls "Boundary A" (ref-fvm `fvm/src/externs/mod.rs`):
//
//   - [Rand]: chain (ticket) and beacon randomness, as raw 32-byte digests;
//   - [Chain]: tipset CIDs by epoch;
//   - [Consensus]: consensus-fault verification for the miner actor's ReportConsensusFault;
//   - [ProofVerifier]: seal, aggregate-seal, replica-update and Window PoSt verification.
//
// It also provides a pure-Go consensus-fault verifier ([ConsensusFaultVerifier]) with the
// semantics of Lotus's FVM extern (chain/vm/fvm.go `VerifyConsensusFault`), needing only a
// [WorkerKeyLookup] from the node, and the input checks the reference kernel performs around
// proof verification ([VerifyWindowPoSt], [VerifyAggregateSeals], [VerifyReplicaUpdate],
// [BatchVerifySeals]).
//
// # How the kernel calls this package (after its own charge)
//
//	rand.get_chain_randomness / get_beacon_randomness: Rand.GetChainRandomness / GetBeaconRandomness
//	                     (error → IllegalArgument)
//	network.tipset_cid:  Chain.TipsetCid (error → Fatal)
//	crypto.verify_consensus_fault: Consensus.VerifyConsensusFault (error → IllegalArgument);
//	                     FaultTargetID(fault) when Type != FaultNone (error → Fatal)
//	crypto.verify_post:  VerifyWindowPoSt(ctx, verifier, PoStContext{...}, info)
//	crypto.verify_aggregate_seals: VerifyAggregateSeals(verifier, version, agg)
//	crypto.verify_replica_update:  VerifyReplicaUpdate(verifier, update)
//	crypto.batch_verify_seals:     charge OnVerifySeal per item, then BatchVerifySeals(verifier, version, infos)
//
// For the proof helpers: (true, nil) → 0, (false, nil) → -1, an error wrapping
// crypto.ErrIllegalArgument → IllegalArgument, [ErrNoProofVerifier] → Fatal.
//
// # Randomness
//
// ref-fvm v3.13.3 and v4.8.2 both take only the round (`get_chain_randomness(round)`,
// `get_beacon_randomness(round)`) and return the raw digest; the actor draws its
// domain-separated value itself through `crypto.hash` (FIP-0075). Older FVMs asked the node for
// (personalization, round, entropy); a node whose randomness source still has that shape can
// pass its digest through, and [DrawRandomness] computes the drawn value for code that needs it.
//
// # Gas
//
// Nothing here charges gas. The kernel charges OnGetRandomness, OnTipsetCid,
// OnVerifyConsensusFault, OnVerifySeal (per batch item, before any verification),
// OnVerifyAggregateSeals, OnVerifyReplicaUpdate and OnVerifyPost from the price list before it
// calls in; the gas a node reports for its own work (Lotus's consensus-fault extern returns
// some) is ignored, as in the reference. A proof verifier, in particular, never charges and
// never needs to know about gas.
//
// # Proof verification
//
// Proofs are checked by a pluggable [ProofVerifier]. Two implementations ship here:
//
//   - [NoProofVerifier], the default, which never accepts: every call fails with
//     [ErrNoProofVerifier]. The kernel should treat that error as fatal (a misconfigured
//     node), never as an invalid proof, so a node without a verifier cannot silently diverge.
//   - [AcceptAllProofs], for devnets and tests (the conformance harness does the same for
//     seals and aggregates), which accepts every proof.
//
// A Lotus-style node keeps its existing verifier: Lotus's `ffiwrapper.ProofVerifier` (and any
// `storiface.Verifier`) already has the four methods of [ProofVerifier] with the same
// signatures, so it can be passed as is:
//
//	var v externs.ProofVerifier = ffiwrapper.ProofVerifier
//
// or wrapped in a small adapter when its method set differs (for example to add logging or to
// route Window PoSt to a remote service). The verifier sees the same go-state-types values the
// actors sent; the helpers in this package have already applied the reference's input checks
// (non-empty aggregates, uniform PoSt proof types, randomness masked to a field element).
package externs
