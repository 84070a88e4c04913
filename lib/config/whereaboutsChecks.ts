/**
 * Checks of whereabouts IPAM that span keys: addresses inside the range where whereabouts would
 * otherwise ignore them, a gateway it would hand out, pools that would hand out one address twice,
 * and the deployment it needs. Rules read from whereabouts v0.9.4 (commit 3a262bd0).
 */
import { cidrContains, cidrsOverlap, compareAddresses, parseCidr, type Cidr } from "./cidr";
import { configKey, type Path } from "./errors";
import { ipamOf, type StackConfig } from "./schema";
import type { WhereaboutsIpamConfig } from "./whereaboutsIpam";

/** The usable addresses of a range: without network and broadcast (pkg/iphelpers/iphelpers.go:123-143). */
function usable(range: Cidr): { first: bigint; last: bigint } {
  const bits = range.address.kind() === "ipv4" ? 32 : 128;
  const network = toBigInt(range.address.toString()) & ~((1n << BigInt(bits - range.prefix)) - 1n);
  return { first: network + 1n, last: network + (1n << BigInt(bits - range.prefix)) - 2n };
}

function toBigInt(address: string): bigint {
  const parsed = parseCidr(`${address}/${address.includes(":") ? 128 : 32}`)!;
  return parsed.address.toByteArray().reduce((value, byte) => (value << 8n) | BigInt(byte), 0n);
}

function excludeCidr(entry: string): Cidr {
  return parseCidr(entry) ?? parseCidr(`${entry}/${entry.includes(":") ? 128 : 32}`)!;
}

/** Problems of one whereabouts IPAM, at `key` (`["networks", i, "ipam"]`). */
export function whereaboutsIpamProblems(ipam: WhereaboutsIpamConfig, key: Path): string[] {
  const problems: string[] = [];
  const range = parseCidr(ipam.range)!;
  const bits = range.address.kind() === "ipv4" ? 32 : 128;
  // No usable address in /31, /32, /127, /128 (iphelpers.go:139-143): every ADD would fail.
  if (bits - range.prefix < 2) {
    return [`${configKey([...key, "range"])}: "${ipam.range}" has no address whereabouts hands out (it skips the network and broadcast addresses); allowed: a prefix of at most /${bits - 2}`];
  }
  const { first, last } = usable(range);
  // range_start/range_end outside the usable range are silently ignored (iphelpers.go:250-266).
  for (const field of ["range_start", "range_end", "gateway"] as const) {
    const address = ipam[field];
    if (address === undefined) continue;
    if (!cidrContains(range, address)) {
      problems.push(`${configKey([...key, field])}: "${address}" is outside the range "${ipam.range}"; allowed: an address inside it`);
    } else if (field !== "gateway" && (toBigInt(address) < first || toBigInt(address) > last)) {
      problems.push(`${configKey([...key, field])}: "${address}" is the network or broadcast address of "${ipam.range}", which whereabouts ignores here; allowed: an address between them`);
    }
  }
  if (ipam.range_start && ipam.range_end && compareAddresses(ipam.range_start, ipam.range_end) > 0) {
    problems.push(`${configKey([...key, "range_end"])}: "${ipam.range_end}" comes before range_start "${ipam.range_start}" (whereabouts would ignore it and hand out up to the end of the range); allowed: an address at or after range_start`);
  }
  const excludes = ipam.exclude.map(excludeCidr);
  excludes.forEach((exclude, e) => {
    if (!cidrsOverlap(exclude, range)) {
      problems.push(`${configKey([...key, "exclude", e])}: "${ipam.exclude[e]}" is outside the range "${ipam.range}" and excludes nothing; allowed: a CIDR or address inside it`);
    }
  });
  // allocate.go:114-129 skips only reserved and excluded addresses, never the gateway.
  if (ipam.gateway && cidrContains(range, ipam.gateway)) {
    const gateway = toBigInt(ipam.gateway);
    const start = ipam.range_start ? toBigInt(ipam.range_start) : first;
    const end = ipam.range_end ? toBigInt(ipam.range_end) : last;
    if (gateway >= start && gateway <= end && !excludes.some((exclude) => cidrContains(exclude, ipam.gateway!))) {
      problems.push(`${configKey([...key, "gateway"])}: "${ipam.gateway}" lies between the first and last address whereabouts hands out and is not excluded, so a pod would get the gateway's address; allowed: a gateway outside range_start..range_end, or listed in ${configKey([...key, "exclude"])}`);
    }
  }
  return problems;
}

/**
 * Whereabouts NADs whose ranges overlap hand out one address twice unless they draw from one pool
 * (same network_name and range, ipam.go:106-122) or reserve addresses cluster-wide in one
 * namespace of reservations: enable_overlapping_ranges on both and the same network_name, which
 * prefixes the reservation's name (ipam.go:345-356, used at 644 and 699). Also: whereabouts must be
 * deployed.
 */
export function whereaboutsStackProblems({ networks, whereabouts }: Partial<StackConfig>): string[] {
  const problems: string[] = [];
  const users = (networks ?? []).flatMap((network, i) => {
    const ipam = ipamOf(network);
    return ipam?.type === "whereabouts" ? [{ i, ipam }] : [];
  });
  if (whereabouts && !whereabouts.enabled) {
    for (const { i } of users) {
      problems.push(`${configKey(["networks", i, "ipam", "type"])}: "whereabouts" but ${configKey(["whereabouts", "enabled"])} is false; allowed: enable whereabouts, or host-local or static IPAM`);
    }
  }
  // Another IPAM drawing from a whereabouts range knows nothing of whereabouts' reservations.
  (networks ?? []).forEach((network, j) => {
    const ipam = ipamOf(network);
    if (!ipam || ipam.type === "whereabouts") return;
    const others = ipam.type === "host-local"
      ? ipam.ranges.map((range, r) => ({ cidr: range.subnet, key: ["networks", j, "ipam", "ranges", r, "subnet"] }))
      : (ipam.addresses ?? []).map((address, a) => ({ cidr: address.address, key: ["networks", j, "ipam", "addresses", a, "address"] }));
    for (const other of others) {
      for (const user of users.filter((u) => cidrsOverlap(parseCidr(u.ipam.range)!, parseCidr(other.cidr)!))) {
        problems.push(`${configKey(other.key)}: "${other.cidr}" overlaps the whereabouts range ${configKey(["networks", user.i, "ipam", "range"])} "${user.ipam.range}", whose reservations ${ipam.type} does not see; allowed: addresses outside every whereabouts range`);
      }
    }
  });
  users.forEach((a, index) => {
    for (const b of users.slice(index + 1)) {
      const [ra, rb] = [parseCidr(a.ipam.range)!, parseCidr(b.ipam.range)!];
      if (!cidrsOverlap(ra, rb)) continue;
      const sameName = (a.ipam.network_name ?? "") === (b.ipam.network_name ?? "");
      const samePool = sameName && ra.text === rb.text;
      const sharedReservations = sameName && a.ipam.enable_overlapping_ranges && b.ipam.enable_overlapping_ranges;
      if (!samePool && !sharedReservations) {
        problems.push(`${configKey(["networks", b.i, "ipam", "range"])}: "${b.ipam.range}" overlaps ${configKey(["networks", a.i, "ipam", "range"])} "${a.ipam.range}" in another whereabouts pool, so both could hand out one address; allowed: ranges apart, or the same network_name with enable_overlapping_ranges on both`);
      }
    }
  });
  return problems;
}
