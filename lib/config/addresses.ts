/**
 * Address rules for pod networks: ranges a pod network must stay out of, and finding every pair of
 * ranges that would clash on a node in O(n log n), so that a stack of 10,000 networks validates in
 * seconds.
 */
import { parseCidr, type Cidr } from "./cidr";

const specialRanges: ReadonlyArray<{ name: string; family: string; bounds: [bigint, bigint] }> = [
  ["unspecified (0.0.0.0/8)", "0.0.0.0/8"],
  ["loopback", "127.0.0.0/8"],
  ["link-local", "169.254.0.0/16"],
  ["multicast", "224.0.0.0/4"],
  ["reserved (240.0.0.0/4, with the broadcast address)", "240.0.0.0/4"],
  ["unspecified (::)", "::/128"],
  ["loopback", "::1/128"],
  ["IPv4-mapped", "::ffff:0:0/96"],
  ["link-local", "fe80::/10"],
  ["multicast", "ff00::/8"],
].map(([name, text]) => {
  const cidr = parseCidr(text)!;
  return { name, family: cidr.address.kind(), bounds: bounds(cidr) };
});

/** The first and last address of a CIDR, as numbers comparable within one family. */
function bytesValue(bytes: number[]): bigint {
  return bytes.reduce((acc, byte) => (acc << 8n) | BigInt(byte), 0n);
}

export function bounds(cidr: Cidr): [bigint, bigint] {
  const bits = cidr.address.kind() === "ipv4" ? 32 : 128;
  const value = bytesValue(cidr.address.toByteArray());
  const hostBits = BigInt(bits - cidr.prefix);
  const start = (value >> hostBits) << hostBits;
  return [start, start + (1n << hostBits) - 1n];
}

/** An address as a number (its bytes, big-endian). */
export function addressValue(address: string): bigint {
  return bytesValue(parseCidr(`${address}/${address.includes(":") ? 128 : 32}`)!.address.toByteArray());
}


/** The special range a pod network or address must not touch ("all addresses" for a /0), or undefined. */
export function specialRangeOf(cidr: Cidr | undefined): string | undefined {
  if (!cidr) return undefined;
  if (cidr.prefix === 0) return "all-addresses (/0)";
  const [start, end] = bounds(cidr);
  return specialRanges.find((special) => special.family === cidr.address.kind() && special.bounds[0] <= end && start <= special.bounds[1])?.name;
}

/** Addresses that take part in an overlap check; ranges of one `group` may overlap each other. */
export interface AddressRange {
  family: "ipv4" | "ipv6";
  start: bigint;
  end: bigint;
  /** As the config writes it: `10.1.0.0/24`, `10.1.0.10-10.1.0.49`. */
  text: string;
  /** Config key of the value, e.g. `multinet:networks[1].ipam.ranges[0].subnet`. */
  key: string;
  group: string;
  /** Declaration order: the later range of a clashing pair carries the error. */
  order: number;
}

/**
 * Pairs of ranges (of different groups) that share addresses: at least one pair for every range
 * that overlaps another, found by one sweep over the ranges sorted by start. Each range is paired
 * with the range seen so far that reaches furthest (or the furthest of another group), so the
 * result has at most one pair per range even when thousands overlap.
 */
export function overlappingPairs(ranges: readonly AddressRange[]): Array<[AddressRange, AddressRange]> {
  const pairs: Array<[AddressRange, AddressRange]> = [];
  for (const family of ["ipv4", "ipv6"]) {
    const sorted = ranges.filter((r) => r.family === family)
      .sort((a, b) => (a.start < b.start ? -1 : a.start > b.start ? 1 : a.order - b.order));
    let furthest: AddressRange | undefined;
    let furthestOtherGroup: AddressRange | undefined;
    for (const range of sorted) {
      const partner = furthest && furthest.group !== range.group ? furthest : furthestOtherGroup;
      if (partner && partner.end >= range.start) pairs.push(partner.order < range.order ? [partner, range] : [range, partner]);
      if (!furthest || range.end > furthest.end) {
        if (furthest && furthest.group !== range.group) furthestOtherGroup = furthest;
        furthest = range;
      } else if (range.group !== furthest.group && (!furthestOtherGroup || range.end > furthestOtherGroup.end)) {
        furthestOtherGroup = range;
      }
    }
  }
  return pairs;
}

/** True for the network or broadcast address of an IPv4 `cidr` up to /30 (no host can use them). */
export function isNetworkOrBroadcast(cidr: Cidr, address: string): boolean {
  const [start, end] = bounds(cidr);
  const value = addressValue(address);
  return cidr.address.kind() === "ipv4" && cidr.prefix <= 30 && (value === start || value === end);
}
