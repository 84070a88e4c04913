/**
 * NetworkAttachmentDefinitions: from a network in the stack config to the CNI config it carries
 * (`cniConfigFor`) and to the NAD object itself (`networkAttachmentDefinition`).
 */
import { podChoosesAddresses, type IpamConfig, type NetworkConfig } from "../config";
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
  // One range set per range, so a pod gets an address from each (e.g. one IPv4 and one IPv6).
  return { type: "host-local", ranges: ipam.ranges.map((range) => [range]), ...routes };
}

function ipsCapability(network: NetworkConfig): Pick<PluginConf, "capabilities"> {
  return podChoosesAddresses(network) ? { capabilities: { ips: true } } : {};
}

/** The network's own plugin, without cniVersion/name (those belong to the top level). */
function mainPlugin(network: NetworkConfig): PluginConf {
  switch (network.type) {
    case "flannel":
      return { type: "flannel", ...(network.delegate ? { delegate: network.delegate } : {}) };
    case "macvlan":
      return {
        ...ipsCapability(network),
        type: "macvlan",
        master: network.master,
        mode: network.mode,
        ...(network.mtu !== undefined ? { mtu: network.mtu } : {}),
        ipam: ipamFor(network.ipam),
      };
    case "bridge":
      return {
        ...ipsCapability(network),
        type: "bridge",
        bridge: network.bridge,
        isGateway: network.isGateway,
        ipMasq: network.ipMasq,
        hairpinMode: network.hairpinMode,
        ...(network.mtu !== undefined ? { mtu: network.mtu } : {}),
        ipam: ipamFor(network.ipam),
      };
  }
}

/**
 * The CNI config of a network. A single plugin stays a plain config without `name` (Multus names it
 * after the NAD); chained plugins become a conflist, which the CNI spec requires to be named.
 */
export function cniConfigFor(network: NetworkConfig): CniConfig {
  const chained: PluginConf[] = network.sourceBasedRouting ? [{ type: "sbr" }] : [];
  if (chained.length === 0) return { cniVersion: network.cniVersion, ...mainPlugin(network) };
  return { cniVersion: network.cniVersion, name: network.name, plugins: [mainPlugin(network), ...chained] };
}

export function networkAttachmentDefinition(network: NetworkConfig): NetworkAttachmentDefinition {
  return {
    apiVersion: nadApiVersion,
    kind: nadKind,
    metadata: { name: network.name, namespace: network.namespace, labels: commonLabels("network-attachment") },
    spec: { config: serializeCniConfig(cniConfigFor(network)) },
  };
}

/** A namespace multinet creates for NADs (`createNamespace`), labelled as multinet's. */
export function networkNamespace(name: string): Named<INamespace, false> {
  return { apiVersion: "v1", kind: "Namespace", metadata: { name, labels: commonLabels("network-attachment") } };
}
