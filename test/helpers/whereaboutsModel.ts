/**
 * What whereabouts v0.9.4 hands out, modelled for the tests that cannot run it (it needs a Kubernetes
 * API): the first address from range_start (default: the first after the network address) to
 * range_end (default: the last before broadcast) that is neither reserved nor excluded
 * (pkg/allocate/allocate.go:86-133, pkg/iphelpers/iphelpers.go:241-269), with the range's prefix
 * and the configured gateway and routes (cmd/whereabouts.go:76-105).
 */
import * as ipaddr from "ipaddr.js";
import type { WhereaboutsIpamConfig } from "../../lib/config";
import { cidrContains, parseCidr } from "../../lib/config/cidr";

const toBig = (ip: string) => ipaddr.parse(ip).toByteArray().reduce((v, b) => (v << 8n) | BigInt(b), 0n);
function fromBig(value: bigint, v6: boolean): string {
  const bytes = Array.from({ length: v6 ? 16 : 4 }, (_, i) => Number((value >> BigInt(8 * ((v6 ? 15 : 3) - i))) & 0xffn));
  return ipaddr.fromByteArray(bytes).toString();
}

export interface WhereaboutsResult {
  address: string;
  gateway?: string;
  routes: WhereaboutsIpamConfig["routes"];
}

/** The next address for a pod, given the addresses already reserved in the pool; throws when the range is full. */
export function whereaboutsAllocate(ipam: WhereaboutsIpamConfig, reserved: readonly string[]): WhereaboutsResult {
  const range = parseCidr(ipam.range)!;
  const v6 = range.address.kind() === "ipv6";
  const bits = v6 ? 128 : 32;
  const network = toBig(range.address.toString());
  const [first, last] = [network + 1n, network + (1n << BigInt(bits - range.prefix)) - 2n];
  const start = ipam.range_start && toBig(ipam.range_start) >= first && toBig(ipam.range_start) <= last ? toBig(ipam.range_start) : first;
  const end = ipam.range_end && toBig(ipam.range_end) >= start && toBig(ipam.range_end) <= last ? toBig(ipam.range_end) : last;
  const excluded = ipam.exclude.map((e) => parseCidr(e.includes("/") ? e : `${e}/${bits}`)!);
  const taken = new Set(reserved.map((ip) => toBig(ip)));
  for (let value = start; value <= end; value++) {
    const ip = fromBig(value, v6);
    if (taken.has(value) || excluded.some((cidr) => cidrContains(cidr, ip))) continue;
    return { address: `${ip}/${range.prefix}`, ...(ipam.gateway ? { gateway: ipam.gateway } : {}), routes: ipam.routes };
  }
  throw new Error(`whereabouts: no free address in ${ipam.range}`);
}
