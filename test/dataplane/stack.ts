/** The suite's stack config (stack.yaml), validated by the project's own validateConfig(). */
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { parse } from "yaml";
import { formatConfigErrors, ipamOf, multinetValues, networkSchema, validateConfig, validateSection, type StackConfig, type TypedNetworkConfig } from "../../lib/config";
import { ipamFamilies } from "../../lib/config/networkChecks";

function loadStack(): StackConfig {
  const file = parse(readFileSync(join(__dirname, "stack.yaml"), "utf8")) as { config: Record<string, unknown> };
  // The Pulumi engine hands structured config values to the program as JSON strings.
  const engineConfig = Object.fromEntries(Object.entries(file.config).map(([key, value]) => [key, JSON.stringify(value)]));
  const result = validateConfig(multinetValues(engineConfig));
  if (!result.ok) throw new Error(formatConfigErrors(result.errors));
  return result.config;
}

export const stack = loadStack();

/** A typed network of stack.yaml (the ones multinet builds the CNI config of). */
export function network(name: string): TypedNetworkConfig {
  const found = stack.networks.find((n) => n.name === name);
  if (!found || found.type === "raw") throw new Error(`stack.yaml defines no typed network "${name}"`);
  return found;
}

/**
 * The flannel network as a stack that turns on source-based routing would declare it (a stack may
 * have only one flannel network, so the variant is not in stack.yaml), validated by the same schema.
 */
export function flannelWithSbr(): TypedNetworkConfig {
  const result = validateSection(["networks", 0], networkSchema, {
    name: "flannel-sbr", type: "flannel", cniVersion: "1.0.0", sourceBasedRouting: true,
  });
  if (!result.ok || result.value.type === "raw") throw new Error(result.ok ? "flannel-sbr is not typed" : formatConfigErrors(result.errors));
  return result.value;
}

/**
 * Why CHECK fails on Debian's plugins 1.1.1 for a network although ADD set everything up, or
 * undefined when it passes. The main plugin runs first, so its failure is the one reported:
 * - a route without `gw`: CHECK looks it up with a nil gateway (containernetworking/plugins#886,
 *   fixed in v1.3.0);
 * - tuning with an `IFNAME` sysctl: cmdCheck does not substitute IFNAME (tuning.go:422 at v1.1.1;
 *   fixed by 5b7a263e "tuning: fix cmdCheck when using IFNAME", first in v1.3.0);
 * - portmap with port mappings for a pod without IPv6: CHECK looks for the DNAT chain in ip6tables
 *   too (portmap.go:135-139 at v1.1.1; fixed by fb5d195f "Only check ipv6 when an IPv6 is
 *   configured", first in v1.3.0).
 */
export function knownCheckError(network: TypedNetworkConfig, withPortMappings = false): RegExp | undefined {
  const ipam = ipamOf(network);
  if (ipam?.routes.some((route) => route.gw === undefined)) return /Expected Route \{Dst:\{IP:\S+ Mask:[0-9a-f]+\} GW:<nil>\} not found in routing table/;
  if (Object.keys(network.tuning?.sysctl ?? {}).some((key) => key.includes("IFNAME"))) return /^tuning CHECK .*: open \/proc\/sys\/net\/\S*IFNAME\S*: no such file or directory$/;
  if (network.portmap && withPortMappings && !ipamFamilies(ipam)?.has("ipv6")) return /^portmap CHECK .*: could not check ipv6 dnat: chain CNI-DN-\S+ not found in iptables table nat$/;
  return undefined;
}
