// Package genesis builds the genesis state of a Filecoin chain for an actors
// version and a bundle network, as Lotus's genesis builder
// (chain/gen/genesis) does, so that a devnet, a test or an embedder can start
// a VM on a complete, valid state:
//
//   - f00 system, pointing at the bundle's manifest;
//   - f01 init, with the address map of every key account and the network
//     name, next ID FirstMinerID;
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
//   - f01000: an EthAccount at the Ethereum null address (0x0…0), as Lotus
//     makes (from actors v10).
//
// Actors v8 to v19 are supported (Versions). v8 and v9 (nv16-17, FVM v2)
// use a version 4 state tree and have neither EAM nor EthAccount actors, so
// an Ethereum account in their Config is an error; a devnet, which needs
// the EVM, runs v10 and later only.
//
// Every actor state is made by the actors' own go-state-types constructors
// (builtin/vNN/<actor>.ConstructState, cron BuiltInEntries) of the chosen
// version, or their own State types where there is no constructor; a table
// keyed by actors version binds them (see Versions).
//
// Balances: the supply is TotalFilecoin (2,000,000,000 FIL). As in Lotus, the
// reward actor gets 1,100,000,000 FIL, the accounts what the Config gives,
// and the reserve f090 whatever is left, so the balances always sum to the
// supply; accounts holding more than 900,000,000 FIL together are an error.
//
// The same Config (and bundle) always gives the same state root: IDs follow
// the Config's order and nothing random enters the state. Unlike Lotus,
// there is no extra verifier at f081 (Lotus makes one with a random key),
// no storage providers, and no multisig vesting.
package genesis
