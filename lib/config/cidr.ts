import * as ipaddr from "ipaddr.js";

/** A parsed CIDR: the address family, the network address and the prefix length. */
export interface Cidr {
  readonly text: string;
  readonly address: ipaddr.IPv4 | ipaddr.IPv6;
  readonly prefix: number;
}

/**
 * Parses `a.b.c.d/n` or an IPv6 CIDR; returns undefined when it is not one. IPv4 must be four
 * decimal parts, as Go (and so Calico and flanneld) reads it: `010.0.0.0/8` or `10.1/16` are not.
 */
export function parseCidr(text: string): Cidr | undefined {
  // No CIDR is longer than an IPv6 address and prefix; longer text is not handed to the parser.
  if (typeof text !== "string" || text.length > 64) return undefined;
  // ipaddr.js parses slowly, and validation reads each CIDR several times: remember the answers
  // (a bounded memo, so a long-lived process does not grow without end).
  if (parsed.has(text)) return parsed.get(text);
  if (parsed.size >= 200_000) parsed.clear();
  const slash = text.lastIndexOf("/");
  const prefix = text.slice(slash + 1);
  const valid = slash > 0 && /^(0|[1-9][0-9]{0,2})$/.test(prefix) && Number(prefix) <= (text.includes(":") ? 128 : 32) && isIp(text.slice(0, slash));
  const result = valid ? cidrOf(text) : undefined;
  parsed.set(text, result);
  return result;
}

const parsed = new Map<string, Cidr | undefined>();

function cidrOf(text: string): Cidr {
  // The family's own parser: ipaddr.parseCIDR tries IPv6 first, slowly, for every IPv4 CIDR.
  const [address, prefix] = text.includes(":") ? ipaddr.IPv6.parseCIDR(text) : ipaddr.IPv4.parseCIDR(text);
  return { text, address, prefix };
}

/** True for a dotted-quad IPv4 (no leading zeros) or a valid IPv6 address, without prefix. */
export function isIp(text: string): boolean {
  if (typeof text !== "string" || text.length > 64) return false;
  if (!text.includes(":")) return ipaddr.IPv4.isValidFourPartDecimal(text) && !/(^|\.)0\d/.test(text);
  return ipaddr.IPv6.isValid(text);
}

/** True when `cidr` has no host bits set (`10.0.0.0/8`, not `10.0.0.1/8`). */
export function isNetworkAddress(cidr: Cidr): boolean {
  const network = cidr.address.kind() === "ipv4"
    ? ipaddr.IPv4.networkAddressFromCIDR(cidr.text)
    : ipaddr.IPv6.networkAddressFromCIDR(cidr.text);
  return network.toString() === cidr.address.toString();
}

/** True when the address lies inside the CIDR (same family only). */
export function cidrContains(cidr: Cidr, address: string): boolean {
  const host = parseCidr(`${address}/${address.includes(":") ? 128 : 32}`);
  return host !== undefined && host.address.kind() === cidr.address.kind() && host.address.match([cidr.address, cidr.prefix] as [typeof host.address, number]);
}

/** True when two CIDRs share at least one address. */
export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  if (a.address.kind() !== b.address.kind()) return false;
  return cidrContains(a, b.address.toString()) || cidrContains(b, a.address.toString());
}

/** Orders two addresses of one family numerically: negative, zero or positive. */
export function compareAddresses(a: string, b: string): number {
  const [x, y] = [ipaddr.parse(a).toByteArray(), ipaddr.parse(b).toByteArray()];
  for (let i = 0; i < Math.min(x.length, y.length); i++) if (x[i] !== y[i]) return x[i] - y[i];
  return x.length - y.length;
}
