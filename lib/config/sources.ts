/**
 * Every source of stack config, read into the `multinet:` values validateConfig takes:
 * - Pulumi config as the engine hands it to the program (`multinetValues(pulumi.runtime.allConfig())`);
 * - a stack file's text, parsed the way the Pulumi CLI hands it over (pulumiConfigFromStackText);
 * - `MULTINET_CONFIG`, the validated config without its secrets, which the Pulumi commands pass to
 *   scripts/verify.ts (publicConfig).
 * Encrypted values are handled one way, withoutSecureValues; each consumer says whether it refuses a
 * file holding them or drops them. Pure: the file system is lib/files/stackFiles.ts's.
 */
import { configNamespace } from "./errors";
import type { StackConfig } from "./schema";

/**
 * Picks the `multinet:` keys out of a Pulumi config map (`{"multinet:flannel": "<json>"}`, as the
 * engine hands it to the program) and parses structured values the way `Config.getObject` does.
 */
export function multinetValues(allConfig: Record<string, string>): Record<string, unknown> {
  // No prototype: a key named __proto__ or constructor is an ordinary (unknown) key.
  const values: Record<string, unknown> = Object.create(null);
  for (const [fullKey, raw] of Object.entries(allConfig)) {
    const match = /^([^:]+):(?:config:)?(.+)$/.exec(fullKey);
    if (!match || match[1] !== configNamespace) continue;
    try {
      values[match[2]] = JSON.parse(raw);
    } catch {
      values[match[2]] = raw;
    }
  }
  return values;
}

/** A value `pulumi config set --secret` wrote: `{secure: "v1:..."}`. */
export function isSecureValue(value: unknown): boolean {
  return Boolean(value) && typeof value === "object" && !Array.isArray(value)
    && Object.keys(value as object).length === 1 && typeof (value as { secure?: unknown }).secure === "string";
}

/**
 * Removes every encrypted leaf and says where they were (`multinet:flannel.backend.psk`, or
 * `flannel.backend.psk` in `multinet:` values). The only secret key of the schema,
 * flannel.backend.psk, is optional, so what remains still validates.
 */
export function withoutSecureValues(values: Record<string, unknown>): { values: Record<string, unknown>; dropped: string[] } {
  const dropped: string[] = [];
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${key}[${i}]`));
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = Object.create(null);
    for (const [k, v] of Object.entries(value)) {
      const child = key ? `${key}.${k}` : k;
      if (isSecureValue(v)) dropped.push(child);
      else out[k] = walk(v, child);
    }
    return out;
  };
  return { values: walk(values, "") as Record<string, unknown>, dropped };
}

/**
 * What a reader does with encrypted values, which only the Pulumi CLI can decrypt: `refuse` the file
 * (render and the tests, which would otherwise show a stack other than the one deployed) or `drop`
 * them (the verifier: no check needs a secret).
 */
export type SecureValues = "refuse" | "drop";

/** A stack file's config as the Pulumi CLI hands it to the program, and the encrypted keys left out. */
export interface StackFileConfig {
  config: Record<string, string>;
  dropped: string[];
}

/**
 * The environment variable through which the Pulumi commands hand scripts/verify.ts the config the
 * program validated (publicConfig, as JSON): the config Pulumi deploys, whatever its sources.
 */
export const configEnvVar = "MULTINET_CONFIG";

/** The validated config without its secrets (the WireGuard PSK), for command triggers and outputs. */
export function publicConfig(config: StackConfig): StackConfig {
  if (config.flannel.backend.type !== "wireguard" || config.flannel.backend.psk === undefined) return config;
  const backend = { ...config.flannel.backend };
  delete backend.psk;
  return { ...config, flannel: { ...config.flannel, backend } };
}
