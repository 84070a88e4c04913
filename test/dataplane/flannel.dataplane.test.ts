/**
 * The flannel NAD. Its plugin binary is not packaged here, so flannel-expansion.ts does what it does
 * (subnet.env → bridge + host-local) and the result runs on the real bridge and host-local plugins.
 * Node subnets come from the stack's flannel network: node-a 10.244.1.0/24 (FLANNEL_IPMASQ=true, as
 * the stack deploys flanneld), node-b 10.244.2.0/24 (FLANNEL_IPMASQ=false, so the bridge plugin
 * masquerades). The data network's router routes each node's subnet to that node's eth1, as the
 * underlay of flannel's host-gw backend does, so the client behind it can reach flannel pods.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cniConfigFor } from "../../lib/build/networks";
import { routeFor } from "../../lib/net/procnet";
import { expandFlannel, parseSubnetEnv, type SubnetEnv } from "./flannel-expansion";
import { useLab } from "./hooks";
import type { Pod } from "./lab";
import { bridgePorts, link, mainRoutes, natRules, policyRules, routeGet, routeLines, tableRouteLines } from "./observe";
import { canConnect, connectionSource } from "./probe";
import { flannelWithSbr, network } from "./stack";

const lab = useLab();

/** The start of the bridge plugin's rule sending a pod's net1 address to its masquerade chain (ipMasq: true). */
function masqueradeRule(pod: Pod, network: string): string {
  return `-A POSTROUTING -s ${pod.ip("net1")}/32 -m comment --comment "name: \\"${network}\\"`;
}

/**
 * The manual setup, on a flannel pod: the client's SYN reaches net1 — the router sends the node's
 * flannel subnet to the node's eth1, the node sends it to cni0 — but the pod answers by its main
 * table, whose default route is via eth0. So the SYN-ACK reaches the node over the Calico
 * stand-in's veth, from the net1 address, which the node routes over cni0: the node's strict
 * reverse-path filter on that veth (Felix's setting) drops it, while routing it on its way in —
 * before any NAT rule could see it. The control: with that filter loose, the very same connection
 * works (asymmetrically: in over cni0, out over eth0), so nothing else stands in the way.
 */
async function expectClientKeptOutByEth0Replies(pod: Pod): Promise<void> {
  const { client, router } = lab();
  const { node } = pod;
  const net1 = pod.ip("net1");
  expect(routeFor(mainRoutes(router.netns), net1)).toMatchObject({ iface: "eth0", gateway: node.eth1Address });
  expect(routeFor(mainRoutes(node.netns), net1)?.iface).toBe("cni0");
  expect(routeFor(mainRoutes(node.netns), client.address)).toMatchObject({ iface: "eth1", gateway: "172.30.0.1" });
  // No policy rules, so the main table (what /proc/net/route shows) decides where replies go.
  expect(policyRules(pod.netns).map((r) => r.src)).toEqual(["all", "all", "all"]);
  expect(routeFor(mainRoutes(pod.netns), client.address)?.iface).toBe("eth0");
  expect(routeGet(pod.netns, client.address, net1).dev).toBe("eth0");
  expect(await canConnect(client.netns, pod.netns, net1)).toBe(false);
  try {
    pod.setWorkloadRpFilter(2);
    expect(await connectionSource(client.netns, pod.netns, net1)).toBe(client.address);
  } finally {
    pod.setWorkloadRpFilter(1);
  }
}

describe("the flannel expansion (flannel-io/cni-plugin doCmdAdd)", () => {
  const env: SubnetEnv = { networks: ["10.244.0.0/16"], subnet: "10.244.1.0/24", mtu: 1450, ipMasq: true };
  // As the runtime hands it to the plugin: Multus has named the single-plugin NAD after itself.
  const flannelNad = { ...cniConfigFor(network("flannel")), name: "flannel" };

  it("reads subnet.env like loadFlannelSubnetEnv: network addresses, de-duplicated networks, all keys required", () => {
    const text = "FLANNEL_NETWORK=10.244.0.0/16,10.244.0.0/16\nFLANNEL_SUBNET=10.244.1.1/24\nFLANNEL_MTU=1450\nFLANNEL_IPMASQ=true\n";
    expect(parseSubnetEnv(text)).toEqual(env);
    expect(() => parseSubnetEnv("FLANNEL_NETWORK=10.244.0.0/16\n")).toThrow("subnet.env is missing FLANNEL_SUBNET, FLANNEL_MTU, FLANNEL_IPMASQ");
  });

  it("turns the flannel NAD into a bridge over the node's subnet, with the delegate options passed through", () => {
    expect(expandFlannel(flannelNad, env)).toEqual({
      cniVersion: "0.3.1",
      name: "flannel",
      type: "bridge",
      isGateway: true,
      ipMasq: false,
      mtu: 1450,
      hairpinMode: true,
      isDefaultGateway: false,
      ipam: { type: "host-local", ranges: [[{ subnet: "10.244.1.0/24" }]], routes: [{ dst: "10.244.0.0/16" }] },
    });
  });

  it("masquerades in the bridge when flanneld does not: ipMasq = !FLANNEL_IPMASQ", () => {
    expect(expandFlannel(flannelNad, { ...env, ipMasq: false })).toMatchObject({ ipMasq: true });
  });

  it("keeps the config's ipam.routes and adds one route per flannel network", () => {
    const conf = { ...flannelNad, ipam: { routes: [{ dst: "172.16.0.0/12" }] } };
    expect(expandFlannel(conf, { ...env, networks: ["10.244.0.0/16", "10.245.0.0/16"] })).toMatchObject({
      ipam: { routes: [{ dst: "172.16.0.0/12" }, { dst: "10.244.0.0/16" }, { dst: "10.245.0.0/16" }] },
    });
  });

  it("refuses a delegate that sets name or ipam, as the plugin does", () => {
    expect(() => expandFlannel({ ...flannelNad, delegate: { name: "x" } }, env)).toThrow(/must not have 'name'/);
    expect(() => expandFlannel({ ...flannelNad, delegate: { ipam: {} } }, env)).toThrow(/must not have 'ipam'/);
  });
});

describe("the flannel NAD on the real bridge and host-local plugins", () => {
  let fa: Pod;
  let fb: Pod;
  beforeAll(() => {
    fa = lab().podAttachedTo("fa", "node-a", network("flannel"));
    fb = lab().podAttachedTo("fb", "node-b", network("flannel"));
  });
  afterAll(() => lab().removePods());

  it("gives net1 an address in the node's subnet, the subnet.env MTU and a route to the whole flannel network", () => {
    expect(link(fa.netns, "net1")).toMatchObject({ kind: "veth", mtu: 1450, ipv4: ["10.244.1.2/24"] });
    expect(link(fb.netns, "net1")).toMatchObject({ kind: "veth", mtu: 1450, ipv4: ["10.244.2.2/24"] });
    expect(routeLines(fa.netns, "net1")).toEqual(["10.244.0.0/16 via 10.244.1.1", "10.244.1.0/24"]);
    expect(routeLines(fb.netns, "net1")).toEqual(["10.244.0.0/16 via 10.244.2.1", "10.244.2.0/24"]);
    // isDefaultGateway: false passed through: the default route stays on eth0.
    expect(routeFor(mainRoutes(fa.netns), "0.0.0.0")?.iface).toBe("eth0");
  });

  it("makes the node's cni0 the gateway, with hairpin mode on the pod's port", () => {
    const node = lab().node("node-a");
    expect(link(node.netns, "cni0")).toMatchObject({ kind: "bridge", mtu: 1450, ipv4: ["10.244.1.1/24"] });
    expect(bridgePorts(node.netns, "cni0")).toEqual([expect.objectContaining({ hairpin: true })]);
  });

  it("masquerades only on the node whose flanneld runs without --ip-masq", () => {
    expect(natRules(lab().node("node-a").netns)).not.toContain("MASQUERADE");
    const nodeB = natRules(lab().node("node-b").netns);
    expect(nodeB).toContain(masqueradeRule(fb, "flannel"));
    expect(nodeB).toContain("MASQUERADE");
  });

  it("carries traffic between pods on different nodes over net1", async () => {
    expect(routeFor(mainRoutes(fa.netns), fb.ip("net1"))?.iface).toBe("net1");
    expect(await canConnect(fa.netns, fb.netns, fb.ip("net1"))).toBe(true);
  });

  it("keeps a client on another data subnet from reaching net1 on node-a (no masquerading): the replies leave via eth0", async () => {
    expect(natRules(fa.node.netns)).not.toContain("MASQUERADE");
    await expectClientKeptOutByEth0Replies(fa);
  });

  it("keeps the client out on node-b as well, where the bridge masquerades the pod: the replies leave via eth0", async () => {
    expect(natRules(fb.node.netns)).toContain(masqueradeRule(fb, "flannel"));
    await expectClientKeptOutByEth0Replies(fb);
  });
});

describe("the flannel NAD with sourceBasedRouting", () => {
  let s: Pod;
  let fb: Pod;
  beforeAll(() => {
    s = lab().podAttachedTo("s", "node-a", flannelWithSbr());
    fb = lab().podAttachedTo("fb", "node-b", network("flannel"));
  });
  afterAll(() => lab().removePods());

  it("moves the route to the flannel network out of the main table into table 100", () => {
    expect(routeLines(s.netns, "net1")).toEqual([]);
    expect(routeFor(mainRoutes(s.netns), fb.ip("net1"))?.iface).toBe("eth0");
    expect(tableRouteLines(s.netns, "100")).toEqual([
      "10.244.0.0/16 via 10.244.1.1 dev net1",
      "10.244.1.0/24 dev net1",
      "default via 10.244.1.1 dev net1",
    ]);
  });

  it("so the pod reaches other flannel pods only when it sends from its net1 address", async () => {
    expect(await canConnect(s.netns, fb.netns, fb.ip("net1"))).toBe(false);
    expect(await canConnect(s.netns, fb.netns, fb.ip("net1"), s.ip("net1"))).toBe(true);
  });

  it("lets the client on another data subnet reach net1 on node-a: replies from the net1 address use net1's own table", async () => {
    const { client } = lab();
    expect(routeGet(s.netns, client.address, s.ip("net1"))).toMatchObject({ dev: "net1", table: "100" });
    // Felix's strict filter stays on the pod's eth0 veth: no reply crosses it. The pod sees the
    // client's own address: nothing is translated on the way in.
    expect(await connectionSource(client.netns, s.netns, s.ip("net1"))).toBe(client.address);
  });

  it("does not masquerade what the pod starts from net1 on node-a: its bridge leaves that to flanneld's --ip-masq, which does not run here", async () => {
    const { client } = lab();
    expect(natRules(s.node.netns)).not.toContain("MASQUERADE");
    expect(await connectionSource(s.netns, client.netns, client.address, s.ip("net1"))).toBe(s.ip("net1"));
  });
});

describe("the flannel NAD with sourceBasedRouting on node-b, whose bridge masquerades", () => {
  let sb: Pod;
  beforeAll(() => {
    sb = lab().podAttachedTo("sb", "node-b", flannelWithSbr());
  });
  afterAll(() => lab().removePods());

  it("lets the client reach net1: the masquerade rule matches the pod's address, but not the replies of a connection the client started", async () => {
    const { client } = lab();
    expect(natRules(sb.node.netns)).toContain(masqueradeRule(sb, "flannel-sbr"));
    expect(routeGet(sb.netns, client.address, sb.ip("net1"))).toMatchObject({ dev: "net1", table: "100" });
    // NAT is decided on a connection's first packet, here the client's SYN, which the rule (-s the
    // pod) does not match; the replies belong to that connection and keep the pod's address — else
    // the client's TCP would not accept them.
    expect(await connectionSource(client.netns, sb.netns, sb.ip("net1"))).toBe(client.address);
  });

  it("masquerades what the pod starts from its net1 address: the client sees node-b's eth1 address", async () => {
    const { client } = lab();
    expect(await connectionSource(sb.netns, client.netns, client.address, sb.ip("net1"))).toBe(lab().node("node-b").eth1Address);
  });
});
