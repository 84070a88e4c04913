/**
 * Pure parsers for the kernel's own view of a network namespace, so a pod's routes and addresses
 * can be checked from `cat /proc/net/...` alone: every pod image has /proc, few have iproute2.
 * The live verifier (lib/verify/) uses parseProcNetRoute only; the data-plane suite uses all of
 * them (parseFibTrieLocalAddresses and parseIpAddrJson serve it alone).
 *
 * IPv4 only: /proc/net/route and /proc/net/fib_trie have no IPv6 content. /proc/net/route's hex is
 * host-endian; the parser assumes a little-endian host (x86_64, arm64), see hexToIpv4.
 */
import * as ipaddr from "ipaddr.js";

/** The RTF_* bits the kernel sets in /proc/net/route (fib_flag_trans in net/ipv4/fib_trie.c). */
const routeFlagBits = { up: 0x1, gateway: 0x2, host: 0x4, reject: 0x200 } as const;
export type RouteFlag = keyof typeof routeFlagBits;

export interface ProcRoute {
  /** Output device; `*` for routes without one (blackhole, unreachable, prohibit). */
  iface: string;
  /** Destination as a CIDR, e.g. `10.244.0.0/16`; the default route is `0.0.0.0/0`. */
  destination: string;
  /** Next hop; undefined for on-link routes. */
  gateway?: string;
  metric: number;
  flags: RouteFlag[];
}

/**
 * /proc/net/route prints each address as the hex of its in-memory (network order) bytes read as a
 * native 32-bit integer; on little-endian hosts (x86_64, arm64) the last hex pair is the first octet.
 * Little-endian is assumed: on a big-endian host (s390x, some ppc64) the octets would come out reversed.
 */
function hexToIpv4(hex: string): string {
  if (!/^[0-9A-Fa-f]{8}$/.test(hex)) throw new Error(`not an 8-digit hex address: "${hex}"`);
  const value = parseInt(hex, 16);
  return [value & 0xff, (value >>> 8) & 0xff, (value >>> 16) & 0xff, value >>> 24].join(".");
}

/**
 * Parses /proc/net/route: the main routing table only (policy-routing tables, e.g. those the sbr
 * plugin fills, do not appear), first next hop only for multipath routes.
 */
export function parseProcNetRoute(text: string): ProcRoute[] {
  const routes: ProcRoute[] = [];
  text.split("\n").forEach((line, index) => {
    if (line.trim() === "" || line.startsWith("Iface")) return;
    const fields = line.trim().split(/\s+/);
    if (fields.length < 8) throw new Error(`/proc/net/route line ${index + 1}: expected at least 8 fields: "${line}"`);
    const [iface, destination, gateway, flagsHex, , , metric, mask] = fields;
    const prefix = ipaddr.IPv4.parse(hexToIpv4(mask)).prefixLengthFromSubnetMask();
    if (prefix === null) throw new Error(`/proc/net/route line ${index + 1}: non-contiguous mask ${mask}`);
    const flagBits = parseInt(flagsHex, 16);
    const gatewayIp = hexToIpv4(gateway);
    routes.push({
      iface,
      destination: `${hexToIpv4(destination)}/${prefix}`,
      ...(gatewayIp !== "0.0.0.0" ? { gateway: gatewayIp } : {}),
      metric: Number(metric),
      flags: (Object.keys(routeFlagBits) as RouteFlag[]).filter((flag) => flagBits & routeFlagBits[flag]),
    });
  });
  return routes;
}

/**
 * The route the main table picks for `ip`: longest prefix first, then lowest metric. Reject routes
 * are returned like any other (check `flags`); undefined when nothing matches.
 */
export function routeFor(routes: readonly ProcRoute[], ip: string): ProcRoute | undefined {
  const address = ipaddr.IPv4.parse(ip);
  let best: { route: ProcRoute; prefix: number } | undefined;
  for (const route of routes) {
    if (!route.flags.includes("up")) continue;
    const [network, prefix] = ipaddr.IPv4.parseCIDR(route.destination);
    if (!address.match(network, prefix)) continue;
    if (!best || prefix > best.prefix || (prefix === best.prefix && route.metric < best.route.metric)) best = { route, prefix };
  }
  return best?.route;
}

/**
 * The namespace's local IPv4 addresses (those marked `/32 host LOCAL`) from /proc/net/fib_trie, in
 * order of appearance, without duplicates. fib_trie names no interface; pair an address with the
 * interface whose on-link route covers it (/proc/net/route) when that is needed.
 */
export function parseFibTrieLocalAddresses(text: string): string[] {
  const locals = new Set<string>();
  let leaf: string | undefined;
  for (const line of text.split("\n")) {
    const entry = /^\s*\/(\d+) (\w+) (\w+)/.exec(line);
    if (!entry) {
      // A leaf (`|-- 10.0.0.1`) starts a list of entries; inner nodes and table headers end it.
      leaf = /^\s*\|-- (\S+)$/.exec(line)?.[1];
    } else if (leaf && entry[1] === "32" && entry[2] === "host" && entry[3] === "LOCAL") {
      locals.add(leaf);
    }
  }
  return [...locals];
}

export interface LinkAddresses {
  ifname: string;
  mtu: number;
  /** `linkinfo.info_kind` (macvlan, veth, bridge…) when `ip -d` printed it. */
  kind?: string;
  /** IPv4 addresses as CIDRs, e.g. `172.30.1.10/24`. */
  ipv4: string[];
  /** IPv6 addresses as CIDRs, link-local ones included. */
  ipv6: string[];
}

interface IpAddrJson {
  ifname: string;
  mtu: number;
  linkinfo?: { info_kind?: string };
  addr_info?: Array<{ family: string; local: string; prefixlen: number }>;
}

/** Parses `ip -j addr` (optionally `-d`) output; for pods that have iproute2. */
export function parseIpAddrJson(text: string): LinkAddresses[] {
  const links = JSON.parse(text) as IpAddrJson[];
  if (!Array.isArray(links)) throw new Error("ip -j addr output is not a JSON array");
  return links.map((link) => {
    const cidrs = (family: string) => (link.addr_info ?? []).filter((a) => a.family === family).map((a) => `${a.local}/${a.prefixlen}`);
    return {
      ifname: link.ifname,
      mtu: link.mtu,
      ...(link.linkinfo?.info_kind ? { kind: link.linkinfo.info_kind } : {}),
      ipv4: cidrs("inet"),
      ipv6: cidrs("inet6"),
    };
  });
}
