/**
 * Judging a pod's main routing table (parsed by lib/net/procnet.ts from `cat /proc/net/route`): which
 * interface a whole destination network leaves through.
 */
import * as ipaddr from "ipaddr.js";
import type { ProcRoute } from "../net/procnet";

interface ParsedRoute {
  route: ProcRoute;
  network: ipaddr.IPv4;
  prefix: number;
}

function parsed(routes: readonly ProcRoute[]): ParsedRoute[] {
  return routes
    .filter((route) => route.flags.includes("up"))
    .map((route) => {
      const [network, prefix] = ipaddr.IPv4.parseCIDR(route.destination);
      return { route, network, prefix };
    });
}

/** `10.244.0.0/16 via 10.244.1.1 dev net2`, as `ip route` would print it. */
export function describeRoute(route: ProcRoute): string {
  const destination = route.destination === "0.0.0.0/0" ? "default" : route.destination;
  if (route.flags.includes("reject")) return `${destination} (reject)`;
  // Blackhole routes have no device and no reject flag in /proc/net/route.
  if (route.iface === "*") return `${destination} (blackhole)`;
  return `${destination}${route.gateway ? ` via ${route.gateway}` : ""} dev ${route.iface}${route.metric ? ` metric ${route.metric}` : ""}`;
}

export interface RouteJudgement {
  ok: boolean;
  /** The route that carries the whole network, if any. */
  route?: ProcRoute;
  detail: string;
}

/**
 * Whether every address of `cidr` (IPv4) leaves through `ifname`: the most specific route that
 * covers the whole network must use it, and no more specific route inside the network may use
 * another interface. Longest prefix first, then lowest metric, as the kernel picks.
 */
export function networkRoutedVia(routes: readonly ProcRoute[], cidr: string, ifname: string): RouteJudgement {
  const [target, targetPrefix] = ipaddr.IPv4.parseCIDR(cidr);
  const all = parsed(routes);
  const covering = all
    .filter((r) => r.prefix <= targetPrefix && target.match(r.network, r.prefix))
    .sort((a, b) => b.prefix - a.prefix || a.route.metric - b.route.metric)[0];
  const inner = all.filter((r) => r.prefix > targetPrefix && r.network.match(target, targetPrefix));
  const strays = inner.filter((r) => r.route.iface !== ifname || r.route.flags.includes("reject"));

  if (!covering) {
    const partial = inner.length ? `; only parts of it are routed: ${inner.map((r) => describeRoute(r.route)).join(", ")}` : "";
    return { ok: false, detail: `no route covers ${cidr}${partial}` };
  }
  if (covering.route.iface !== ifname || covering.route.flags.includes("reject")) {
    return { ok: false, route: covering.route, detail: `${cidr} goes ${describeRoute(covering.route)}, not via ${ifname}` };
  }
  if (strays.length) {
    return { ok: false, route: covering.route, detail: `${cidr} is routed via ${ifname} (${describeRoute(covering.route)}) but ${strays.map((r) => describeRoute(r.route)).join(", ")} inside it is not` };
  }
  return { ok: true, route: covering.route, detail: `${cidr} via ${ifname} (${describeRoute(covering.route)})` };
}

/** The default route the kernel uses: `0.0.0.0/0` with the lowest metric. */
export function defaultRoute(routes: readonly ProcRoute[]): ProcRoute | undefined {
  return parsed(routes)
    .filter((r) => r.prefix === 0)
    .sort((a, b) => a.route.metric - b.route.metric)[0]?.route;
}
