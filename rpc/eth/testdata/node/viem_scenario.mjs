// viem_scenario.mjs drives a node with viem v2, unmodified (its strict
// response formatters included), and prints a JSON summary; it exits
// non-zero on the first surprise:
//
//	node viem_scenario.mjs TOKEN_JSON HTTP_URL CHAIN_ID PRIVATE_KEY
//
// It deploys the ERC-20 with a wallet client, waits for the receipt, sends
// a transfer (viem estimates the gas and fees itself), reads the balance,
// the Transfer event through getContractEvents (eth_getLogs), and checks
// that simulating a transfer beyond the balance fails with the revert reason.
import fs from "node:fs";
import { createPublicClient, createWalletClient, defineChain, http, parseAbiItem } from "viem";
import { privateKeyToAccount } from "viem/accounts";

const [tokenJSON, url, chainIdArg, key] = process.argv.slice(2);
if (!key) {
  console.error("usage: node viem_scenario.mjs TOKEN_JSON HTTP_URL CHAIN_ID PRIVATE_KEY");
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

async function main() {
  const token = JSON.parse(fs.readFileSync(tokenJSON, "utf8")).Token;
  const chain = defineChain({
    id: Number(chainIdArg), name: "go-fvm devnet",
    nativeCurrency: { name: "Filecoin", symbol: "FIL", decimals: 18 },
    rpcUrls: { default: { http: [url] } },
  });
  const account = privateKeyToAccount(key);
  const pub = createPublicClient({ chain, transport: http(url), pollingInterval: 50 });
  const wallet = createWalletClient({ chain, transport: http(url), account });
  check((await pub.getChainId()) === chain.id, "getChainId");

  const deployHash = await wallet.deployContract({ abi: token.abi, bytecode: token.bytecode });
  const deployed = await pub.waitForTransactionReceipt({ hash: deployHash });
  check(deployed.status === "success" && deployed.contractAddress, "deployment receipt");
  const address = deployed.contractAddress;

  const to = "0x00000000000000000000000000000000000000c0";
  const hash = await wallet.writeContract({ address, abi: token.abi, functionName: "transfer", args: [to, 99n] });
  const receipt = await pub.waitForTransactionReceipt({ hash });
  check(receipt.status === "success", "transfer receipt");
  const tx = await pub.getTransaction({ hash });
  check(tx.hash === hash && tx.from.toLowerCase() === account.address.toLowerCase() && tx.type === "eip1559", "getTransaction");
  const block = await pub.getBlock({ blockNumber: receipt.blockNumber, includeTransactions: true });
  check(block.transactions.length === 1 && block.transactions[0].hash === hash, "getBlock with transactions");

  const balance = await pub.readContract({ address, abi: token.abi, functionName: "balanceOf", args: [to] });
  check(balance === 99n, `balanceOf: ${balance}`);
  const events = await pub.getContractEvents({ address, abi: token.abi, eventName: "Transfer", args: { to }, fromBlock: 0n });
  check(events.length === 1 && events[0].args.value === 99n && events[0].transactionHash === hash, "getContractEvents");
  const logs = await pub.getLogs({ address, event: parseAbiItem("event Transfer(address indexed from, address indexed to, uint256 value)"), fromBlock: 0n });
  check(logs.length === 2, `getLogs: ${logs.length}`);

  let reason;
  try {
    await pub.simulateContract({ address, abi: token.abi, functionName: "transfer", args: [to, 1n], account: "0x00000000000000000000000000000000000000d0" });
  } catch (err) {
    reason = err.cause?.reason ?? err.shortMessage;
  }
  check(reason === "Token: transfer amount exceeds balance", `revert reason: ${reason}`);
  console.log(JSON.stringify({ token: address, transfer: hash, gasUsed: receipt.gasUsed.toString(), revertReason: reason }));
}

main().then(() => process.exit(0), (err) => {
  console.error(err.stack || err.message || err);
  process.exit(1);
});
