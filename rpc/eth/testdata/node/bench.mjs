// bench.mjs runs one workload against `fvm devnet` and against Anvil, one
// after the other in one run, and prints both wall times and their ratio:
//
//	go build -o /tmp/fvm ./cmd/fvm
//	node rpc/eth/testdata/node/bench.mjs --fvm /tmp/fvm [--n 500]
//
// The workload: deploy the ERC-20 of testdata/contracts/Token.sol, then N
// transfers (to N distinct recipients), all signed before the clock starts,
// sent back to back with eth_sendRawTransaction (each send awaited before the
// next), then every receipt collected with eth_getTransactionReceipt (status
// checked). ethers' request batching is off (batchMaxCount 1), so no request
// waits for a batch to fill.
//
// Before timing, on each node: a fresh key is funded with anvil_setBalance,
// a warm-up copy of the token is deployed and a transfer estimated
// (eth_estimateGas) to size the gas limits; the timed deployment uses the
// deployment's estimate, the transfers 5 times the first transfer's (on the
// FEVM a transfer costs more gas as the token's storage grows: the 25th
// already needs more than 1.5 times the first). Gas limits and fees differ
// between the nodes (FEVM gas is Filecoin gas); the transactions are
// otherwise the same.
//
// Options: --fvm PATH (the fvm binary; the devnet is started as
// `PATH devnet --in-memory --listen 127.0.0.1:P`), --fvm-args "ARGS" (replaces
// "devnet --in-memory"), --anvil PATH (default: the npm package's binary),
// --n N, --only fvm|anvil, --profile FILE (passed to the devnet as
// --cpuprofile FILE).
import { spawn } from "node:child_process";
import { execFileSync } from "node:child_process";
import net from "node:net";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { ethers } from "ethers";

const here = path.dirname(fileURLToPath(import.meta.url));

function parseArgs(argv) {
  const opts = { n: 500, anvil: path.join(here, "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"), fvmArgs: "devnet --in-memory" };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    const next = () => {
      if (i + 1 >= argv.length) throw new Error(`${a} needs a value`);
      return argv[++i];
    };
    if (a === "--fvm") opts.fvm = next();
    else if (a === "--fvm-args") opts.fvmArgs = next();
    else if (a === "--anvil") opts.anvil = next();
    else if (a === "--n") opts.n = Number(next());
    else if (a === "--only") opts.only = next();
    else if (a === "--profile") opts.profile = next();
    else throw new Error(`unknown option ${a}`);
  }
  if (!Number.isInteger(opts.n) || opts.n < 1) throw new Error("--n must be a positive integer");
  if (!opts.fvm && opts.only !== "anvil") throw new Error("--fvm PATH is required (or --only anvil)");
  return opts;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
  });
}

// start spawns a node and waits until it answers eth_chainId.
async function start(name, cmd, args, url) {
  const child = spawn(cmd, args, { stdio: ["ignore", "ignore", "pipe"] });
  let stderr = "";
  child.stderr.on("data", (d) => { stderr += d; });
  const exited = new Promise((resolve) => child.once("exit", (code) => resolve(code)));
  const deadline = Date.now() + 120_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}: ${stderr}`);
    try {
      const res = await fetch(url, { method: "POST", headers: { "content-type": "application/json" },
        body: JSON.stringify({ jsonrpc: "2.0", id: 1, method: "eth_chainId", params: [] }) });
      if (res.ok) break;
    } catch { /* not listening yet */ }
    if (Date.now() > deadline) throw new Error(`${name} did not answer within 120 s: ${stderr}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const stop = async () => {
    if (child.exitCode === null) child.kill("SIGINT");
    const t = setTimeout(() => child.kill("SIGKILL"), 10_000);
    await exited;
    clearTimeout(t);
  };
  return { url, stop };
}

function compileToken() {
  const out = execFileSync(process.execPath, [path.join(here, "compile.mjs"), path.join(here, "../contracts/Token.sol")]);
  return JSON.parse(out).Token;
}

async function receipt(provider, hash) {
  for (;;) {
    const r = await provider.send("eth_getTransactionReceipt", [hash]);
    if (r) return r;
    await new Promise((res) => setTimeout(res, 1));
  }
}

async function sendAndWait(provider, raw) {
  const hash = await provider.send("eth_sendRawTransaction", [raw]);
  const r = await receipt(provider, hash);
  if (r.status !== "0x1") throw new Error(`transaction ${hash} failed: ${JSON.stringify(r)}`);
  return r;
}

// run performs the workload against one node and returns its timings.
async function run(name, url, token, n) {
  const provider = new ethers.JsonRpcProvider(url, undefined, { batchMaxCount: 1, batchStallTime: 0, staticNetwork: true, cacheTimeout: -1 });
  const chainId = BigInt(await provider.send("eth_chainId", []));
  const wallet = new ethers.Wallet(ethers.keccak256(ethers.toUtf8Bytes("go-fvm anvil benchmark")));
  await provider.send("anvil_setBalance", [wallet.address, "0x" + (10n ** 24n).toString(16)]);
  const block = await provider.send("eth_getBlockByNumber", ["latest", false]);
  const prio = BigInt(await provider.send("eth_maxPriorityFeePerGas", []));
  const fees = { maxPriorityFeePerGas: prio, maxFeePerGas: BigInt(block.baseFeePerGas) * 4n + prio };
  const iface = new ethers.Interface(token.abi);
  const sign = (tx) => wallet.signTransaction({ type: 2, chainId, value: 0n, ...fees, ...tx });
  let nonce = Number(await provider.send("eth_getTransactionCount", [wallet.address, "latest"]));

  // Warm-up (untimed): a first copy of the token, a transfer estimate.
  const deployGas = BigInt(await provider.send("eth_estimateGas", [{ from: wallet.address, data: token.bytecode }]));
  const warm = await sendAndWait(provider, await sign({ nonce: nonce++, gasLimit: deployGas, data: token.bytecode }));
  const recipient = (i) => ethers.getAddress(ethers.dataSlice(ethers.keccak256(ethers.toBeHex(i + 1, 32)), 12));
  const transferGas = BigInt(await provider.send("eth_estimateGas", [{ from: wallet.address, to: warm.contractAddress,
    data: iface.encodeFunctionData("transfer", [recipient(1_000_000), 1n]) }]));

  // Everything the clock sees is signed now.
  const deployNonce = nonce++;
  const tokenAddr = ethers.getCreateAddress({ from: wallet.address, nonce: deployNonce });
  const raws = [await sign({ nonce: deployNonce, gasLimit: deployGas, data: token.bytecode })];
  for (let i = 0; i < n; i++) {
    raws.push(await sign({ nonce: nonce++, gasLimit: transferGas * 5n, to: tokenAddr,
      data: iface.encodeFunctionData("transfer", [recipient(i), 1n]) }));
  }

  const t0 = performance.now();
  const hashes = [];
  for (const raw of raws) hashes.push(await provider.send("eth_sendRawTransaction", [raw]));
  const tSent = performance.now();
  let gasUsed = 0n;
  for (const h of hashes) {
    const r = await receipt(provider, h);
    if (r.status !== "0x1") throw new Error(`${name}: transaction ${h} failed: ${JSON.stringify(r)}`);
    gasUsed += BigInt(r.gasUsed);
  }
  const t1 = performance.now();
  const deployed = await provider.send("eth_getTransactionReceipt", [hashes[0]]);
  if (ethers.getAddress(deployed.contractAddress) !== tokenAddr) {
    throw new Error(`${name}: token deployed at ${deployed.contractAddress}, want ${tokenAddr}`);
  }
  const last = iface.decodeFunctionResult("balanceOf", await provider.send("eth_call", [{ to: tokenAddr,
    data: iface.encodeFunctionData("balanceOf", [recipient(n - 1)]) }, "latest"]))[0];
  if (last !== 1n) throw new Error(`${name}: last recipient holds ${last}, want 1`);
  provider.destroy();
  return { name, totalMs: t1 - t0, sendMs: tSent - t0, receiptsMs: t1 - tSent, txs: raws.length,
    deployGas, transferGas, gasUsed };
}

function report(r) {
  console.log(`${r.name.padEnd(6)} ${(r.totalMs / 1000).toFixed(3)} s for ${r.txs} transactions ` +
    `(sending ${(r.sendMs / 1000).toFixed(3)} s, receipts ${(r.receiptsMs / 1000).toFixed(3)} s; ` +
    `${(r.totalMs / r.txs).toFixed(2)} ms/tx; gas: deploy ${r.deployGas}, transfer estimate ${r.transferGas}, used ${r.gasUsed})`);
}

async function main() {
  const opts = parseArgs(process.argv.slice(2));
  const token = compileToken();
  const results = {};
  const targets = [];
  if (opts.only !== "anvil") {
    targets.push(["fvm", async (port) => {
      const args = [...opts.fvmArgs.split(/\s+/).filter(Boolean), "--listen", `127.0.0.1:${port}`];
      if (opts.profile) args.push("--cpuprofile", opts.profile);
      return start("fvm devnet", opts.fvm, args, `http://127.0.0.1:${port}/rpc/v1`);
    }]);
  }
  if (opts.only !== "fvm") {
    targets.push(["anvil", async (port) => start("anvil", opts.anvil, ["--silent", "--port", String(port)], `http://127.0.0.1:${port}/`)]);
  }
  for (const [name, launch] of targets) {
    const node = await launch(await freePort());
    try {
      results[name] = await run(name, node.url, token, opts.n);
      report(results[name]);
    } finally {
      await node.stop();
    }
  }
  if (results.fvm && results.anvil) {
    console.log(`ratio fvm/anvil: ${(results.fvm.totalMs / results.anvil.totalMs).toFixed(2)}`);
  }
}

main().catch((err) => {
  console.error(err.message || err);
  process.exit(1);
});
