/**
 * `npm run bench:render [-- --runs 9 --stack prod]`: how long a cold render takes. Every run spawns
 * the real command in a fresh process and discards its output; prints the median (and range) per
 * way of starting it, so npm's own start-up and tsx's compile cost show separately.
 */
import { spawnSync } from "node:child_process";
import { parseArgs } from "node:util";
import { repoRoot } from "../lib/files/stackFiles";

const { values } = parseArgs({ options: { runs: { type: "string", default: "9" }, stack: { type: "string", default: "prod" } } });
const runs = Number(values.runs);
const stack = ["--stack", values.stack];

const variants: Array<{ label: string; command: string; args: string[] }> = [
  { label: "npm run -s render (build + bundle)", command: "npm", args: ["run", "-s", "render", "--", ...stack] },
  { label: "node dist/render.js (bundle only)", command: "node", args: ["dist/render.js", ...stack] },
  { label: "tsx scripts/render.ts (no build)", command: "node_modules/.bin/tsx", args: ["scripts/render.ts", ...stack] },
];

function seconds(command: string, args: string[]): number {
  const start = process.hrtime.bigint();
  const result = spawnSync(command, args, { cwd: repoRoot, stdio: ["ignore", "ignore", "inherit"] });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} exited with ${result.status}`);
  return Number(process.hrtime.bigint() - start) / 1e9;
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

// The first variant builds dist/render.js, so the bundle-only variant measures a current bundle.
for (const { label, command, args } of variants) {
  const samples = Array.from({ length: runs }, () => seconds(command, args));
  const range = `${Math.min(...samples).toFixed(2)}-${Math.max(...samples).toFixed(2)} s`;
  console.log(`${label.padEnd(38)} median ${median(samples).toFixed(2)} s  (${runs} runs, ${range})`);
}
