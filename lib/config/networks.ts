/**
 * `multinet:networks`: the NetworkAttachmentDefinitions, one per entry. Typed networks follow their
 * plugin's NetConf (containernetworking/plugins, flannel-io/cni-plugin) and may chain plugins
 * (chained.ts); `raw` carries any CNI config as it is (rawCni.ts).
 */
import { z } from "zod";
import { chainedFields } from "./chained";
import { ipamConfigSchema } from "./ipam";
import { kernelPath, macAddress, pciAddress, vlanId } from "./pluginValues";
import { rawCniConfig } from "./rawCni";
import { cniVersion, dnsLabel, interfaceName, mtu, strict } from "./values";

const identity = {
  name: dnsLabel.meta({ description: "NAD name (DNS-1123 label, ≤ 63 characters), unique per namespace: what pods list in `k8s.v1.cni.cncf.io/networks`" }),
  namespace: dnsLabel.default("default").meta({ description: "NAD namespace; it must exist (the preflight checks) unless `createNamespace`" }),
  createNamespace: z.boolean().default(false).meta({
    description: "create the NAD's namespace and delete it on destroy (one creator per namespace; never `default`, `kube-system`, `kube-public`, `kube-node-lease`)",
  }),
};

const typedCommon = {
  ...identity,
  cniVersion: cniVersion.default("0.3.1").meta({ description: "`0.3.0`, `0.3.1`, `0.4.0` or `1.0.0`" }),
  ...chainedFields,
};

const linkMtu = mtu.optional().meta({ description: "576–9216; unset: the parent's" });

const flannelNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("flannel"),
  delegate: strict({
    hairpinMode: z.boolean().optional().meta({ description: "hairpin mode of the bridge the flannel plugin delegates to; unset: flannel's default" }),
    isDefaultGateway: z.boolean().optional().meta({ description: "whether that bridge is the pod's default gateway; unset: flannel's default" }),
  }).optional(),
});

const macvlanNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("macvlan"),
  master: interfaceName.meta({ description: "parent NIC" }),
  mode: z.enum(["bridge", "private", "vepa", "passthru"]).default("bridge").meta({ description: "`bridge`, `private`, `vepa` or `passthru`" }),
  mtu: linkMtu,
  ipam: ipamConfigSchema,
});

const bridgeNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("bridge"),
  bridge: interfaceName.meta({ description: "bridge device name" }),
  isGateway: z.boolean().default(false).meta({ description: "give the bridge the gateway address" }),
  ipMasq: z.boolean().default(false).meta({ description: "masquerade traffic leaving the bridge" }),
  hairpinMode: z.boolean().default(false).meta({ description: "let a pod reach itself through the bridge" }),
  mtu: linkMtu,
  ipam: ipamConfigSchema,
});

/**
 * ipvlan (plugins/main/ipvlan/ipvlan.go:37-42, modes :93-104 at v1.1.1). `master` is required here
 * although the plugin would fall back to the default-route NIC: which NIC carries a network is the
 * stack's decision. IPAM is required: v1.1.1 runs it unless chained after another plugin (:217-228).
 * `linkInContainer` (v1.3.0+) is not offered: Debian's 1.1.1 would ignore it.
 */
const ipvlanNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("ipvlan"),
  master: interfaceName.meta({ description: "parent NIC; its MAC is shared by every pod (for switches that limit MACs per port)" }),
  mode: z.enum(["l2", "l3", "l3s"]).default("l2").meta({ description: "`l2`, `l3` or `l3s` (l3/l3s: the parent routes, no broadcast or multicast)" }),
  mtu: linkMtu,
  ipam: ipamConfigSchema,
});

/**
 * host-device moves one node NIC into the pod (plugins/main/host-device/host-device.go:50-59 at
 * v1.1.1). The plugin takes the first of device, hwaddr, kernelpath, pciBusID that is set and
 * ignores the rest (getLink, :324-360), so exactly one is allowed here (networkChecks.ts). IPAM is
 * optional (:126: without it the NIC keeps no address).
 */
const hostDeviceNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("host-device"),
  device: interfaceName.optional().meta({ description: "the node NIC by name (exactly one of `device`, `hwaddr`, `kernelpath`, `pciBusID`)" }),
  hwaddr: macAddress.optional().meta({ description: "the node NIC by MAC address" }),
  kernelpath: kernelPath.optional().meta({ description: "the node NIC by kernel path below `/sys/devices/`" }),
  pciBusID: pciAddress.optional().meta({ description: "the node NIC by PCI address (`0000:3b:00.1`), e.g. an SR-IOV VF" }),
  ipam: ipamConfigSchema.optional().meta({ description: "`host-local` or `static`; unset: the NIC gets no address" }),
});

/** vlan (plugins/main/vlan/vlan.go:36-41; master required :55, ID range :58; IPAM always runs :153). */
const vlanNetworkSchema = strict({
  ...typedCommon,
  type: z.literal("vlan"),
  master: interfaceName.meta({ description: "parent NIC the VLAN sub-interface is created on" }),
  vlanId: vlanId.meta({ description: "VLAN ID, 0–4094" }),
  mtu: linkMtu,
  ipam: ipamConfigSchema,
});

const rawNetworkSchema = strict({
  ...identity,
  type: z.literal("raw"),
  config: rawCniConfig,
});

export const networkSchema = z.discriminatedUnion("type", [
  flannelNetworkSchema, macvlanNetworkSchema, bridgeNetworkSchema, ipvlanNetworkSchema, hostDeviceNetworkSchema, vlanNetworkSchema, rawNetworkSchema,
]).meta({ description: "`flannel`, `macvlan`, `bridge`, `ipvlan`, `host-device`, `vlan` or `raw`" });

export const networksSchema = z.array(networkSchema).default([]).meta({
  description: "A list; each entry becomes one NAD. Default: none. At most one entry is of type `flannel` (two would share each node's `cni0` and `FLANNEL_SUBNET`); pods in other namespaces reference it as `<namespace>/<name>`. One rule the schema cannot check, so it is yours: **host-local hands out addresses per node** — a host-local range used by a NAD on several nodes gives the same address on each, so give such networks node-local meaning (a bridge), or on a segment shared by nodes let each pod name its address (static IPAM without `addresses`).",
});
