/**
 * What the flannel CNI plugin does with a NAD's config, redone here because its binary is not
 * packaged for this OS. Source: flannel-io/cni-plugin, flannel.go (loadFlannelSubnetEnv, cmdAdd)
 * and flannel_linux.go (doCmdAdd, getDelegateIPAM). The plugin:
 *   1. reads subnet.env (written by flanneld): FLANNEL_NETWORK (comma list), FLANNEL_SUBNET,
 *      FLANNEL_MTU, FLANNEL_IPMASQ — all required;
 *   2. refuses a `delegate` holding `name` or `ipam`, or a non-string `type`;
 *   3. completes the delegate: name copied, type bridge, ipMasq = !FLANNEL_IPMASQ, mtu =
 *      FLANNEL_MTU, isGateway true (bridge only), cniVersion copied — keys already in the
 *      delegate win, so hairpinMode/isDefaultGateway pass through untouched;
 *   4. gives it host-local IPAM over FLANNEL_SUBNET (as a network address) with the config's
 *      `ipam.routes` plus a route to each FLANNEL_NETWORK (no gw: the bridge gateway is used);
 *   5. runs the delegate for ADD; DEL replays the delegate config it saved at ADD (here: the same
 *      expansion, subnet.env does not change during a test); CHECK is a no-op in the plugin.
 * Not covered: IPv6 keys (multinet's flannel network is IPv4), runtimeConfig (multinet sets none).
 */
import * as ipaddr from "ipaddr.js";

export interface SubnetEnv {
  networks: string[];
  subnet: string;
  mtu: number;
  ipMasq: boolean;
}

type Json = Record<string, unknown>;

/** Parses subnet.env the way loadFlannelSubnetEnv does (CIDRs reduced to network addresses). */
export function parseSubnetEnv(text: string): SubnetEnv {
  const values = new Map<string, string>();
  for (const line of text.split("\n")) {
    const eq = line.indexOf("=");
    if (eq > 0) values.set(line.slice(0, eq), line.slice(eq + 1));
  }
  if (values.has("FLANNEL_IPV6_NETWORK") || values.has("FLANNEL_IPV6_SUBNET")) {
    throw new Error("subnet.env: IPv6 keys are not covered by this expansion");
  }
  const required = ["FLANNEL_NETWORK", "FLANNEL_SUBNET", "FLANNEL_MTU", "FLANNEL_IPMASQ"];
  const missing = required.filter((key) => !values.has(key));
  if (missing.length) throw new Error(`subnet.env is missing ${missing.join(", ")}`);
  const network = (cidr: string) => `${ipaddr.IPv4.networkAddressFromCIDR(cidr).toString()}/${cidr.split("/")[1]}`;
  const mtu = Number(values.get("FLANNEL_MTU"));
  if (!Number.isInteger(mtu) || mtu <= 0) throw new Error(`subnet.env: FLANNEL_MTU "${values.get("FLANNEL_MTU")}" is not a number`);
  return {
    networks: [...new Set(values.get("FLANNEL_NETWORK")!.split(",").map(network))],
    subnet: network(values.get("FLANNEL_SUBNET")!),
    mtu,
    ipMasq: values.get("FLANNEL_IPMASQ") === "true",
  };
}

/** The delegate config the flannel plugin hands to its delegate plugin for this plugin config. */
export function expandFlannel(conf: Json, env: SubnetEnv): Json {
  const delegate: Json = { ...(conf.delegate as Json | undefined) };
  if ("type" in delegate && typeof delegate.type !== "string") throw new Error("'delegate' dictionary, if present, must have (string) 'type' field");
  if ("name" in delegate) throw new Error("'delegate' dictionary must not have 'name' field, it'll be set by flannel");
  if ("ipam" in delegate) throw new Error("'delegate' dictionary must not have 'ipam' field, it'll be set by flannel");

  const ipam: Json = { type: "host-local", ...(conf.ipam as Json | undefined) };
  const routes = [...((ipam.routes as unknown[] | undefined) ?? []), ...env.networks.map((dst) => ({ dst }))];
  const type = delegate.type ?? "bridge";
  return {
    ipMasq: !env.ipMasq,
    mtu: env.mtu,
    ...(type === "bridge" ? { isGateway: true } : {}),
    ...delegate,
    type,
    name: conf.name,
    ...(conf.cniVersion ? { cniVersion: conf.cniVersion } : {}),
    ipam: { ...ipam, ranges: [[{ subnet: env.subnet }]], routes },
  };
}
