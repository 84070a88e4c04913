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
  if (typeof text !== "string" || text.length > 64 || !ipaddr.isValidCIDR(text)) return undefined;
  if (!isIp(text.slice(0, text.lastIndexOf("/")))) return undefined;
  const [address, prefix] = ipaddr.parseCIDR(text);
  return { text, address, prefix };
}

/** True for a dotted-quad IPv4 (no leading zeros) or a valid IPv6 address, without prefix. */
export function isIp(text: string): boolean {
  if (typeof text !== "string" || text.length > 64) return false;
  if (ipaddr.IPv4.isValidFourPartDecimal(text)) return !/(^|\.)0\d/.test(text);
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
  if (!ipaddr.isValid(address)) return false;
  const parsed = ipaddr.parse(address);
  return parsed.kind() === cidr.address.kind() && parsed.match([cidr.address, cidr.prefix] as [typeof parsed, number]);
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
