/**
 * `npm run bench:render [-- --runs 9 --scale-runs 1 --kubectl kubectl]`: render against `kubectl
 * kustomize` of the same manifests, cold processes, in one run.
 *
 * Per stack: render writes the stack's manifests once (`--out`), a kustomization lists those files,
 * then each run starts render (`node --snapshot-blob dist/render.blob dist/render.js --stack <s>`,
 * what `npm run render` runs after its build step) and `kubectl kustomize` on that directory, in
 * alternating order, output discarded. Prints the medians and render/kustomize per stack, then the
 * time and peak memory of rendering stacks with 1000 and 10,000 NADs (lib/files/scaleStack.ts).
 * Peak memory is the process's VmHWM in /proc, sampled every 10 ms (Linux only).
 */
import { execFileSync, spawn } from "node:child_process";
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import * as path from "node:path";
import { parseArgs } from "node:util";
import { repoRoot, stackNames } from "../lib/files/stackFiles";
import { scaleStackText } from "../lib/files/scaleStack";

const { values } = parseArgs({
  options: {
    runs: { type: "string", default: "9" },
    "scale-runs": { type: "string", default: "1" },
    kubectl: { type: "string", default: "kubectl" },
  },
});
const runs = Number(values.runs);
const scaleRuns = Number(values["scale-runs"]);
const kubectl = values.kubectl;
const renderCommand = [process.execPath, "--snapshot-blob", "dist/render.blob", "dist/render.js"];
/** No single process of the bench may take longer. */
const deadlineMs = 120_000;

interface Sample { seconds: number; peakMiB?: number }

function peakMiB(pid: number): number | undefined {
  try {
    const match = /VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) / 1024 : undefined;
  } catch {
    return undefined;
  }
}

/** Runs a command to completion (output discarded) and measures wall time and peak memory. */
function measure(command: string[]): Promise<Sample> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const child = spawn(command[0], command.slice(1), { cwd: repoRoot, stdio: ["ignore", "ignore", "pipe"], timeout: deadlineMs });
    let stderr = "";
    let peak: number | undefined;
    child.stderr.on("data", (chunk: Buffer) => { stderr = (stderr + chunk.toString()).slice(-4000); });
    const sampler = setInterval(() => { peak = peakMiB(child.pid!) ?? peak; }, 10);
    child.on("error", (error) => { clearInterval(sampler); reject(error); });
    child.on("close", (code, signal) => {
      clearInterval(sampler);
      const seconds = Number(process.hrtime.bigint() - start) / 1e9;
      if (code !== 0) reject(new Error(`${command.join(" ")} failed (${signal ?? code}): ${stderr}`));
      else resolve({ seconds, peakMiB: peak });
    });
  });
}

function median(samples: number[]): number {
  const sorted = [...samples].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[middle] : (sorted[middle - 1] + sorted[middle]) / 2;
}

const ms = (seconds: number) => `${(seconds * 1000).toFixed(0)} ms`;

/** Renders the stack into `dir` and writes the kustomization that lists its files. */
function kustomization(stack: string, dir: string): void {
  execFileSync(renderCommand[0], [...renderCommand.slice(1), "--stack", stack, "--out", dir], { cwd: repoRoot, timeout: deadlineMs });
  const files = readdirSync(dir).filter((f) => f.endsWith(".yaml")).sort();
  writeFileSync(path.join(dir, "kustomization.yaml"), `resources:\n${files.map((f) => `  - ${f}\n`).join("")}`);
}

async function main(): Promise<void> {
  execFileSync(process.execPath, ["scripts/build-render.mjs"], { cwd: repoRoot, stdio: "inherit", timeout: deadlineMs });
  const kustomizeVersion = execFileSync(kubectl, ["version", "--client"], { encoding: "utf8", timeout: 30_000 }).trim().replace(/\n/g, "; ");
  const kubectlPath = execFileSync("sh", ["-c", `command -v "${kubectl}"`], { encoding: "utf8" }).trim();
  console.log(`node ${process.version}; ${kubectlPath}: ${kustomizeVersion}; load average ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  console.log(`render: node ${renderCommand.slice(1).join(" ")} --stack <stack>; kustomize: ${kubectl} kustomize <its --out directory>; ${runs} runs each, interleaved\n`);

  const scratch = mkdtempSync(path.join(tmpdir(), "multinet-bench-"));
  try {
    console.log(`${"stack".padEnd(10)} ${"render".padStart(10)} ${"kustomize".padStart(10)}  ratio`);
    for (const stack of stackNames()) {
      const dir = path.join(scratch, stack);
      kustomization(stack, dir);
      const render: number[] = [];
      const kustomize: number[] = [];
      for (let i = 0; i < runs; i++) {
        const pair = [
          async () => render.push((await measure([...renderCommand, "--stack", stack])).seconds),
          async () => kustomize.push((await measure([kubectl, "kustomize", dir])).seconds),
        ];
        for (const step of i % 2 ? pair.reverse() : pair) await step();
      }
      const ratio = median(render) / median(kustomize);
      console.log(`${stack.padEnd(10)} ${ms(median(render)).padStart(10)} ${ms(median(kustomize)).padStart(10)}  ${ratio.toFixed(2)}`);
    }

    console.log(`\nscale (staging plus N NADs, ${scaleRuns} run(s) each, median time, highest peak memory):`);
    for (const count of [1000, 10_000]) {
      const file = path.join(scratch, `Pulumi.nads-${count}.yaml`);
      writeFileSync(file, scaleStackText(count));
      const samples: Sample[] = [];
      for (let i = 0; i < scaleRuns; i++) samples.push(await measure([...renderCommand, "--config", file]));
      const peaks = samples.flatMap((s) => (s.peakMiB === undefined ? [] : [s.peakMiB]));
      const peak = peaks.length ? `${Math.max(...peaks).toFixed(0)} MiB` : "n/a (no /proc)";
      console.log(`${String(count).padStart(6)} NADs  ${median(samples.map((s) => s.seconds)).toFixed(2)} s  peak ${peak}`);
    }
    console.log(`\nload average at the end ${loadavg().map((l) => l.toFixed(2)).join(" ")}`);
  } finally {
    rmSync(scratch, { recursive: true, force: true });
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`bench:render: ${(error as Error).message}\n`);
  process.exitCode = 1;
});
