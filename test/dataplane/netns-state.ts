/**
 * The suite's root-namespace safety check: a snapshot of a namespace's network state, reduced to
 * what the lab could have changed, compared before and after as readable lines.
 *
 * Read: `ip -j addr`, `ip -j route show table all` (IPv4 and IPv6), `ip -j rule`, `iptables-save` and
 * net.ipv4.ip_forward. Kept, and compared: only the lab's footprint —
 *   - links named like the lab's links or the plugins' bridges (br0, to-a…, cni0, br-hl, net1…), or
 *     enslaved to one, with all their addresses;
 *   - addresses and routes (any table, IPv4 and IPv6), IPv4 policy rules and iptables rules that mention an address
 *     inside the lab's networks (its fabrics, the Calico stand-in's pod CIDRs, every CIDR in
 *     stack.yaml), routes and rules through a lab link, and sbr's table 100;
 *   - iptables chains such a rule jumps to or lives in (the bridge plugin's CNI-… masquerade chain);
 *   - net.ipv4.ip_forward (the lab and the ptp/bridge plugins set it, per namespace).
 * Dropped, because they change on their own: iptables-save's `#` lines and `[packets:bytes]`
 * counters, address lifetimes, route flags (linkdown), expiry and preference, link state.
 * Everything else in the root namespace — the host's NICs, IPv6 autoconfiguration, DHCP, docker's or
 * a VPN's links, routes, rules and chains — belongs to other processes that may change it while
 * the suite runs, so comparing it would make the check flaky without catching anything the lab does:
 * whatever a lab command run in the wrong namespace would create carries a lab name or a lab address.
 */
import * as ipaddr from "ipaddr.js";
import { run } from "./exec";

export interface Footprint {
  /** Every network (IPv4 or IPv6) the lab or its stack config uses. */
  readonly cidrs: readonly string[];
  /** True for names of links the lab or its plugins create. */
  isLabLink(name: string): boolean;
}

/** The raw outputs a snapshot is made of. */
export interface RawState {
  addr: string;
  routes: string;
  rules: string;
  iptables: string;
  ipForward: string;
}

/** sbr's routing table (sbr 1.1.1 ignores a `table` option and always starts at 100). */
const sbrTable = "100";
const builtinChains = new Set(["PREROUTING", "INPUT", "FORWARD", "OUTPUT", "POSTROUTING"]);
const ipv4Token = /\d{1,3}(?:\.\d{1,3}){3}(?:\/\d{1,2})?/g;

/** Reads a namespace's state: the root namespace (the one the suite runs in) when `netns` is not given. */
export function readState(netns?: string): RawState {
  const ip = (args: string[]) => run("ip", netns ? ["-n", netns, ...args] : args);
  const exec = (command: string, args: string[]) => (netns ? run("ip", ["netns", "exec", netns, command, ...args]) : run(command, args));
  return {
    addr: ip(["-j", "addr", "show"]),
    // IPv4 and IPv6 routes in one list: the lab's pods have IPv6 addresses and routes too.
    routes: JSON.stringify([...JSON.parse(ip(["-j", "route", "show", "table", "all"])), ...JSON.parse(ip(["-j", "-6", "route", "show", "table", "all"]))]),
    rules: ip(["-j", "rule", "show"]),
    iptables: exec("iptables-save", []),
    ipForward: exec("cat", ["/proc/sys/net/ipv4/ip_forward"]),
  };
}

function inFootprint(footprint: Footprint, value: string | undefined): boolean {
  if (value === undefined) return false;
  const [address, length] = value.split("/");
  const ipv4 = ipaddr.IPv4.isValidFourPartDecimal(address);
  if (!ipv4 && !(address.includes(":") && ipaddr.IPv6.isValid(address))) return false;
  const parsed = ipaddr.parse(address);
  const prefix = length === undefined ? (ipv4 ? 32 : 128) : Number(length);
  return footprint.cidrs.some((cidr) => {
    const [network, bits] = ipaddr.parseCIDR(cidr);
    return network.kind() === parsed.kind() && prefix >= bits && parsed.match(network, bits);
  });
}

/** `key=value` pairs of a JSON object, volatile keys left out, for one readable line. */
function pairs(entry: Record<string, unknown>, omit: readonly string[]): string {
  return Object.entries(entry)
    .filter(([key]) => !omit.includes(key))
    .map(([key, value]) => `${key}=${typeof value === "object" ? JSON.stringify(value) : String(value)}`)
    .join(" ");
}

interface IpLink {
  ifname: string;
  master?: string;
  mtu?: number;
  addr_info?: Array<{ family: string; local: string; prefixlen: number; scope?: string }>;
}

function addrLines(json: string, footprint: Footprint): string[] {
  const lines: string[] = [];
  for (const link of JSON.parse(json) as IpLink[]) {
    const labLink = footprint.isLabLink(link.ifname) || (link.master !== undefined && footprint.isLabLink(link.master));
    if (labLink) lines.push(`link ${link.ifname}${link.master ? ` master ${link.master}` : ""} mtu ${String(link.mtu)}`);
    for (const a of link.addr_info ?? []) {
      if (labLink || inFootprint(footprint, a.local)) {
        lines.push(`addr ${link.ifname} ${a.family} ${a.local}/${a.prefixlen} scope ${a.scope ?? "?"}`);
      }
    }
  }
  return lines;
}

interface Hop {
  gateway?: string;
  dev?: string;
}

function routeLines(json: string, footprint: Footprint): string[] {
  const routes = JSON.parse(json) as Array<Record<string, unknown> & Hop & { dst?: string; table?: string; prefsrc?: string; nexthops?: Hop[] }>;
  return routes
    .filter((route) => {
      const hops: Hop[] = [route, ...(route.nexthops ?? [])];
      return (
        route.table === sbrTable ||
        inFootprint(footprint, route.dst) ||
        inFootprint(footprint, route.prefsrc) ||
        hops.some((hop) => inFootprint(footprint, hop.gateway) || (hop.dev !== undefined && footprint.isLabLink(hop.dev)))
      );
    })
    .map((route) => {
      const nexthops = (route.nexthops ?? []).map((hop) => `${hop.gateway ?? "-"}@${hop.dev ?? "-"}`).join(",");
      return `route table=${route.table ?? "main"} ${pairs(route, ["table", "flags", "expires", "pref", "nexthops"])}${nexthops ? ` nexthops=${nexthops}` : ""}`;
    });
}

function ruleLines(json: string, footprint: Footprint): string[] {
  const rules = JSON.parse(json) as Array<Record<string, unknown> & { src?: string; dst?: string; table?: string; iif?: string; oif?: string }>;
  return rules
    .filter(
      (rule) =>
        rule.table === sbrTable ||
        inFootprint(footprint, rule.src) ||
        inFootprint(footprint, rule.dst) ||
        [rule.iif, rule.oif].some((name) => name !== undefined && footprint.isLabLink(name)),
    )
    .map((rule) => `rule ${pairs(rule, ["flags"])}`);
}

/** Rules mentioning a lab address, plus the chains they live in or jump to (and those chains' rules). */
function iptablesLines(text: string, footprint: Footprint): string[] {
  const entries: Array<{ table: string; chain: string; target?: string; line: string }> = [];
  let table = "";
  for (const raw of text.split("\n")) {
    const line = raw.replace(/\s*\[\d+:\d+\]/g, "").trimEnd();
    if (line === "" || line.startsWith("#") || line === "COMMIT") continue;
    if (line.startsWith("*")) table = line.slice(1);
    else if (line.startsWith(":")) entries.push({ table, chain: line.slice(1).split(" ")[0], line });
    else if (line.startsWith("-A ")) entries.push({ table, chain: line.split(" ")[1], target: /\s-[jg]\s+(\S+)/.exec(line)?.[1], line });
  }
  const wanted = new Set<string>();
  const key = (t: string, chain: string) => `${t} ${chain}`;
  const mentionsLab = (line: string) => (line.match(ipv4Token) ?? []).some((token) => inFootprint(footprint, token));
  const keep = new Set(entries.filter((e) => e.line.startsWith("-A ") && mentionsLab(e.line)));
  // Close over user chains: a kept rule's own chain and its target, then their rules. Each pass
  // adds at least one chain or stops, so there are at most as many passes as entries.
  for (let pass = 0; pass <= entries.length; pass++) {
    const before = wanted.size;
    for (const e of keep) {
      for (const chain of [e.chain, e.target]) if (chain && !builtinChains.has(chain)) wanted.add(key(e.table, chain));
    }
    for (const e of entries) if (wanted.has(key(e.table, e.chain))) keep.add(e);
    if (wanted.size === before) break;
  }
  return entries.filter((e) => keep.has(e)).map((e) => `iptables ${e.table} ${e.line}`);
}

/** The footprint of a raw snapshot, as sorted lines. */
export function stateLines(raw: RawState, footprint: Footprint): string[] {
  return [
    ...addrLines(raw.addr, footprint),
    ...routeLines(raw.routes, footprint),
    ...ruleLines(raw.rules, footprint),
    ...iptablesLines(raw.iptables, footprint),
    `sysctl net.ipv4.ip_forward=${raw.ipForward.trim()}`,
  ].sort();
}

/** `- line` for what went, `+ line` for what came (duplicates counted); empty when equal. */
export function diffLines(before: readonly string[], after: readonly string[]): string[] {
  const remaining = new Map<string, number>();
  for (const line of before) remaining.set(line, (remaining.get(line) ?? 0) + 1);
  const added: string[] = [];
  for (const line of after) {
    const count = remaining.get(line) ?? 0;
    if (count > 0) remaining.set(line, count - 1);
    else added.push(`+ ${line}`);
  }
  const removed = [...remaining].flatMap(([line, count]) => Array<string>(count).fill(`- ${line}`));
  return [...removed, ...added];
}
