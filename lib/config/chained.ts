/**
 * The plugins a typed network chains after its own, in the order they run: `tuning`, `bandwidth`,
 * `portmap`, then `sbr` (`sourceBasedRouting`), which stays last because it moves the routes the
 * plugins before it leave in the main table. Field names follow each plugin's NetConf.
 */
import { z } from "zod";
import { bits, macAddress, sysctlKeyProblem } from "./pluginValues";
import { mtu, strict } from "./values";

/** containernetworking/plugins v1.1.1 plugins/meta/tuning/tuning.go:45-53 (TuningConf). */
const tuningSchema = strict({
  sysctl: z.record(z.string(), z.string()).superRefine((sysctl, ctx) => {
    for (const key of Object.keys(sysctl)) {
      const problem = sysctlKeyProblem(key);
      if (problem) ctx.addIssue({ code: "custom", message: `has key "${key}", which ${problem}` });
    }
  }).optional().meta({
    description: "chains the `tuning` plugin (after the main one) with: sysctls set in the pod's network namespace, `{key: \"value\"}` (values are strings). Only `net.` keys that exist per namespace or per interface: `net.ipv4.conf.IFNAME.<key>` and `net.ipv6.conf.IFNAME.<key>` (`IFNAME` becomes the pod's interface), `net.ipv{4,6}.neigh.IFNAME.<key>`, `net.ipv4.*`, `net.ipv6.*`, `net.core.somaxconn`, `net.unix.*`, `net.netfilter.*`. Whether the key exists is up to the node's kernel (the plugin fails ADD otherwise), and newer plugins also check `/etc/cni/tuning/allowlist.conf` when a node has one",
  }),
  mac: macAddress.optional().meta({ description: "MAC address of the pod's interface; every pod of the NAD gets the same one, so only for a NAD one pod uses" }),
  mtu: mtu.optional().meta({ description: "MTU of the pod's interface, 576–9216" }),
  promisc: z.boolean().optional().meta({ description: "promiscuous mode on the pod's interface" }),
  allmulti: z.boolean().optional().meta({ description: "all-multicast mode on the pod's interface" }),
});

/**
 * Rates and bursts in bits. Rate and burst come in pairs (bandwidth main.go:105-115 at v1.1.1); a
 * burst must stay below 4 GiB in bytes (same lines) and, as the tbf buffer in microseconds, fit in
 * 32 bits (ifb_creator.go:158-160 computes burst·10⁶/rate as uint32).
 */
const bandwidthSchema = strict({
  ingressRate: bits.optional().meta({ description: "chains the `bandwidth` plugin, which shapes the node's side of the pod's veth (so `bridge` and `flannel` networks only): rate of traffic into the pod, in bits/s (with `ingressBurst`)" }),
  ingressBurst: bits.optional().meta({ description: "burst into the pod, in bits (with `ingressRate`)" }),
  egressRate: bits.optional().meta({ description: "rate of traffic out of the pod, in bits/s (with `egressBurst`)" }),
  egressBurst: bits.optional().meta({ description: "burst out of the pod, in bits (with `egressRate`)" }),
}).superRefine((bandwidth, ctx) => {
  for (const direction of ["ingress", "egress"] as const) {
    const rate = bandwidth[`${direction}Rate`];
    const burst = bandwidth[`${direction}Burst`];
    if ((rate === undefined) !== (burst === undefined)) {
      const missing = rate === undefined ? `${direction}Rate` : `${direction}Burst`;
      ctx.addIssue({ code: "custom", path: [missing], input: undefined, message: `is required with ${rate === undefined ? `${direction}Burst` : `${direction}Rate`}; the bandwidth plugin takes a rate and a burst together` });
      continue;
    }
    if (rate === undefined || burst === undefined) continue;
    const problem = burstProblem(rate, burst);
    if (problem) ctx.addIssue({ code: "custom", path: [`${direction}Burst`], input: burst, message: problem });
  }
  if (Object.values(bandwidth).every((value) => value === undefined)) ctx.addIssue({ code: "custom", path: [], input: bandwidth, message: "limits nothing; allowed: ingressRate+ingressBurst and/or egressRate+egressBurst" });
});

/** Why the bandwidth plugin would refuse or overflow this burst at this rate (see bandwidthSchema). */
export function burstProblem(rate: number, burst: number): string | undefined {
  if (rate < 8) return undefined; // the rate's own rule reports it
  const burstBytes = Math.floor(burst / 8);
  if (burstBytes >= 2 ** 32 - 1) return "is too large; allowed: below 34359738360 bits (4 GiB)";
  if ((burstBytes * 1e6) / Math.floor(rate / 8) >= 2 ** 32) return `is too large for the rate: burst/rate must stay below 4294 s (the tbf buffer in µs is 32 bits); allowed: at most ${Math.floor(((2 ** 32 - 1) / 1e6) * Math.floor(rate / 8)) * 8} bits at this rate`;
  return undefined;
}

/** plugins/meta/portmap/main.go:52-61 and 201-212 at v1.1.1. */
const portmapOptionsSchema = strict({
  snat: z.boolean().optional().meta({ description: "masquerade hairpin traffic (a pod reaching its own host port); plugin default: true" }),
  markMasqBit: z.number().int().min(0).max(31).optional().meta({ description: "the mark bit for masquerading, 0–31; plugin default: 13; not with `externalSetMarkChain`" }),
  externalSetMarkChain: z.string().regex(/^[A-Za-z0-9_-]{1,28}$/, "must be an iptables chain name: up to 28 letters, digits, '_' or '-'").optional()
    .meta({ description: "an existing chain that marks for masquerading (e.g. `KUBE-MARK-MASQ`) instead of the plugin's own" }),
  conditionsV4: z.array(z.string().min(1)).optional().meta({ description: "iptables match arguments limiting the IPv4 DNAT rules" }),
  conditionsV6: z.array(z.string().min(1)).optional().meta({ description: "iptables match arguments limiting the IPv6 DNAT rules" }),
}).refine((options) => options.markMasqBit === undefined || options.externalSetMarkChain === undefined, {
  message: "sets both markMasqBit and externalSetMarkChain; the portmap plugin refuses that (allowed: one of them)",
});

export const chainedFields = {
  // Documented key by key (tuning.sysctl, bandwidth.ingressRate…): no description of their own.
  tuning: tuningSchema.optional(),
  bandwidth: bandwidthSchema.optional(),
  portmap: z.union([z.boolean(), portmapOptionsSchema]).optional().meta({
    description: "chain the `portmap` plugin (`true`, or `{snat?, markMasqBit?, externalSetMarkChain?, conditionsV4?, conditionsV6?}`; `false`: not chained) with the `portMappings` capability, so pods' `hostPort`s reach this interface's address. Needs iptables on the node",
  }),
  sourceBasedRouting: z.boolean().default(false).meta({ description: "chain the `sbr` plugin (always last) so replies leave through this interface, not the default route" }),
};
