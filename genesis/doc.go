// Package genesis builds the genesis state of a Filecoin chain for an actors
// version and a bundle network, as Lotus's genesis builder
// (chain/gen/genesis) does, so that a devnet, a test or an embedder can start
// a VM on a complete, valid state:
//
//   - f00 system, pointing at the bundle's manifest;
//   - f01 init, with the address map of every key account (and miner) and
//     the network name, next ID the one after the last actor genesis makes;
//   - f02 reward, constructed for zero power, with InitialRewardBalance
//     (1,100,000,000 FIL);
//   - f03 cron, with the built-in entries (the power and market actors'
//     CronTick);
//   - f04 storage power and f05 storage market, empty;
//   - f06 verified registry, whose root key is f080, and f07 datacap, whose
//     governor is f06 (from actors v9; v8 has no datacap actor);
//   - f010 Ethereum Address Manager (from actors v10);
//   - f080 root key: an actor of Config.VerifiedRegistryRoot, or else a
//     1-of-1 multisig of DefaultSigner;
//   - f090 reserve: a 1-of-1 multisig of DefaultSigner holding the rest of
//     the supply;
//   - f099 burnt funds, an account actor;
//   - the Config's accounts from f0100: secp256k1 (f1) and BLS (f3) account
//     actors, Ethereum (f410) EthAccount actors with their delegated address,
//     multisigs, and an actor with no balance for each multisig signer that
//     is not an account;
//   - the Config's miners from f01000 (FirstMinerID), in order: storage
//     providers with no sectors and no power;
//   - then an EthAccount at the Ethereum null address (0x0…0), as Lotus
//     makes it after its miners (from actors v10): f01000 with no miners,
//     f01002 after two.
//
// Miners are made as Lotus's SetupStorageMiners makes them: once the other
// actors are written, a VM (the root package's, at epoch 0, on the first
// network version of the actors version; Config.Engine runs it) applies the
// power actor's CreateMiner as an implicit message from each miner's owner,
// with its owner, worker (a BLS account), window PoSt proof type (from its
// sector size: the V1 types before nv19, the V1_1 ones from nv19) and peer
// ID; the power actor has the init actor construct the miner, so the miner
// state is the miner actor's own constructor's, and the power actor counts
// it. From actors v17 the owner sends the creation deposit the miner locks
// (FIP-0077). Unlike Lotus, the miner's owner is the configured Owner (Lotus
// makes the worker the owner too), and there are no pre-sealed sectors: they
// need seal proofs, so genesis miners have no power and no deals and cannot
// win blocks until they prove sectors on chain. A miner the actors refuse
// (a sector size the bundle's network does not take) is a bad config.
//
// Actors v8 to v19 are supported (Versions). v8 and v9 (nv16-17, FVM v2)
// use a version 4 state tree and have neither EAM nor EthAccount actors, so
// an Ethereum account in their Config is an error; a devnet, which needs
// the EVM, runs v10 and later only.
//
// Every other actor state is made by the actors' own go-state-types
// constructors (builtin/vNN/<actor>.ConstructState, cron BuiltInEntries) of
// the chosen version, or their own State types where there is no
// constructor; a table keyed by actors version binds them, and the
// version's CreateMiner parameters and return (see Versions).
//
// Balances: the supply is TotalFilecoin (2,000,000,000 FIL). As in Lotus, the
// reward actor gets 1,100,000,000 FIL, the accounts what the Config gives,
// and the reserve f090 whatever is left, so the balances always sum to the
// supply; accounts holding more than 900,000,000 FIL together are an error.
// A miner's creation deposit moves from its owner to the miner.
//
// The same Config (and bundle) always gives the same state root: IDs follow
// the Config's order, the miners' messages run on a deterministic VM, and
// nothing random enters the state. Unlike Lotus,
// there is no extra verifier at f081 (Lotus makes one with a random key),
// no pre-sealed sectors, and no multisig vesting.
package genesis
