package testworld

// Gas prices of the Hygge list (ref-fvm v3 fvm/src/gas/price_list.rs), in
// whole gas, written out here so that the engine layers' tests do not read
// them back from the code under test.
const (
	ActorLookup      = 500_000
	ActorUpdate      = 475_000
	ValueTransfer    = 6_000
	MethodInvocation = 75_000
	// CreateFromSend is on_create_actor(true): actor_create_storage +
	// address_assignment + address_lookup = 650,000 + 1,000,000 + 1,050,000.
	CreateFromSend = 650_000 + 1_000_000 + 1_050_000
	// CreateExplicit is on_create_actor(false): actor_create_storage.
	CreateExplicit = 650_000
	ReturnPerByte  = 1_300
	// InclusionBase and InclusionPerByte are on_chain_message(len): compute
	// 38,863 + storage actor_update 475,000 + 36×1,300 + 1,300×len.
	InclusionBase    = 38_863 + 475_000 + 36*1_300
	InclusionPerByte = 1_300
)
