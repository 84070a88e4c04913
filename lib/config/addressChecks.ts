/**
 * Address checks across keys: every pod network (Calico pools, the Flannel network, NAD subnets and
 * static addresses, the sample pod's own addresses) stays out of special ranges and clear of every
 * other one it would meet on a node; gateways and route next hops lie inside a subnet of their
 * family, where the kernel can reach them (it refuses a next hop that is not on-link: "Nexthop has
 * invalid gateway").
 */
import { isNetworkOrBroadcast, overlappingPairs, specialRangeOf, type AddressRange } from "./addresses";
import { cidrContains, parseCidr, type Cidr } from "./cidr";
import { configKey, type Path } from "./errors";
import { podChoosesAddresses } from "./references";
import type { StackConfig } from "./schema";

const calicoPoolGroup = "calico";

/** Why two ranges must not overlap, worded for the earlier one's kind. */
function overlapReason(earlier: AddressRange): string {
  if (earlier.group === calicoPoolGroup) return "pods would get duplicate addresses. Allowed: a range outside every Calico pool";
  if (earlier.key === configKey(["flannel", "network"])) return "allowed: a subnet outside the Flannel network";
  return "a pod or node that has both would route the shared addresses two ways. Allowed: ranges that do not overlap";
}

export function addressProblems({ flannel, calico, networks, samplePod }: Partial<StackConfig>): string[] {
  const problems: string[] = [];
  const ranges: AddressRange[] = [];
  const add = (text: string, path: Path, group: string) => {
    const cidr = parseCidr(text)!;
    const key = configKey(path);
    const special = specialRangeOf(cidr);
    if (special) problems.push(`${key}: "${text}" touches the ${special} range; allowed: a unicast range for pods`);
    ranges.push({ cidr, key, group, order: ranges.length });
  };

  calico?.poolCidrs.forEach((pool, i) => add(pool, ["calico", "poolCidrs", i], calicoPoolGroup));
  if (flannel?.enabled) add(flannel.network, ["flannel", "network"], "flannel");
  networks?.forEach((network, i) => {
    if (network.type === "flannel") return;
    const subnets: Cidr[] = [];
    const ipamPath = ["networks", i, "ipam"];
    if (network.ipam.type === "static") {
      network.ipam.addresses?.forEach(({ address, gateway }, a) => {
        const path = [...ipamPath, "addresses", a];
        add(address, [...path, "address"], `networks[${i}]`);
        subnets.push(parseCidr(address)!);
        if (gateway !== undefined) problems.push(...gatewayProblems(gateway, [parseCidr(address)!], [...path, "gateway"]));
      });
    } else {
      network.ipam.ranges.forEach((range, r) => {
        const path = [...ipamPath, "ranges", r];
        add(range.subnet, [...path, "subnet"], `${configKey(path)}`);
        const subnet = parseCidr(range.subnet)!;
        subnets.push(subnet);
        if (range.gateway !== undefined) problems.push(...gatewayProblems(range.gateway, [subnet], [...path, "gateway"]));
      });
    }
    if (!podChoosesAddresses(network)) {
      network.ipam.routes.forEach((route, r) => problems.push(...routeProblems(route, subnets, [...ipamPath, "routes", r])));
    }
  });
  if (samplePod?.enabled) {
    samplePod.networks.forEach((ref, i) => ref.ips?.forEach((ip, k) => add(ip, ["samplePod", "networks", i, "ips", k], `samplePod.networks[${i}]`)));
  }

  for (const [earlier, later] of overlappingPairs(ranges)) {
    const kind = earlier.group === calicoPoolGroup ? "the Calico pool " : "";
    problems.push(`${later.key}: "${later.cidr.text}" overlaps ${kind}${earlier.key} "${earlier.cidr.text}"; ${overlapReason(earlier)}`);
  }
  return problems;
}

/** A gateway: inside one of `subnets` (so of its family), not their network or broadcast address. */
function gatewayProblems(gateway: string, subnets: Cidr[], path: Path): string[] {
  const key = configKey(path);
  const address = parseCidr(`${gateway}/${gateway.includes(":") ? 128 : 32}`)!;
  const home = subnets.find((subnet) => cidrContains(subnet, gateway));
  if (!home) return [`${key}: "${gateway}" is outside the subnet${subnets.length === 1 ? "" : "s"} ${subnets.map((s) => `"${s.text}"`).join(", ")}; allowed: an address inside it, of its family`];
  if (isNetworkOrBroadcast(home, address)) return [`${key}: "${gateway}" is the network or broadcast address of "${home.text}"; allowed: a host address inside it`];
  return [];
}

/** A route: its next hop on-link (inside a subnet of the NAD, of the destination's family). */
function routeProblems(route: { dst: string; gw?: string }, subnets: Cidr[], path: Path): string[] {
  const dst = parseCidr(route.dst)!;
  const sameFamily = subnets.filter((subnet) => subnet.address.kind() === dst.address.kind());
  if (sameFamily.length === 0) {
    return [`${configKey([...path, "dst"])}: "${route.dst}" is ${dst.address.kind() === "ipv4" ? "IPv4" : "IPv6"} but the network has no address of that family; allowed: a destination of the network's family`];
  }
  return route.gw === undefined ? [] : gatewayProblems(route.gw, sameFamily, [...path, "gw"]);
}
