/**
 * Reading a namespace's network state. Routes and local addresses come from /proc through the
 * project's parsers (lib/net/procnet.ts), exactly as the live verifier reads a real pod; iproute2 is
 * used only for what /proc does not show (per-interface addresses, policy rules, other tables).
 */
import { parseFibTrieLocalAddresses, parseIpAddrJson, parseProcNetRoute, type LinkAddresses, type ProcRoute } from "../../lib/net/procnet";
import { run, runIn } from "./exec";

/** The main routing table, via `cat /proc/net/route` inside the namespace. */
export function mainRoutes(netns: string): ProcRoute[] {
  return parseProcNetRoute(runIn(netns, "cat", ["/proc/net/route"]));
}

/** The main-table routes through one interface as `dst [via gw]` lines, sorted, for readable diffs. */
export function routeLines(netns: string, ifname: string): string[] {
  return mainRoutes(netns)
    .filter((r) => r.iface === ifname)
    .map((r) => `${r.destination}${r.gateway ? ` via ${r.gateway}` : ""}`)
    .sort();
}

/** Local IPv4 addresses, via `cat /proc/net/fib_trie` inside the namespace. */
export function localAddresses(netns: string): string[] {
  return parseFibTrieLocalAddresses(runIn(netns, "cat", ["/proc/net/fib_trie"]));
}

export function links(netns: string): LinkAddresses[] {
  return parseIpAddrJson(run("ip", ["-d", "-j", "-n", netns, "addr"]));
}

export function link(netns: string, ifname: string): LinkAddresses | undefined {
  return links(netns).find((l) => l.ifname === ifname);
}

/** The kernel's full answer (policy rules included) for a packet from `from` to `to`. */
export function routeGet(netns: string, to: string, from: string): { dev: string; table?: string } {
  const [route] = JSON.parse(run("ip", ["-j", "-n", netns, "route", "get", to, "from", from])) as Array<{ dev: string; table?: string }>;
  return route;
}

export function policyRules(netns: string): Array<{ priority: number; src?: string; table: string }> {
  return JSON.parse(run("ip", ["-j", "-n", netns, "rule", "show"])) as Array<{ priority: number; src?: string; table: string }>;
}

/** A policy-routing table as `dst [via gw] dev X` lines, sorted. */
export function tableRouteLines(netns: string, table: string): string[] {
  const routes = JSON.parse(run("ip", ["-j", "-4", "-n", netns, "route", "show", "table", table])) as Array<{ dst: string; gateway?: string; dev: string }>;
  return routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""} dev ${r.dev}`).sort();
}

/** The ports of a bridge with their hairpin setting. */
export function bridgePorts(netns: string, bridge: string): Array<{ ifname: string; hairpin: boolean }> {
  const ports = JSON.parse(run("ip", ["-d", "-j", "-n", netns, "link", "show", "master", bridge])) as Array<{
    ifname: string;
    linkinfo: { info_slave_data: { hairpin: boolean } };
  }>;
  return ports.map((p) => ({ ifname: p.ifname, hairpin: p.linkinfo.info_slave_data.hairpin }));
}

/** `iptables-save -t nat` inside the namespace: what the bridge plugin's ipMasq adds. */
export function natRules(netns: string): string {
  return runIn(netns, "iptables-save", ["-t", "nat"]).replace(/^#.*\n/gm, "").replace(/\[\d+:\d+\]/g, "");
}

/** The routes of one family through an interface as `dst [via gw]` lines, sorted (`ip -j route`). */
export function familyRouteLines(netns: string, family: "-4" | "-6", ifname: string): string[] {
  const routes = JSON.parse(run("ip", ["-j", family, "-n", netns, "route", "show", "dev", ifname])) as Array<{ dst: string; gateway?: string }>;
  return routes.map((r) => `${r.dst}${r.gateway ? ` via ${r.gateway}` : ""}`).sort();
}

/** A sysctl's value inside a namespace, read from /proc/sys. */
export function sysctl(netns: string, key: string): string {
  return runIn(netns, "cat", [`/proc/sys/${key.replace(/\./g, "/")}`]).trim();
}

export interface Qdisc { kind: string; dev: string; handle: string; parent?: string; options?: Record<string, unknown> }

/** Every qdisc of a namespace (`tc -j qdisc show`), without the kernel's default ones (noqueue, noop). */
export function qdiscs(netns: string): Qdisc[] {
  return (JSON.parse(run("tc", ["-j", "-n", netns, "qdisc", "show"])) as Qdisc[]).filter((q) => q.kind !== "noqueue" && q.kind !== "noop");
}

/** A link's own attributes (`ip -d -j link show`): MAC address, flags, MTU, promiscuity. */
export function linkDetails(netns: string, ifname: string): { address: string; flags: string[]; mtu: number; promiscuity: number } {
  const [details] = JSON.parse(run("ip", ["-d", "-j", "-n", netns, "link", "show", "dev", ifname])) as Array<{ address: string; flags: string[]; mtu: number; promiscuity: number }>;
  return details;
}
