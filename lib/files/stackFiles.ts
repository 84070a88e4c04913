/**
 * Reads a real stack file the way the Pulumi CLI hands it to the program: every key namespaced
 * (`multinet:flannel`), structured values as JSON text, plain values as strings.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

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

/** A value `pulumi config set --secret` wrote: `{secure: "v1:..."}`. */
export function isSecureValue(value: unknown): boolean {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value)
    && Object.keys(value as object).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/** Where encrypted values sit in a config value: `key`, `key.backend.psk`, `key[0].x`. */
function securePaths(value: unknown, path: string): string[] {
  if (isSecureValue(value)) return [path];
  if (Array.isArray(value)) return value.flatMap((item, i) => securePaths(item, `${path}[${i}]`));
  if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => securePaths(v, `${path}.${k}`));
  return [];
}

export function pulumiConfigFromStackFile(file: string, project = "multinet"): Record<string, string> {
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    const encrypted = securePaths(value, key);
    if (encrypted.length) {
      throw new Error(`${file}: ${encrypted.join(", ")} ${encrypted.length === 1 ? "is" : "are"} encrypted; only the Pulumi CLI can decrypt it (render and the tests cannot); use a copy with a stand-in value`);
    }
    const fullKey = key.includes(":") ? key : `${project}:${key}`;
    config[fullKey] = typeof value === "string" ? value : JSON.stringify(value);
  }
  return config;
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
