/**
 * What each attachment of the sample pod should look like, from the stack config alone: its
 * interface, the addresses it may get and the destinations that must leave through it; and the
 * `k8s.v1.cni.cncf.io/network-status` annotation Multus writes, parsed and matched to them.
 */
import * as ipaddr from "ipaddr.js";
import { cidrContains, compareAddresses, parseCidr } from "../config/cidr";
import type { FlannelConfig, NetworkConfig, SamplePodConfig, WhereaboutsIpamConfig } from "../config";
import { attachmentInterfaces, ipamOf } from "../config";

/** One entry of `k8s.v1.cni.cncf.io/network-status` (multi-net-spec v1.3, 4.1.2.1.2). */
export interface NetworkStatusEntry {
  name: string;
  interface?: string;
  ips?: string[];
  mac?: string;
  default?: boolean;
  gateway?: string[];
  mtu?: number;
}

/** The annotation's entries, or a reason it cannot be read. */
export function parseNetworkStatus(text: string | undefined): { entries: NetworkStatusEntry[] } | { error: string } {
  if (text === undefined) return { error: "the pod has no k8s.v1.cni.cncf.io/network-status annotation (Multus did not handle its sandbox)" };
  try {
    const value = JSON.parse(text) as unknown;
    if (!Array.isArray(value) || !value.every((e) => e && typeof e === "object" && typeof (e as NetworkStatusEntry).name === "string")) {
      return { error: "k8s.v1.cni.cncf.io/network-status is not a list of {name, interface, ips, ...}" };
    }
    return { entries: value as NetworkStatusEntry[] };
  } catch (error) {
    return { error: `k8s.v1.cni.cncf.io/network-status is not JSON: ${(error as Error).message}` };
  }
}

export interface AddressRule {
  /** `inside 10.244.0.0/16`, `172.31.2.20 (static)`. */
  describe: string;
  matches(ip: string): boolean;
}

export interface ExpectedAttachment {
  /** `namespace/name`, as Multus names the entry in network-status. */
  reference: string;
  ifname: string;
  network: NetworkConfig;
  /** An address of the attachment must satisfy one of these. */
  addresses: AddressRule[];
  /** IPv4 destinations the pod's main table must send through `ifname`. */
  routed: string[];
}

const isIpv4Cidr = (text: string) => parseCidr(text)?.address.kind() === "ipv4";

function insideRule(cidr: string): AddressRule {
  const parsedCidr = parseCidr(cidr)!;
  return { describe: `inside ${cidr}`, matches: (ip) => cidrContains(parsedCidr, ip) };
}

/** `172.31.2.20/24` → `172.31.2.0/24` (IPv4 and IPv6). */
function networkOf(cidr: string): string {
  const [address, prefix] = ipaddr.parseCIDR(cidr);
  const network = address.kind() === "ipv4" ? ipaddr.IPv4.networkAddressFromCIDR(cidr) : ipaddr.IPv6.networkAddressFromCIDR(cidr);
  return `${network.toString()}/${prefix}`;
}

/** A static NAD's addresses: its own, or (static without addresses) the ones the pod names in `ips`. */
function staticAddresses(network: NetworkConfig, podIps: readonly string[] | undefined): string[] {
  const ipam = ipamOf(network);
  if (ipam?.type !== "static") return [];
  return ipam.addresses?.map(({ address }) => address) ?? [...(podIps ?? [])];
}

/** An address whereabouts may hand out: inside the range, between range_start and range_end, not excluded. */
function whereaboutsRule(ipam: WhereaboutsIpamConfig): AddressRule {
  const range = parseCidr(ipam.range)!;
  const excluded = ipam.exclude.map((entry) => parseCidr(entry.includes("/") ? entry : `${entry}/${entry.includes(":") ? 128 : 32}`)!);
  const bounds = [ipam.range_start && `from ${ipam.range_start}`, ipam.range_end && `to ${ipam.range_end}`].filter(Boolean).join(" ");
  return {
    describe: `inside ${ipam.range}${bounds ? ` ${bounds}` : ""}${excluded.length ? ` outside ${ipam.exclude.join(", ")}` : ""} (whereabouts)`,
    matches: (ip) => cidrContains(range, ip)
      && (!ipam.range_start || compareAddresses(ip, ipam.range_start) >= 0)
      && (!ipam.range_end || compareAddresses(ip, ipam.range_end) <= 0)
      && !excluded.some((cidr) => cidrContains(cidr, ip)),
  };
}

/**
 * The addresses an attachment must have, one rule each: every host-local range (one per family, so
 * a dual-stack network needs both), every static address, whereabouts' range, flannel's network. None for networks
 * whose addresses multinet does not assign (raw, host-device without IPAM).
 */
export function expectedAddresses(network: NetworkConfig, flannel: FlannelConfig, podIps?: readonly string[]): AddressRule[] {
  if (network.type === "flannel") return [insideRule(flannel.network)];
  const ipam = ipamOf(network);
  if (ipam?.type === "whereabouts") return [whereaboutsRule(ipam)];
  if (ipam?.type === "host-local") return ipam.ranges.map((range) => insideRule(range.subnet));
  return staticAddresses(network, podIps).map((address) => {
    const ip = address.split("/")[0];
    return { describe: `${ip} (static)`, matches: (candidate: string) => ipaddr.isValid(candidate) && ipaddr.parse(candidate).toNormalizedString() === ipaddr.parse(ip).toNormalizedString() };
  });
}

/** IPv4 destinations an attachment is meant to carry: its subnets and its IPAM routes. */
export function expectedRoutes(network: NetworkConfig, flannel: FlannelConfig, podIps?: readonly string[]): string[] {
  if (network.type === "flannel") return [flannel.network].filter(isIpv4Cidr);
  const ipam = ipamOf(network);
  if (!ipam) return [];
  const subnets = ipam.type === "host-local"
    ? ipam.ranges.map((range) => range.subnet)
    : ipam.type === "whereabouts" ? [ipam.range] : staticAddresses(network, podIps).map(networkOf);
  return [...new Set([...subnets, ...ipam.routes.map((route) => networkOf(route.dst))])].filter(isIpv4Cidr);
}

/** The sample pod's attachments in order, matched to their networks. */
export function expectedAttachments(samplePod: SamplePodConfig, networks: readonly NetworkConfig[], flannel: FlannelConfig): ExpectedAttachment[] {
  const ifnames = attachmentInterfaces(samplePod.networks);
  return samplePod.networks.flatMap((ref, i) => {
    const namespace = ref.namespace ?? samplePod.namespace;
    const network = networks.find((n) => n.name === ref.name && n.namespace === namespace);
    if (!network) return [];
    return [{
      reference: `${namespace}/${ref.name}`,
      ifname: ifnames[i],
      network,
      addresses: expectedAddresses(network, flannel, ref.ips),
      routed: expectedRoutes(network, flannel, ref.ips),
    }];
  });
}

/**
 * The network-status entry of `attachment`, what is wrong with it, and its addresses in the
 * attachment's network: `ip` matches the first rule (the one a ping uses), `matched` says which
 * address meets which rule. Every rule must be met, so a dual-stack attachment needs both families.
 */
export function attachmentEntry(entries: NetworkStatusEntry[], attachment: ExpectedAttachment): { entry?: NetworkStatusEntry; problem?: string; ip?: string; matched?: string[] } {
  const entry = entries.find((e) => e.interface === attachment.ifname);
  if (!entry) {
    return { problem: `network-status has no ${attachment.ifname} (interfaces: ${entries.map((e) => e.interface ?? `${e.name} (no interface)`).join(", ")})` };
  }
  if (entry.name !== attachment.reference) return { entry, problem: `${attachment.ifname} belongs to ${entry.name}, want ${attachment.reference}` };
  const ips = entry.ips ?? [];
  const found = attachment.addresses.map((rule) => ({ rule, ip: ips.find((candidate) => rule.matches(candidate)) }));
  const missing = found.filter(({ ip }) => ip === undefined);
  if (missing.length) {
    return { entry, problem: `${attachment.ifname} (${entry.name}) has ${ips.join(", ") || "no address"}, want an address ${missing.map(({ rule }) => rule.describe).join(" and one ")}` };
  }
  return { entry, ip: found[0]?.ip, matched: found.map(({ rule, ip }) => `${ip!}, ${rule.describe}`) };
}
