/**
 * The IPAM of a network: a discriminated union on `type` (`host-local`, `static`), so another member
 * is one more schema in `ipamConfigSchema`. IPv4 and IPv6 alike; family rules live in networkChecks.ts.
 */
import { z } from "zod";
import { cidr, ipAddress, networkCidr, strict } from "./values";
import { whereaboutsIpamConfigSchema } from "./whereaboutsIpam";

const routeConfigSchema = strict({
  dst: cidr.meta({ description: "destination CIDR" }),
  gw: ipAddress.optional().meta({ description: "gateway; unset: the range's" }),
});

const routes = z.array(routeConfigSchema).default([]).meta({
  description: "routes added in the pod: `[{dst, gw?}]`, IPv4 or IPv6; `gw` is of the family of `dst`, and a route without `gw` goes via the gateway of its family's range",
});

const hostLocalIpamConfigSchema = strict({
  type: z.literal("host-local"),
  ranges: z.array(strict({
    subnet: networkCidr,
    rangeStart: ipAddress.optional(),
    rangeEnd: ipAddress.optional(),
    gateway: ipAddress.optional(),
  })).min(1).meta({
    description: "`[{subnet, rangeStart?, rangeEnd?, gateway?}]`, IPv4 or IPv6; each range becomes its own range set, so a pod gets one address per range: one range is single-stack, one IPv4 plus one IPv6 range is dual-stack (at most one range per family). Subnets leave room for addresses (IPv4 /30 or wider, IPv6 /126 or wider). host-local hands out addresses per node",
  }),
  routes,
});

const staticIpamConfigSchema = strict({
  type: z.literal("static"),
  addresses: z.array(strict({ address: cidr, gateway: ipAddress.optional() })).min(1).optional().meta({
    description: "`[{address: <cidr>, gateway?}]`, IPv4 or IPv6 (gateway of the address's family): fixed addresses, for a NAD one pod uses. Unset: each pod names its own addresses in its networks annotation (`ips`, passed through the CNI `ips` capability), the way to give pods on a segment shared by nodes unique addresses, which host-local (one pool per node) cannot",
  }),
  routes,
});

/** One more IPAM type is one more member here (and its description below). */
export const ipamConfigSchema = z.discriminatedUnion("type", [hostLocalIpamConfigSchema, staticIpamConfigSchema, whereaboutsIpamConfigSchema])
  .meta({ description: "`host-local`, `static` or `whereabouts`" });
