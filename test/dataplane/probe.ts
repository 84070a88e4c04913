/**
 * Reachability between namespaces with a TCP connect (no ping needed: the CI image has Node, not
 * iputils). A tiny server listens on the target address inside the target namespace; a client in
 * the source namespace connects, optionally bound to a source address, and must read "ok" and the
 * address the server saw it come from (which shows NAT on the way). A connect only succeeds when
 * both directions work, which is what the routing tests are about.
 */
import { spawn as spawnAsync } from "node:child_process";
import { spawn } from "./exec";

const port = 7777;
const connectTimeoutMs = 1500;
const serverLifetimeMs = 15_000;

const serverCode = `const [host, port] = process.argv.slice(1);
require("net").createServer((c) => c.end("ok " + c.remoteAddress)).listen(+port, host, () => console.log("ready"));
setTimeout(() => process.exit(0), ${serverLifetimeMs});`;

const clientCode = `const [host, port, from] = process.argv.slice(1);
const s = require("net").connect({ host, port: +port, localAddress: from || undefined, timeout: ${connectTimeoutMs} });
let text = "";
s.on("data", (d) => (text += d));
s.on("end", () => {
  if (!text.startsWith("ok ")) process.exit(1);
  process.stdout.write(text.slice(3));
  process.exit(0);
});
s.on("timeout", () => process.exit(2));
s.on("error", () => process.exit(3));`;

function startServer(netns: string, address: string): Promise<() => Promise<void>> {
  const server = spawnAsync("ip", ["netns", "exec", netns, process.execPath, "-e", serverCode, address, String(port)], { stdio: ["ignore", "pipe", "pipe"] });
  const exited = new Promise<void>((resolve) => server.once("exit", () => resolve()));
  const stop = async () => {
    server.kill();
    await exited;
  };
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => void stop().then(() => reject(new Error(`server on ${address} in ${netns} did not start`))), 5_000);
    server.stdout.on("data", (chunk: Buffer) => {
      if (!String(chunk).includes("ready")) return;
      clearTimeout(timer);
      resolve(stop);
    });
    let stderr = "";
    server.stderr.on("data", (chunk: Buffer) => (stderr += String(chunk)));
    void exited.then(() => {
      clearTimeout(timer);
      reject(new Error(`server on ${address} in ${netns} exited: ${stderr.trim()}`));
    });
  });
}

/**
 * A TCP client in `fromNetns` (bound to `source` if given) connects to `address` in `toNetns`:
 * the address the server saw the connection come from, or null when it got no answer.
 */
export async function connectionSource(fromNetns: string, toNetns: string, address: string, source?: string): Promise<string | null> {
  const stop = await startServer(toNetns, address);
  try {
    const client = spawn("ip", ["netns", "exec", fromNetns, process.execPath, "-e", clientCode, address, String(port), source ?? ""], { timeoutMs: 10_000 });
    return client.status === 0 ? client.stdout : null;
  } finally {
    await stop();
  }
}

/** True when a TCP client in `fromNetns` (bound to `source` if given) gets an answer from `address` in `toNetns`. */
export async function canConnect(fromNetns: string, toNetns: string, address: string, source?: string): Promise<boolean> {
  return (await connectionSource(fromNetns, toNetns, address, source)) !== null;
}
