/**
 * Reads a real stack file the way the Pulumi CLI hands it to the program: every key namespaced
 * (`multinet:flannel`), structured values as JSON text, plain values as strings.
 */
import { readdirSync, readFileSync } from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const repoRoot = path.resolve(__dirname, "..");
export const stacksDir = path.join(repoRoot, "stacks");

export function stackFilePath(stack: string): string {
  return path.join(stacksDir, `Pulumi.${stack}.yaml`);
}

/** Every stack in stacks/, sorted. */
export function stackNames(): string[] {
  return readdirSync(stacksDir).filter((f) => /^Pulumi\..+\.ya?ml$/.test(f)).map(stackNameOf).sort();
}

export function pulumiConfigFromStackFile(file: string, project = "multinet"): Record<string, string> {
  const document = parse(readFileSync(file, "utf8")) as { config?: Record<string, unknown> } | null;
  const config: Record<string, string> = {};
  for (const [key, value] of Object.entries(document?.config ?? {})) {
    if (value && typeof value === "object" && "secure" in value) {
      throw new Error(`${file}: ${key} is encrypted; only the Pulumi CLI can decrypt it (render and the tests cannot); use a copy with a stand-in value`);
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
