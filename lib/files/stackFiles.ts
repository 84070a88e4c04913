/**
 * The stack files on disk: where the project and its stacks are, and reading one. Parsing the text
 * into config is lib/config/sources.ts's.
 */
import { existsSync, readdirSync, readFileSync, statSync } from "node:fs";
import * as path from "node:path";
import { pulumiConfigFromStackText, StackFileError, stackFileMaxBytes, type SecureValues, type StackFileConfig } from "../config";

/** The project root: the nearest folder upward that holds Pulumi.yaml (works from lib/, dist/ or a bundle). */
export function findRepoRoot(start: string): string {
  for (let dir = path.resolve(start); ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, "Pulumi.yaml"))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`no Pulumi.yaml in ${start} or any folder above it`);
  }
}

export const repoRoot = findRepoRoot(__dirname);
export const stacksDir = path.join(repoRoot, "stacks");

export function stackFilePath(stack: string): string {
  return path.join(stacksDir, `Pulumi.${stack}.yaml`);
}

/** Every stack in stacks/, sorted. */
export function stackNames(): string[] {
  return readdirSync(stacksDir).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f)).map(stackNameOf).sort();
}

/**
 * A stack file's config as the Pulumi CLI hands it to the program; `secure` says whether encrypted
 * values refuse the file or are dropped (lib/config/sources.ts).
 */
export function readStackFile(file: string, secure: SecureValues): StackFileConfig {
  // The size is checked before reading, so a huge file is refused without loading it.
  const size = statSync(file).size;
  if (size > stackFileMaxBytes) throw new StackFileError(file, [`is ${size} bytes; stack files are limited to ${stackFileMaxBytes} bytes`]);
  return pulumiConfigFromStackText(readFileSync(file), file, secure);
}

/**
 * For render and the tests, which show or judge exactly what would be deployed: a file with
 * encrypted values is refused, naming them.
 */
export function pulumiConfigFromStackFile(file: string): Record<string, string> {
  return readStackFile(file, "refuse").config;
}

export function pulumiConfigForStack(stack: string): Record<string, string> {
  return pulumiConfigFromStackFile(stackFilePath(stack));
}

/** The stack name Pulumi derives from a stack file's name: `Pulumi.<stack>.yaml`. */
export function stackNameOf(file: string): string {
  const match = /^Pulumi\.(.+)\.ya?ml$/.exec(path.basename(file));
  if (!match) throw new Error(`${file}: not a stack file (expected Pulumi.<stack>.yaml)`);
  return match[1];
}
