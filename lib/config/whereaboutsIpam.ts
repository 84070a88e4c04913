/**
 * The `whereabouts` member of a NAD's IPAM. Keys are whereabouts' own (pkg/types/types.go:41-76 at
 * v0.9.4), so the NAD carries them unchanged; the kubeconfig comes from the flat file the DaemonSet
 * writes on each node (script/lib.sh:99-112), not from the NAD.
 */
import { z } from "zod";
import { parseCidr } from "./cidr";
import { cidr, ipAddress, networkCidr, strict } from "./values";

const routeSchema = strict({
  dst: cidr.meta({ description: "destination CIDR" }),
  gw: ipAddress.optional().meta({ description: "gateway; unset: the `gateway` key, if any" }),
});

/** An exclude entry: a CIDR or a single address (pkg/allocate/allocate.go:152-171 reads both). */
const excludeEntry = z.string().refine((text) => parseCidr(text) !== undefined || parseCidr(`${text}/${text.includes(":") ? 128 : 32}`) !== undefined, {
  message: "must be a CIDR or an address, e.g. 10.50.0.0/28 or 10.50.0.1",
});

/**
 * A whereabouts pool name is `<network_name>-<range with '/' and ':' as '-'>`
 * (pkg/storage/kubernetes/ipam.go:106-134), an object name, so network_name must keep it a DNS-1123 subdomain.
 */
const networkName = z.string().refine((text) => /^[a-z0-9]([-a-z0-9.]*[a-z0-9])?$/.test(text) && text.length <= 200, {
  message: "must be lower-case letters, digits, '-' and '.', at most 200 characters (it prefixes the IPPool object's name)",
});

export const whereaboutsIpamConfigSchema = strict({
  type: z.literal("whereabouts"),
  range: networkCidr.meta({ description: "the pool, an IPv4 or IPv6 CIDR; its network and broadcast addresses are never handed out" }),
  range_start: ipAddress.optional().meta({ description: "first address handed out; must lie inside `range` (whereabouts silently ignores one outside)" }),
  range_end: ipAddress.optional().meta({ description: "last address handed out; inside `range`, not before `range_start`" }),
  exclude: z.array(excludeEntry).default([]).meta({ description: "CIDRs or addresses inside `range` never handed out; must cover `gateway` if it lies between `range_start` and `range_end` (whereabouts does not skip the gateway)" }),
  gateway: ipAddress.optional().meta({ description: "gateway written into the pod's IPAM result; inside `range`" }),
  routes: z.array(routeSchema).default([]).meta({ description: "routes added in the pod: `[{dst, gw?}]`" }),
  network_name: networkName.optional().meta({ description: "names the pool: NADs with the same `network_name` and `range` share one pool (unique addresses across them); unset: the pool is named after the range alone" }),
  // whereabouts' own default is true (pkg/types/types.go:20, applied at 115-118).
  enable_overlapping_ranges: z.boolean().default(true).meta({ description: "reserve each address cluster-wide too (OverlappingRangeIPReservation, per `network_name`), so overlapping ranges of one `network_name` never hand out one address twice; whereabouts' default" }),
}).meta({ description: "cluster-wide IPAM (needs `multinet:whereabouts.enabled`)" });

export type WhereaboutsIpamConfig = z.output<typeof whereaboutsIpamConfigSchema>;
