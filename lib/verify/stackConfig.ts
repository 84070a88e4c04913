/**
 * The stack config as the checks see it: no secret is needed to verify anything, so secrets are
 * dropped — from a stack file read outside Pulumi (which cannot decrypt them) and from what the
 * verification commands record in the state.
 */
import type { StackConfig } from "../config";
import { isSecureValue } from "../files/stackFiles";

/**
 * Removes every encrypted leaf from parsed `multinet:` values and says where they were. The only
 * secret key of the schema, flannel.backend.psk, is optional, so what remains still validates.
 */
export function withoutSecureValues(values: Record<string, unknown>): { values: Record<string, unknown>; dropped: string[] } {
  const dropped: string[] = [];
  const walk = (value: unknown, key: string): unknown => {
    if (Array.isArray(value)) return value.map((item, i) => walk(item, `${key}[${i}]`));
    if (!value || typeof value !== "object") return value;
    const out: Record<string, unknown> = {};
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
