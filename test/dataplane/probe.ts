/**
 * Reachability between namespaces with a TCP connect (no ping needed: the CI image has Node, not
 * iputils). A tiny server listens on the target address inside the target namespace; a client in
 * the source namespace connects, optionally bound to a source address, and must read "ok".
 * A connect only succeeds when both directions work, which is what the routing tests are about.
 */
import { spawn as spawnAsync } from "node:child_process";
import { spawn } from "./exec";

const port = 7777;
const connectTimeoutMs = 1500;
const serverLifetimeMs = 15_000;

const serverCode = `const [host, port] = process.argv.slice(1);
require("net").createServer((c) => c.end("ok")).listen(+port, host, () => console.log("ready"));
setTimeout(() => process.exit(0), ${serverLifetimeMs});`;

const clientCode = `const [host, port, from] = process.argv.slice(1);
const s = require("net").connect({ host, port: +port, localAddress: from || undefined, timeout: ${connectTimeoutMs} });
s.on("data", (d) => process.exit(String(d) === "ok" ? 0 : 1));
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

/** True when a TCP client in `fromNetns` (bound to `source` if given) gets an answer from `address` in `toNetns`. */
export async function canConnect(fromNetns: string, toNetns: string, address: string, source?: string): Promise<boolean> {
  const stop = await startServer(toNetns, address);
  try {
    const client = spawn("ip", ["netns", "exec", fromNetns, process.execPath, "-e", clientCode, address, String(port), source ?? ""], { timeoutMs: 10_000 });
    return client.status === 0;
  } finally {
    await stop();
  }
}
