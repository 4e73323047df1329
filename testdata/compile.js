// Compiles the Solidity sources of testdata with solc-js into <Name>.bin
// (creation bytecode, hex) for go-fvm's examples and tests:
//
//   npm install solc@0.8.28 && node testdata/compile.js Counter
//
// The EVM version is paris: no PUSH0 or later opcodes, so the bytecode runs
// on every FEVM release (actors v10 and later).
const fs = require('fs');
const path = require('path');
const solc = require('solc');

for (const name of process.argv.slice(2)) {
  const file = path.join(__dirname, name + '.sol');
  const input = {
    language: 'Solidity',
    sources: { [name + '.sol']: { content: fs.readFileSync(file, 'utf8') } },
    settings: {
      evmVersion: 'paris',
      optimizer: { enabled: true, runs: 200 },
      outputSelection: { '*': { '*': ['evm.bytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  for (const e of out.errors || []) {
    if (e.severity === 'error') throw new Error(e.formattedMessage);
  }
  const bin = out.contracts[name + '.sol'][name].evm.bytecode.object;
  fs.writeFileSync(path.join(__dirname, name + '.bin'), bin + '\n');
  console.log(`${name}.bin: ${bin.length / 2} bytes (solc ${solc.version()})`);
}
