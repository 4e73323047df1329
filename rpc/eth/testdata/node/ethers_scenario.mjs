// ethers_scenario.mjs drives a node with ethers v6, unmodified, as a dapp
// script would, and prints a JSON summary of what it saw; it exits non-zero
// on the first surprise:
//
//	node ethers_scenario.mjs TOKEN_JSON HTTP_URL WS_URL PRIVATE_KEY
//
// It deploys the ERC-20 (ContractFactory: eth_estimateGas, eth_sendRawTransaction,
// receipt polling), sends a transfer with an explicit estimateGas, reads
// Transfer events through a filter (eth_newFilter / eth_getFilterChanges),
// through eth_getLogs (queryFilter) and through a WebSocket subscription
// (eth_subscribe logs and newHeads), and checks that a transfer beyond the
// balance fails with the contract's revert reason.
import fs from "node:fs";
import { ethers } from "ethers";

const [tokenJSON, httpURL, wsURL, key] = process.argv.slice(2);
if (!key) {
  console.error("usage: node ethers_scenario.mjs TOKEN_JSON HTTP_URL WS_URL PRIVATE_KEY");
  process.exit(2);
}

function check(cond, what) {
  if (!cond) throw new Error(`check failed: ${what}`);
}

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`timed out: ${what}`)), ms); });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

async function main() {
  const token = JSON.parse(fs.readFileSync(tokenJSON, "utf8")).Token;
  const provider = new ethers.JsonRpcProvider(httpURL, undefined, { batchMaxCount: 1, pollingInterval: 50 });
  const wallet = new ethers.Wallet(key, provider);
  const network = await provider.getNetwork();
  const summary = { chainId: network.chainId.toString() };

  // Deploy with a ContractFactory, as dapp scripts do.
  const factory = new ethers.ContractFactory(token.abi, token.bytecode, wallet);
  const deployed = await factory.deploy();
  const deployReceipt = await deployed.deploymentTransaction().wait();
  check(deployReceipt.status === 1, "deployment succeeded");
  const address = await deployed.getAddress();
  check(deployReceipt.contractAddress === address, "receipt names the contract");
  summary.token = address;
  const contract = new ethers.Contract(address, token.abi, wallet);
  check((await contract.name()) === "Test Token", "name() through eth_call");

  // A WebSocket subscription to the token's Transfer events and to new heads.
  const ws = new ethers.WebSocketProvider(wsURL);
  const wsToken = new ethers.Contract(address, token.abi, ws);
  const subscribed = new Promise((resolve) => {
    wsToken.on("Transfer", (from, to, value, ev) => resolve({ from, to, value: value.toString(), tx: ev.log.transactionHash }));
  });
  const newHead = new Promise((resolve) => { ws.on("block", (n) => resolve(n)); });
  // A filter installed before the transfer.
  const filterId = await provider.send("eth_newFilter", [{ address, topics: [ethers.id("Transfer(address,address,uint256)")] }]);
  // Let the subscriptions reach the node before the transfer.
  await new Promise((r) => setTimeout(r, 300));

  const to = ethers.Wallet.createRandom().address;
  const gas = await contract.transfer.estimateGas(to, 1234n);
  check(gas > 0n, "estimateGas answered");
  const tx = await contract.transfer(to, 1234n, { gasLimit: gas });
  const receipt = await tx.wait();
  check(receipt.status === 1, "a transfer sent with the gas estimate succeeds");
  // eth_getTransactionByHash gives back the signed transaction: re-serialised
  // by ethers, its keccak is the hash.
  const fetched = await provider.getTransaction(tx.hash);
  check(ethers.Transaction.from(fetched).hash === tx.hash, "the transaction re-serialises to its hash");
  check(receipt.hash === tx.hash, "the receipt's hash is the transaction's");
  summary.transfer = { hash: tx.hash, gasEstimate: gas.toString(), gasUsed: receipt.gasUsed.toString() };
  check((await contract.balanceOf(to)) === 1234n, "balanceOf after the transfer");

  const parsed = receipt.logs.map((l) => contract.interface.parseLog(l));
  check(parsed.length === 1 && parsed[0].name === "Transfer" && parsed[0].args.to === to, "the receipt's Transfer log");

  const changes = await provider.send("eth_getFilterChanges", [filterId]);
  check(changes.length === 1 && changes[0].transactionHash === tx.hash, "the filter saw the transfer");
  check(await provider.send("eth_uninstallFilter", [filterId]), "the filter uninstalls");
  summary.filterLogs = changes.length;

  const events = await contract.queryFilter(contract.filters.Transfer(null, to), 0, "latest");
  check(events.length === 1 && events[0].args.value === 1234n, "eth_getLogs with an indexed topic");

  const sub = await withTimeout(subscribed, 10000, "the logs subscription");
  check(sub.to === to && sub.value === "1234" && sub.tx === tx.hash, "the subscription delivered the transfer");
  const head = await withTimeout(newHead, 10000, "the newHeads subscription");
  check(head >= receipt.blockNumber, "newHeads delivered a block");
  summary.subscription = sub;
  await ws.destroy();

  // A transfer beyond the balance: the revert reason reaches ethers.
  const poor = ethers.Wallet.createRandom().connect(provider);
  try {
    await contract.connect(poor).transfer.estimateGas(to, 1n);
    throw new Error("estimateGas of a failing transfer succeeded");
  } catch (err) {
    check(err.code === "CALL_EXCEPTION", `a revert is a CALL_EXCEPTION (got ${err.code}: ${err.message})`);
    check(err.reason === "Token: transfer amount exceeds balance", `the revert reason (got ${err.reason})`);
    summary.revertReason = err.reason;
  }

  // Fee data a wallet reads.
  const fees = await provider.getFeeData();
  check(fees.maxFeePerGas > 0n && fees.maxPriorityFeePerGas > 0n, "fee data");
  provider.destroy();
  console.log(JSON.stringify(summary));
}

main().then(() => process.exit(0), (err) => {
  console.error(err.stack || err.message || err);
  process.exit(1);
});
