/**
 * The CNI configuration contract: what multinet writes into a NetworkAttachmentDefinition's
 * `spec.config`. Modelled on the reference plugins' `NetConf` types (containernetworking/plugins) so
 * a config is built from typed values and parsed back through the same schema, never concatenated
 * by hand. Only the fields multinet sets are modelled; an unknown field is a parse error, so a
 * round trip proves nothing was lost.
 */
import { z } from "zod";
import { whereaboutsIpamSchema } from "./whereaboutsIpam";

export const routeSchema = z.strictObject({
  dst: z.string(),
  gw: z.string().optional(),
});

export const hostLocalRangeSchema = z.strictObject({
  subnet: z.string(),
  rangeStart: z.string().optional(),
  rangeEnd: z.string().optional(),
  gateway: z.string().optional(),
});

export const hostLocalIpamSchema = z.strictObject({
  type: z.literal("host-local"),
  /** A list of range sets; each set hands out one address (one per address family). */
  ranges: z.array(z.array(hostLocalRangeSchema)),
  routes: z.array(routeSchema).optional(),
  dataDir: z.string().optional(),
});

export const staticIpamSchema = z.strictObject({
  type: z.literal("static"),
  /** Absent when each pod passes its own through the `ips` capability. */
  addresses: z.array(z.strictObject({ address: z.string(), gateway: z.string().optional() })).optional(),
  routes: z.array(routeSchema).optional(),
});

export const ipamSchema = z.discriminatedUnion("type", [hostLocalIpamSchema, staticIpamSchema, whereaboutsIpamSchema]);

/** Bridge options the flannel CNI plugin passes through to the bridge plugin it delegates to. */
export const flannelDelegateSchema = z.strictObject({
  hairpinMode: z.boolean().optional(),
  isDefaultGateway: z.boolean().optional(),
});

const pluginCommon = {
  cniVersion: z.string().optional(),
  name: z.string().optional(),
  /**
   * `ips: true` asks the runtime (Multus) to pass the pod's requested addresses as runtimeConfig.ips;
   * `portMappings: true` its hostPorts as runtimeConfig.portMappings (portmap).
   */
  capabilities: z.strictObject({ ips: z.boolean().optional(), portMappings: z.boolean().optional() }).optional(),
};

export const flannelPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("flannel"),
  subnetFile: z.string().optional(),
  dataDir: z.string().optional(),
  delegate: flannelDelegateSchema.optional(),
});

export const macvlanPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("macvlan"),
  master: z.string(),
  mode: z.enum(["bridge", "private", "vepa", "passthru"]).optional(),
  mtu: z.number().int().optional(),
  ipam: ipamSchema,
});

export const bridgePluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("bridge"),
  bridge: z.string(),
  isGateway: z.boolean().optional(),
  isDefaultGateway: z.boolean().optional(),
  ipMasq: z.boolean().optional(),
  hairpinMode: z.boolean().optional(),
  mtu: z.number().int().optional(),
  ipam: ipamSchema,
});

export const ipvlanPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("ipvlan"),
  master: z.string(),
  mode: z.enum(["l2", "l3", "l3s"]).optional(),
  mtu: z.number().int().optional(),
  ipam: ipamSchema,
});

/** Exactly one of device, hwaddr, kernelpath, pciBusID (the stack config enforces it). */
export const hostDevicePluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("host-device"),
  device: z.string().optional(),
  hwaddr: z.string().optional(),
  kernelpath: z.string().optional(),
  pciBusID: z.string().optional(),
  ipam: ipamSchema.optional(),
});

export const vlanPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("vlan"),
  master: z.string(),
  vlanId: z.number().int(),
  mtu: z.number().int().optional(),
  ipam: ipamSchema,
});

export const tuningPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("tuning"),
  sysctl: z.record(z.string(), z.string()).optional(),
  mac: z.string().optional(),
  mtu: z.number().int().optional(),
  promisc: z.boolean().optional(),
  allmulti: z.boolean().optional(),
});

export const bandwidthPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("bandwidth"),
  ingressRate: z.number().int().optional(),
  ingressBurst: z.number().int().optional(),
  egressRate: z.number().int().optional(),
  egressBurst: z.number().int().optional(),
});

export const portmapPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("portmap"),
  snat: z.boolean().optional(),
  markMasqBit: z.number().int().optional(),
  externalSetMarkChain: z.string().optional(),
  conditionsV4: z.array(z.string()).optional(),
  conditionsV6: z.array(z.string()).optional(),
});

/** Source-based routing: replies leave through the interface the request came in on. */
export const sbrPluginSchema = z.strictObject({
  ...pluginCommon,
  type: z.literal("sbr"),
});

export const pluginSchema = z.discriminatedUnion("type", [
  flannelPluginSchema,
  macvlanPluginSchema,
  bridgePluginSchema,
  ipvlanPluginSchema,
  hostDevicePluginSchema,
  vlanPluginSchema,
  tuningPluginSchema,
  bandwidthPluginSchema,
  portmapPluginSchema,
  sbrPluginSchema,
]);

export const netConfListSchema = z.strictObject({
  cniVersion: z.string(),
  name: z.string(),
  plugins: z.array(pluginSchema).min(1),
});

export type Route = z.infer<typeof routeSchema>;
export type Ipam = z.infer<typeof ipamSchema>;
export type PluginConf = z.infer<typeof pluginSchema>;
export type NetConfList = z.infer<typeof netConfListSchema>;
/** What a NAD carries: one plugin's config, or a list when plugins are chained. */
export type CniConfig = PluginConf | NetConfList;

export function isNetConfList(config: CniConfig): config is NetConfList {
  return "plugins" in config;
}

/** The compact JSON a NAD's `spec.config` holds. */
export function serializeCniConfig(config: CniConfig): string {
  return JSON.stringify(config);
}

/** Parses a NAD's `spec.config` back into the typed model; throws on anything the model lacks. */
export function parseCniConfig(text: string): CniConfig {
  const json: unknown = JSON.parse(text);
  const schema = typeof json === "object" && json !== null && "plugins" in json ? netConfListSchema : pluginSchema;
  return schema.parse(json);
}
