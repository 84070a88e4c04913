/**
 * NetworkAttachmentDefinitions: each NAD of the stack exists and its spec.config is, by value, the
 * CNI config the deploy's builder (lib/build/networks.ts) writes.
 */
import { isDeepStrictEqual } from "node:util";
import type { NetworkConfig, StackConfig } from "../config";
import { logicalName } from "../build/objects";
import { networkAttachmentDefinition } from "../build/networks";
import { fail, pass, type Finding } from "./findings";
import { listShort } from "./scheduling";
import type { VerifySnapshot } from "./snapshot";

/** Paths where two JSON values differ: `plugins[0].mtu: 1500, want 9000`. */
export function jsonDifferences(want: unknown, have: unknown, path = ""): string[] {
  if (isDeepStrictEqual(want, have)) return [];
  const bothObjects = want && have && typeof want === "object" && typeof have === "object" && Array.isArray(want) === Array.isArray(have);
  if (!bothObjects) return [`${path || "(config)"}: ${JSON.stringify(have) ?? "missing"}, want ${JSON.stringify(want) ?? "absent"}`];
  const keys = new Set([...Object.keys(want as object), ...Object.keys(have as object)]);
  return [...keys].flatMap((key) => {
    const child = Array.isArray(want) ? `${path}[${key}]` : path ? `${path}.${key}` : key;
    return jsonDifferences((want as Record<string, unknown>)[key], (have as Record<string, unknown>)[key], child);
  });
}

/** `bridge, cniVersion 1.0.0, tuning, sbr`; a raw network by its plugin types. */
function describeNetwork(network: NetworkConfig): string {
  if (network.type === "raw") {
    const { config } = network;
    const plugins = Array.isArray(config.plugins) ? (config.plugins as Array<{ type?: unknown }>).map((p) => String(p.type)) : [String(config.type)];
    return `raw: ${plugins.join(", ")}, cniVersion ${String(config.cniVersion)}`;
  }
  const chained = (["tuning", "bandwidth", "portmap"] as const).filter((key) => Boolean(network[key]));
  return [network.type, `cniVersion ${network.cniVersion}`, ...chained, ...(network.sourceBasedRouting ? ["sbr"] : [])].join(", ");
}

export function judgeNads(config: StackConfig, nads: VerifySnapshot["nads"]): Finding[] {
  return config.networks.map((network) => {
    const expected = networkAttachmentDefinition(network);
    const ref = logicalName(expected);
    const check = `nad/${ref}`;
    const nad = nads[ref];
    if (!nad) return fail(check, `NetworkAttachmentDefinition ${ref} not found`);
    const text = nad.spec?.config;
    if (typeof text !== "string") return fail(check, `${ref} has no spec.config`);
    let have: unknown;
    try {
      have = JSON.parse(text);
    } catch (error) {
      return fail(check, `${ref}: spec.config is not JSON (${(error as Error).message})`);
    }
    const differences = jsonDifferences(JSON.parse(expected.spec.config), have);
    if (differences.length) return fail(check, `${ref}: ${listShort(differences, 3)}`);
    return pass(check, `${ref}: config as declared (${describeNetwork(network)})`);
  });
}
