/**
 * NetworkAttachmentDefinitions: from a network in the stack config to the CNI config it carries
 * (`cniConfigFor`) and to the NAD object itself (`networkAttachmentDefinition`).
 */
import { podChoosesAddresses, type IpamConfig, type NetworkConfig, type TypedNetworkConfig } from "../config";
import { serializeCniConfig, type CniConfig, type Ipam, type PluginConf } from "./cni";
import type { INamespace } from "kubernetes-models/v1/Namespace";
import { commonLabels, type KubeObject, type Named } from "./objects";
import { whereaboutsIpam } from "./whereaboutsIpam";

export const nadApiVersion = "k8s.cni.cncf.io/v1";
export const nadKind = "NetworkAttachmentDefinition";

export interface NetworkAttachmentDefinition extends KubeObject {
  apiVersion: typeof nadApiVersion;
  kind: typeof nadKind;
  metadata: KubeObject["metadata"] & { namespace: string };
  spec: { config: string };
}

function ipamFor(ipam: IpamConfig): Ipam {
  const routes = ipam.routes.length ? { routes: ipam.routes } : {};
  if (ipam.type === "whereabouts") return whereaboutsIpam(ipam);
  if (ipam.type === "static") return { type: "static", ...(ipam.addresses ? { addresses: ipam.addresses } : {}), ...routes };
  // One range set per range, so a pod gets an address from each (e.g. one IPv4 and one IPv6); a set
  // never mixes families, which host-local refuses (allocator/range_set.go:72 at v1.1.1).
  return { type: "host-local", ranges: ipam.ranges.map((range) => [range]), ...routes };
}

function ipsCapability(network: TypedNetworkConfig): Pick<PluginConf, "capabilities"> {
  return podChoosesAddresses(network) ? { capabilities: { ips: true } } : {};
}

const optional = <K extends string, V>(key: K, value: V | undefined) => (value !== undefined ? { [key]: value } as Record<K, V> : {});

/** The network's own plugin, without cniVersion/name (those belong to the top level). */
function mainPlugin(network: TypedNetworkConfig): PluginConf {
  switch (network.type) {
    case "flannel":
      return { type: "flannel", ...optional("delegate", network.delegate) };
    case "macvlan":
      return {
        ...ipsCapability(network), type: "macvlan", master: network.master, mode: network.mode, ...optional("mtu", network.mtu), ipam: ipamFor(network.ipam),
      };
    case "bridge":
      return {
        ...ipsCapability(network),
        type: "bridge",
        bridge: network.bridge,
        isGateway: network.isGateway,
        ipMasq: network.ipMasq,
        hairpinMode: network.hairpinMode,
        ...optional("mtu", network.mtu),
        ipam: ipamFor(network.ipam),
      };
    case "ipvlan":
      return {
        ...ipsCapability(network), type: "ipvlan", master: network.master, mode: network.mode, ...optional("mtu", network.mtu), ipam: ipamFor(network.ipam),
      };
    case "host-device":
      return {
        ...ipsCapability(network),
        type: "host-device",
        ...optional("device", network.device),
        ...optional("hwaddr", network.hwaddr),
        ...optional("kernelpath", network.kernelpath),
        ...optional("pciBusID", network.pciBusID),
        ...(network.ipam ? { ipam: ipamFor(network.ipam) } : {}),
      };
    case "vlan":
      return {
        ...ipsCapability(network), type: "vlan", master: network.master, vlanId: network.vlanId, ...optional("mtu", network.mtu), ipam: ipamFor(network.ipam),
      };
  }
}

/** The chained plugins, in the order they must run: tuning, bandwidth, portmap, sbr (last: it moves routes). */
function chainedPlugins(network: TypedNetworkConfig): PluginConf[] {
  const { tuning, bandwidth, portmap, sourceBasedRouting } = network;
  return [
    ...(tuning ? [{ type: "tuning" as const, ...tuning }] : []),
    ...(bandwidth ? [{ type: "bandwidth" as const, ...bandwidth }] : []),
    ...(portmap ? [{ capabilities: { portMappings: true }, type: "portmap" as const, ...(portmap === true ? {} : portmap) }] : []),
    ...(sourceBasedRouting ? [{ type: "sbr" as const }] : []),
  ];
}

/**
 * The CNI config of a typed network. A single plugin stays a plain config without `name` (Multus
 * names it after the NAD); chained plugins become a conflist, which the CNI spec requires to be named.
 */
export function cniConfigFor(network: TypedNetworkConfig): CniConfig {
  const chained = chainedPlugins(network);
  if (chained.length === 0) return { cniVersion: network.cniVersion, ...mainPlugin(network) };
  return { cniVersion: network.cniVersion, name: network.name, plugins: [mainPlugin(network), ...chained] };
}

/** What a NAD's spec.config holds: the typed network's config, or a raw network's as written. */
export function nadConfigText(network: NetworkConfig): string {
  return network.type === "raw" ? JSON.stringify(network.config) : serializeCniConfig(cniConfigFor(network));
}

export function networkAttachmentDefinition(network: NetworkConfig): NetworkAttachmentDefinition {
  return {
    apiVersion: nadApiVersion,
    kind: nadKind,
    metadata: { name: network.name, namespace: network.namespace, labels: commonLabels("network-attachment") },
    spec: { config: nadConfigText(network) },
  };
}

/** A namespace multinet creates for NADs (`createNamespace`), labelled as multinet's. */
export function networkNamespace(name: string): Named<INamespace, false> {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: commonLabels("network-attachment") } };
}
