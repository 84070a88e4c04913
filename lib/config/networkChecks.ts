/**
 * Rules of one network that span several of its keys: one host-local range per address family
 * (dual-stack), ranges that leave room for addresses, host-device's one selector, and chained
 * plugins that need a host-side veth. Gateways, routes and overlaps of every family: addressChecks.ts.
 */
import { parseCidr, type Cidr } from "./cidr";
import { configKey } from "./errors";
import { ipamOf, type IpamConfig, type NetworkConfig } from "./schema";

type Family = "ipv4" | "ipv6";
const familyOf = (address: string): Family => (address.includes(":") ? "ipv6" : "ipv4");
const familyName = (family: Family) => (family === "ipv4" ? "IPv4" : "IPv6");

/**
 * The families a network's IPAM gives a pod, or undefined when the pod names them (static without
 * addresses) or the network has no IPAM of ours.
 */
export function ipamFamilies(ipam: IpamConfig | undefined): Set<Family> | undefined {
  switch (ipam?.type) {
    case "host-local":
      return new Set(ipam.ranges.map((range) => familyOf(range.subnet)));
    case "static":
      return ipam.addresses ? new Set(ipam.addresses.map((a) => familyOf(a.address))) : undefined;
    default:
      return undefined;
  }
}

/**
 * host-local cannot allocate from a subnet with fewer than two host bits ("too small to allocate
 * from", containernetworking/plugins v1.1.1 plugins/ipam/host-local/backend/allocator/range.go:34-37).
 */
function tooSmall(subnet: Cidr): boolean {
  return subnet.prefix > (subnet.address.kind() === "ipv4" ? 30 : 126);
}

function hostLocalProblems(ipam: Extract<IpamConfig, { type: "host-local" }>, key: (string | number)[]): string[] {
  const problems: string[] = [];
  const firstOfFamily = new Map<Family, number>();
  ipam.ranges.forEach((range, r) => {
    const subnet = parseCidr(range.subnet)!;
    const rangeKey = [...key, "ranges", r];
    if (tooSmall(subnet)) {
      problems.push(`${configKey([...rangeKey, "subnet"])}: "${range.subnet}" has no room for pod addresses; allowed: IPv4 /30 or wider, IPv6 /126 or wider`);
    }
    // One range per family: a pod gets one address per family, and Kubernetes dual-stack means one of each.
    const family = familyOf(range.subnet);
    const first = firstOfFamily.get(family);
    if (first !== undefined) {
      problems.push(`${configKey([...rangeKey, "subnet"])}: "${range.subnet}" is a second ${familyName(family)} range after ${configKey([...key, "ranges", first])}; allowed: one range per address family (one IPv4 and one IPv6 range for dual-stack)`);
    } else {
      firstOfFamily.set(family, r);
    }
  });
  return problems;
}

/** Checks of network `i` that need several of its keys. */
export function networkProblems(network: NetworkConfig, i: number): string[] {
  const problems: string[] = [];
  if (network.type === "host-device") {
    const selectors = (["device", "hwaddr", "kernelpath", "pciBusID"] as const).filter((field) => network[field] !== undefined);
    if (selectors.length !== 1) {
      problems.push(`${configKey(["networks", i])}: ${selectors.length ? `sets ${selectors.join(", ")}` : "sets none of device, hwaddr, kernelpath, pciBusID"}; allowed: exactly one (the host-device plugin uses the first it finds and ignores the rest)`);
    }
  }
  // bandwidth shapes the host-side peer of the pod's veth (bandwidth main.go:133-160 at v1.1.1,
  // getHostInterface: "has no veth peer" otherwise); only bridge, and flannel through its bridge, have one.
  if ("bandwidth" in network && network.bandwidth && network.type !== "bridge" && network.type !== "flannel") {
    problems.push(`${configKey(["networks", i, "bandwidth"])}: set on a ${network.type} network, whose pod interface has no host-side veth to shape; allowed: bandwidth on bridge or flannel networks`);
  }
  // Gateways, route families and overlaps of every family: addressChecks.ts.
  const ipam = ipamOf(network);
  if (ipam?.type === "host-local") problems.push(...hostLocalProblems(ipam, ["networks", i, "ipam"]));
  return problems;
}
