/**
 * The `whereabouts` IPAM section of a NAD's CNI config: whereabouts' own keys (pkg/types/types.go:41-76
 * at v0.9.4), written as the schema validated them. enable_overlapping_ranges is always written:
 * whereabouts reads it from the NAD and keeps the NAD's value over its flat file (pkg/config/config.go:63-67).
 */
import * as ipaddr from "ipaddr.js";
import { z } from "zod";
import type { WhereaboutsIpamConfig } from "../config";

export const whereaboutsIpamSchema = z.strictObject({
  type: z.literal("whereabouts"),
  range: z.string(),
  range_start: z.string().optional(),
  range_end: z.string().optional(),
  exclude: z.array(z.string()).optional(),
  gateway: z.string().optional(),
  // The CNI route shape (cni.ts routeSchema), repeated here because cni.ts imports this file.
  routes: z.array(z.strictObject({ dst: z.string(), gw: z.string().optional() })).optional(),
  network_name: z.string().optional(),
  enable_overlapping_ranges: z.boolean(),
});

export type WhereaboutsIpam = z.infer<typeof whereaboutsIpamSchema>;

export function whereaboutsIpam(ipam: WhereaboutsIpamConfig): WhereaboutsIpam {
  const optional = <K extends keyof WhereaboutsIpamConfig>(key: K) => (ipam[key] !== undefined ? { [key]: ipam[key] } : {});
  return {
    type: "whereabouts",
    range: ipam.range,
    ...optional("range_start"),
    ...optional("range_end"),
    ...(ipam.exclude.length ? { exclude: ipam.exclude } : {}),
    ...optional("gateway"),
    ...(ipam.routes.length ? { routes: ipam.routes } : {}),
    ...optional("network_name"),
    enable_overlapping_ranges: ipam.enable_overlapping_ranges,
  };
}

/**
 * The IPPool whereabouts keeps a range's allocations in: `<network_name>-<range>`, or `<range>`,
 * the range as Go prints the network (config.go:115) with ':' and '/' as '-' (pkg/storage/kubernetes/ipam.go:106-134).
 */
export function whereaboutsPoolName(ipam: Pick<WhereaboutsIpamConfig, "range" | "network_name">): string {
  const [address, prefix] = ipaddr.parseCIDR(ipam.range);
  let range = `${address.toString()}/${prefix}`;
  if (range.endsWith(":")) range += "0";
  const normalized = range.replaceAll(":", "-").replaceAll("/", "-");
  return ipam.network_name ? `${ipam.network_name}-${normalized}` : normalized;
}

/** The key of an address in its pool's allocations: its offset from the range's first address (ipam.go:259-269). */
export function whereaboutsAllocationKey(range: string, ip: string): string {
  const value = (text: string) => ipaddr.parse(text).toByteArray().reduce((sum, byte) => (sum << 8n) | BigInt(byte), 0n);
  return (value(ip) - value(ipaddr.parseCIDR(range)[0].toString())).toString();
}
