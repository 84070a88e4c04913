/** `multinet:networks`: the NetworkAttachmentDefinitions, one per entry, and their IPAM. */
import { z } from "zod";
import { whereaboutsIpamConfigSchema } from "./whereaboutsIpam";
import { cidr, cniVersion, dnsLabel, interfaceName, ipAddress, mtu, networkCidr, strict } from "./values";

const routeConfigSchema = strict({
  dst: cidr.meta({ description: "destination CIDR" }),
  gw: ipAddress.optional().meta({ description: "gateway; unset: the range's" }),
});

const routes = z.array(routeConfigSchema).default([]).meta({ description: "routes added in the pod: `[{dst, gw?}]`" });

const hostLocalIpamConfigSchema = strict({
  type: z.literal("host-local"),
  ranges: z.array(strict({
    subnet: networkCidr,
    rangeStart: ipAddress.optional(),
    rangeEnd: ipAddress.optional(),
    gateway: ipAddress.optional(),
  })).min(1).meta({
    description: "`[{subnet, rangeStart?, rangeEnd?, gateway?}]`; each range becomes its own range set, so a pod gets one address per range (e.g. IPv4 + IPv6). host-local hands out addresses per node",
  }),
  routes,
});

const staticIpamConfigSchema = strict({
  type: z.literal("static"),
  addresses: z.array(strict({ address: cidr, gateway: ipAddress.optional() })).min(1).optional().meta({
    description: "`[{address: <cidr>, gateway?}]`: fixed addresses, for a NAD one pod uses. Unset: each pod names its own addresses in its networks annotation (`ips`, passed through the CNI `ips` capability), the way to give pods on a segment shared by nodes unique addresses, which host-local (one pool per node) cannot",
  }),
  routes,
});

const ipamConfigSchema = z.discriminatedUnion("type", [hostLocalIpamConfigSchema, staticIpamConfigSchema, whereaboutsIpamConfigSchema])
  .meta({ description: "`host-local`, `static` or `whereabouts`" });

const networkCommon = {
  name: dnsLabel.meta({ description: "NAD name (DNS-1123 label, ≤ 63 characters), unique per namespace: what pods list in `k8s.v1.cni.cncf.io/networks`" }),
  namespace: dnsLabel.default("default").meta({ description: "NAD namespace; it must exist (the preflight checks) unless `createNamespace`" }),
  createNamespace: z.boolean().default(false).meta({
    description: "create the NAD's namespace and delete it on destroy (one creator per namespace; never `default`, `kube-system`, `kube-public`, `kube-node-lease`)",
  }),
  cniVersion: cniVersion.default("0.3.1").meta({ description: "`0.3.0`, `0.3.1`, `0.4.0` or `1.0.0`" }),
  sourceBasedRouting: z.boolean().default(false).meta({ description: "chain the `sbr` plugin so replies leave through this interface, not the default route" }),
};

const flannelNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("flannel"),
  delegate: strict({
    hairpinMode: z.boolean().optional().meta({ description: "hairpin mode of the bridge the flannel plugin delegates to; unset: flannel's default" }),
    isDefaultGateway: z.boolean().optional().meta({ description: "whether that bridge is the pod's default gateway; unset: flannel's default" }),
  }).optional(),
});

const macvlanNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("macvlan"),
  master: interfaceName.meta({ description: "parent NIC" }),
  mode: z.enum(["bridge", "private", "vepa", "passthru"]).default("bridge").meta({ description: "`bridge`, `private`, `vepa` or `passthru`" }),
  mtu: mtu.optional().meta({ description: "576–9216; unset: the parent's" }),
  ipam: ipamConfigSchema,
});

const bridgeNetworkSchema = strict({
  ...networkCommon,
  type: z.literal("bridge"),
  bridge: interfaceName.meta({ description: "bridge device name" }),
  isGateway: z.boolean().default(false).meta({ description: "give the bridge the gateway address" }),
  ipMasq: z.boolean().default(false).meta({ description: "masquerade traffic leaving the bridge" }),
  hairpinMode: z.boolean().default(false).meta({ description: "let a pod reach itself through the bridge" }),
  mtu: mtu.optional().meta({ description: "576–9216; unset: the parent's" }),
  ipam: ipamConfigSchema,
});

export const networkSchema = z.discriminatedUnion("type", [flannelNetworkSchema, macvlanNetworkSchema, bridgeNetworkSchema])
  .meta({ description: "`flannel`, `macvlan` or `bridge`" });

export const networksSchema = z.array(networkSchema).default([]).meta({
  description: "A list; each entry becomes one NAD. Default: none. At most one entry is of type `flannel` (two would share each node's `cni0` and `FLANNEL_SUBNET`); pods in other namespaces reference it as `<namespace>/<name>`. One rule the schema cannot check, so it is yours: **host-local hands out addresses per node** — a host-local range used by a NAD on several nodes gives the same address on each, so give such networks node-local meaning (a bridge), or on a segment shared by nodes let each pod name its address (static IPAM without `addresses`).",
});
