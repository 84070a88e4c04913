/**
 * vitest's globalSetup (vitest.config.mts): bundles scripts/verify.ts once per test run, with every
 * dependency, for the tests that run the verifier as its own process. The bundle is the same code
 * as `npm run verify` runs through tsx, but starts in plain node in well under a second, where tsx
 * compiles the TypeScript anew in each process (seconds, tens of seconds on a loaded machine).
 * It sits inside the repository because the verifier finds the project root upward from its own
 * folder (lib/files/stackFiles.ts).
 */
import * as path from "node:path";
import { build } from "esbuild";
import { repoRoot } from "../../lib/files/stackFiles";

/** scripts/verify.ts bundled: run it as `process.execPath verifyBundle ...args`. */
export const verifyBundle = path.join(repoRoot, "node_modules", ".cache", "multinet", "verify.cjs");

export default async function setup(): Promise<void> {
  await build({
    entryPoints: [path.join(repoRoot, "scripts", "verify.ts")],
    outfile: verifyBundle,
    bundle: true,
    platform: "node",
    format: "cjs",
    target: "node20",
    absWorkingDir: repoRoot,
    logLevel: "warning",
  });
}
