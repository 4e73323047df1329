// compile.mjs compiles a Solidity source with solc-js and prints, as JSON,
// each contract's ABI and creation bytecode:
//
//	node compile.mjs ../contracts/Token.sol > token.json
//
// evmVersion "paris" keeps PUSH0 and the Cancun opcodes out, so every FEVM
// version runs the output.
import fs from "node:fs";
import path from "node:path";
import solc from "solc";

const file = process.argv[2];
if (!file) {
  console.error("usage: node compile.mjs FILE.sol");
  process.exit(2);
}
const name = path.basename(file);
const input = {
  language: "Solidity",
  sources: { [name]: { content: fs.readFileSync(file, "utf8") } },
  settings: {
    evmVersion: "paris",
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { "*": { "*": ["abi", "evm.bytecode.object", "evm.deployedBytecode.object"] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
const errors = (out.errors || []).filter((e) => e.severity === "error");
if (errors.length > 0) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
const result = {};
for (const [contract, c] of Object.entries(out.contracts[name])) {
  result[contract] = {
    abi: c.abi,
    bytecode: "0x" + c.evm.bytecode.object,
    deployedBytecode: "0x" + c.evm.deployedBytecode.object,
  };
}
process.stdout.write(JSON.stringify(result, null, 1) + "\n");
