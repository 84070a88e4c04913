/**
 * Address checks across keys. Two sweeps find every pair that would clash on a node:
 * - networks: Calico pools, the Flannel network, NAD subnets and static addresses, the sample pod's
 *   own addresses. NADs on one segment (macvlan on one master, one bridge) may share a subnet;
 *   anything else that overlaps would give a pod or node two routes for the same addresses;
 * - addresses handed out: each host-local range's pool (rangeStart–rangeEnd; host-local keeps one
 *   store per NAD, so two NADs with overlapping pools hand out the same address), static addresses
 *   and the sample pod's addresses. host-local also refuses a NAD whose range sets overlap
 *   (containernetworking/plugins v1.9.1 plugins/ipam/host-local/backend/allocator/config.go).
 * Pod networks stay out of special ranges; gateways and route next hops lie inside a subnet of
 * their family, where the kernel can reach them (it refuses a next hop that is not on-link:
 * "Nexthop has invalid gateway").
 */
import { addressValue, bounds, isNetworkOrBroadcast, overlappingPairs, specialRangeOf, type AddressRange } from "./addresses";
import { cidrContains, parseCidr, type Cidr } from "./cidr";
import { configKey, type Path } from "./errors";
import { nadReference, podChoosesAddresses } from "./references";
import { ipamOf, type NetworkConfig, type StackConfig } from "./schema";

/** What a range is: a pool, the Flannel network, a NAD subnet, or a pod's own address with its subnet. */
type Kind = "calico" | "flannel" | "nad" | "address";

/** The L2 segment a NAD joins on a node: NADs on one segment may share a subnet. */
function segmentOf(network: NetworkConfig, index: number): string {
  if ("master" in network && typeof network.master === "string") return `master:${network.master}`;
  if ("bridge" in network && typeof network.bridge === "string") return `bridge:${network.bridge}`;
  return `network:${index}`;
}

function overlapMessage(later: AddressRange, earlier: AddressRange & { kind?: Kind }, what: string): string {
  const head = `${later.key}: "${later.text}" overlaps`;
  if (earlier.kind === "calico") return `${head} the Calico pool ${earlier.key} "${earlier.text}"; pods would get duplicate addresses. Allowed: a range outside every Calico pool`;
  if (earlier.kind === "flannel") return `${head} ${earlier.key} "${earlier.text}"; allowed: a subnet outside the Flannel network`;
  return `${head} ${earlier.key} "${earlier.text}"; ${what}`;
}

export function addressProblems({ flannel, calico, networks, samplePod }: Partial<StackConfig>): string[] {
  const problems: string[] = [];
  const subnets: Array<AddressRange & { kind: Kind }> = [];
  const handedOut: AddressRange[] = [];
  const asRange = (cidr: Cidr, text: string, path: Path, group: string, order: number): AddressRange => {
    const [start, end] = bounds(cidr);
    return { family: cidr.address.kind(), start, end, text, key: configKey(path), group, order };
  };
  const addSubnet = (text: string, path: Path, group: string, kind: Kind) => {
    const cidr = parseCidr(text)!;
    const special = specialRangeOf(cidr);
    if (special) problems.push(`${configKey(path)}: "${text}" touches the ${special} range; allowed: a unicast range for pods`);
    // A pod's own address (static, or named by the pod) cannot be its subnet's network or broadcast address.
    const host = text.slice(0, text.lastIndexOf("/"));
    if (kind === "address" && isNetworkOrBroadcast(cidr, host)) {
      problems.push(`${configKey(path)}: "${text}" is the network or broadcast address of its subnet; allowed: a host address`);
    }
    subnets.push({ ...asRange(cidr, text, path, group, subnets.length), kind });
  };
  const addHandedOut = (family: "ipv4" | "ipv6", [start, end]: [bigint, bigint], text: string, path: Path) => {
    handedOut.push({ family, start, end, text, key: configKey(path), group: `${handedOut.length}`, order: handedOut.length });
  };

  calico?.poolCidrs.forEach((pool, i) => addSubnet(pool, ["calico", "poolCidrs", i], "calico", "calico"));
  if (flannel?.enabled) addSubnet(flannel.network, ["flannel", "network"], "flannel", "flannel");
  const segments = new Map<string, string>();
  networks?.forEach((network, i) => {
    // Only IPAM multinet writes has addresses to check (not flannel's, a raw config's, or host-device without IPAM).
    const ipam = ipamOf(network);
    if (!ipam) return;
    const segment = segmentOf(network, i);
    segments.set(nadReference(network, network.namespace), segment);
    const nadSubnets: Cidr[] = [];
    const ipamPath = ["networks", i, "ipam"];
    if (ipam.type === "static") {
      ipam.addresses?.forEach(({ address, gateway }, a) => {
        const path = [...ipamPath, "addresses", a];
        addSubnet(address, [...path, "address"], segment, "address");
        const ip = addressValue(address.slice(0, address.lastIndexOf("/")));
        addHandedOut(parseCidr(address)!.address.kind(), [ip, ip], address, [...path, "address"]);
        nadSubnets.push(parseCidr(address)!);
        if (gateway !== undefined) problems.push(...gatewayProblems(gateway, [parseCidr(address)!], [...path, "gateway"]));
      });
    } else if (ipam.type === "whereabouts") {
      // A NAD subnet like any other; what whereabouts hands out is checked in whereaboutsChecks.ts
      // (its pools are cluster-wide and may be shared by NADs).
      addSubnet(ipam.range, [...ipamPath, "range"], segment, "nad");
      nadSubnets.push(parseCidr(ipam.range)!);
    } else {
      ipam.ranges.forEach((range, r) => {
        const path = [...ipamPath, "ranges", r];
        const subnet = parseCidr(range.subnet)!;
        addSubnet(range.subnet, [...path, "subnet"], segment, "nad");
        nadSubnets.push(subnet);
        const pool = range.rangeStart || range.rangeEnd ? `${range.rangeStart ?? ""}-${range.rangeEnd ?? ""}` : range.subnet;
        addHandedOut(subnet.address.kind(), poolOf(subnet, range), pool, [...path, range.rangeStart || range.rangeEnd ? "rangeStart" : "subnet"]);
        if (range.gateway !== undefined) problems.push(...gatewayProblems(range.gateway, [subnet], [...path, "gateway"]));
      });
    }
    if (!podChoosesAddresses(network)) {
      ipam.routes.forEach((route, r) => problems.push(...routeProblems(route, nadSubnets, [...ipamPath, "routes", r])));
    }
  });
  if (samplePod?.enabled) {
    samplePod.networks.forEach((ref, i) => ref.ips?.forEach((ip, k) => {
      const path = ["samplePod", "networks", i, "ips", k];
      addSubnet(ip, path, segments.get(nadReference(ref, samplePod.namespace)) ?? `samplePod:${i}`, "address");
      const address = addressValue(ip.slice(0, ip.lastIndexOf("/")));
      addHandedOut(parseCidr(ip)!.address.kind(), [address, address], ip, path);
    }));
  }

  for (const [earlier, later] of overlappingPairs(subnets)) {
    problems.push(overlapMessage(later, earlier, "they are on different segments (parent NIC or bridge), so a pod or node with both would route the shared addresses two ways. Allowed: ranges that do not overlap, or the same parent"));
  }
  for (const [earlier, later] of overlappingPairs(handedOut)) {
    problems.push(`${later.key}: hands out ${later.text}, which ${earlier.key} hands out too (${earlier.text}); pods would get duplicate addresses. Allowed: disjoint rangeStart–rangeEnd pools and static addresses outside them`);
  }
  return problems;
}

/**
 * The addresses host-local hands out from a range: rangeStart to rangeEnd, by default the
 * subnet's first host to its last (IPv4: the broadcast address excluded), as host-local's
 * Range.Canonicalize sets them (plugins/ipam/host-local/backend/allocator/range.go).
 */
function poolOf(subnet: Cidr, range: { rangeStart?: string; rangeEnd?: string }): [bigint, bigint] {
  const [start, end] = bounds(subnet);
  const lastHost = subnet.address.kind() === "ipv4" && subnet.prefix <= 30 ? end - 1n : end;
  return [range.rangeStart ? addressValue(range.rangeStart) : start + 1n, range.rangeEnd ? addressValue(range.rangeEnd) : lastHost];
}

/** A gateway: inside one of `subnets` (so of its family), not their network or broadcast address. */
function gatewayProblems(gateway: string, subnets: Cidr[], path: Path): string[] {
  const key = configKey(path);
  const home = subnets.find((subnet) => cidrContains(subnet, gateway));
  if (!home) return [`${key}: "${gateway}" is outside the subnet${subnets.length === 1 ? "" : "s"} ${subnets.map((s) => `"${s.text}"`).join(", ")}; allowed: an address inside it, of its family`];
  if (isNetworkOrBroadcast(home, gateway)) return [`${key}: "${gateway}" is the network or broadcast address of "${home.text}"; allowed: a host address inside it`];
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
