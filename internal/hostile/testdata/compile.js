// Compiles Hostile.sol into Hostile.json (creation bytecode and method
// identifiers). Run from this folder with solc-js 0.8.28 installed outside
// the repository:
//
//   mkdir -p /tmp/solcjs && (cd /tmp/solcjs && npm install solc@0.8.28)
//   NODE_PATH=/tmp/solcjs/node_modules node compile.js
const fs = require('fs');
const solc = require('solc');

const input = {
  language: 'Solidity',
  sources: { 'Hostile.sol': { content: fs.readFileSync(__dirname + '/Hostile.sol', 'utf8') } },
  settings: {
    evmVersion: 'paris',
    optimizer: { enabled: true, runs: 200 },
    outputSelection: { '*': { '*': ['evm.bytecode.object', 'evm.methodIdentifiers'] } },
  },
};
const out = JSON.parse(solc.compile(JSON.stringify(input)));
for (const e of out.errors || []) {
  console.error(e.formattedMessage);
  if (e.severity === 'error') process.exit(1);
}
const c = out.contracts['Hostile.sol'].Hostile;
const result = {
  compiler: 'solc ' + solc.version(),
  settings: input.settings,
  bytecode: c.evm.bytecode.object,
  methodIdentifiers: c.evm.methodIdentifiers,
};
fs.writeFileSync(__dirname + '/Hostile.json', JSON.stringify(result, null, 2) + '\n');
