/**
 * `npm run render -- --stack <name> | --config <Pulumi.<name>.yaml> [--out <dir>]`
 *
 * Prints every Kubernetes object the program declares for a stack as multi-document YAML, or with
 * `--out` writes one file per component. It runs the real index.ts and prints what it registers, so
 * the objects are exactly those `pulumi up` would send; no cluster, no Pulumi CLI. Bad config exits
 * 1 with the same errors as `pulumi preview` on stderr and nothing on stdout.
 *
 * `npm run render` runs it as dist/render.js from the startup snapshot dist/render.blob, both built
 * by scripts/build-render.mjs with lib/render/recorder in place of the Pulumi SDKs and the mock
 * runtime (test/recorder.test.ts proves the output the same); `npm run render:mock` runs it as it is,
 * on the real SDK. The repo root is found upward from the file by its Pulumi.yaml
 * (lib/files/stackFiles.ts).
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import * as path from "node:path";
import { parseArgs } from "node:util";
import "node:crypto"; // for the builders: loaded into the snapshot rather than at every start
import { startupSnapshot } from "node:v8";
import * as pulumi from "@pulumi/pulumi";
import { multinetValues, validateConfig } from "../lib/config";
import { runProgram } from "../lib/render/mockRuntime";
import { isRendered, manifestFiles, manifestsOf, manifestsYaml, type Manifest } from "../lib/render/manifests";
import { pulumiConfigFromStackFile, stackFilePath, stackNameOf, stackNames } from "../lib/files/stackFiles";

const usage = "usage: npm run -s render -- (--stack <name> | --config <Pulumi.<name>.yaml>) [--out <dir>]";

/** A failure the user can fix: printed without a stack trace. */
class UsageError extends Error {}

function options(): { stack?: string; config?: string; out?: string } {
  try {
    return parseArgs({ options: { stack: { type: "string" }, config: { type: "string" }, out: { type: "string" } } }).values;
  } catch (error) {
    throw new UsageError(`${(error as Error).message}\n${usage}`);
  }
}

/** npm runs scripts in the package root; relative paths mean the directory the user typed them in. */
function userPath(file: string): string {
  return path.resolve(process.env.INIT_CWD ?? process.cwd(), file);
}

function stackFileFrom(values: { stack?: string; config?: string }): string {
  if (Boolean(values.stack) === Boolean(values.config)) throw new UsageError(`give exactly one of --stack or --config\n${usage}`);
  const file = values.config ? userPath(values.config) : stackFilePath(values.stack!);
  if (!existsSync(file)) {
    throw new UsageError(values.stack ? `no stack "${values.stack}" (stacks: ${stackNames().join(", ")})` : `${file}: no such file`);
  }
  return file;
}

/** Stack name and config as the Pulumi CLI hands them over; a misnamed or unreadable file is the user's to fix. */
function readStack(file: string): { stack: string; config: Record<string, string> } {
  try {
    return { stack: stackNameOf(file), config: pulumiConfigFromStackFile(file) };
  } catch (error) {
    throw new UsageError((error as Error).message);
  }
}

/** Writes `<component>.yaml` files and removes earlier renders of components that are gone. */
function writeFiles(dir: string, manifests: Manifest[], stack: string): void {
  mkdirSync(dir, { recursive: true });
  const files = manifestFiles(manifests, stack);
  const current = new Set(files.map((f) => f.file));
  for (const stale of readdirSync(dir).filter((f) => f.endsWith(".yaml") && !current.has(f))) {
    if (isRendered(readFileSync(path.join(dir, stale), "utf8"))) rmSync(path.join(dir, stale));
  }
  for (const { file, content } of files) writeFileSync(path.join(dir, file), content);
}

async function main(): Promise<void> {
  const values = options();
  const { stack, config } = readStack(stackFileFrom(values));
  const run = await runProgram(() => import("../index"), config, { stack });
  if (run.error) throw run.error;

  const manifests = manifestsOf(run.resources);
  if (values.out) writeFiles(userPath(values.out), manifests, stack);
  else process.stdout.write(manifestsYaml(manifests, stack));
}

function run(): void {
  main().catch((error: unknown) => {
    // Config errors (RunError, as `pulumi preview` prints them) and usage errors need no stack trace.
    const known = pulumi.RunError.isInstance(error) || error instanceof UsageError;
    process.stderr.write(`error: ${known ? (error as Error).message : (error as Error).stack ?? String(error)}\n`);
    process.exitCode = 1;
  });
}

/**
 * Inside `node --build-snapshot` (scripts/build-render.mjs): reads and validates every stack and
 * prints a manifest, discarding the results, so the code that parses YAML, validates config and
 * prints YAML is compiled into the snapshot instead of at every start. Nothing it computes is kept.
 */
function warmUp(): void {
  for (const stack of stackNames()) {
    try {
      const result = validateConfig(multinetValues(pulumiConfigFromStackFile(stackFilePath(stack))));
      const object = { apiVersion: "v1", kind: "ConfigMap", metadata: { name: stack }, data: { config: JSON.stringify(result, null, 2) }, result };
      manifestsYaml([{ object, component: "warm-up", patch: false, comments: [] }], stack);
    } catch {
      // A stack file render refuses (encrypted values) still warmed the parser; rendering it reports why.
    }
  }
}

// In a snapshot build, render runs when the snapshot starts; otherwise it runs at once.
if (startupSnapshot?.isBuildingSnapshot()) {
  warmUp();
  startupSnapshot.setDeserializeMainFunction(run);
} else {
  run();
}
