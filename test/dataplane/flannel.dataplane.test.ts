/**
 * The flannel NAD. Its plugin binary is not packaged here, so flannel-expansion.ts does what it does
 * (subnet.env → bridge + host-local) and the result runs on the real bridge and host-local plugins.
 * Node subnets come from the stack's flannel network: node-a 10.244.1.0/24 (FLANNEL_IPMASQ=true, as
 * the stack deploys flanneld), node-b 10.244.2.0/24 (FLANNEL_IPMASQ=false).
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { cniConfigFor } from "../../lib/networks";
import { routeFor } from "../../lib/procnet";
import { expandFlannel, parseSubnetEnv, type SubnetEnv } from "./flannel-expansion";
import { useLab } from "./hooks";
import type { Pod } from "./lab";
import { bridgePorts, link, mainRoutes, natRules, routeLines, tableRouteLines } from "./observe";
import { canConnect } from "./probe";
import { flannelWithSbr, network } from "./stack";

const lab = useLab();

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
    fa = lab().pod("fa", lab().node("node-a"));
    fb = lab().pod("fb", lab().node("node-b"));
    for (const pod of [fa, fb]) {
      pod.attachPrimary();
      pod.attach(network("flannel"));
    }
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
    expect(nodeB).toContain(`-A POSTROUTING -s ${fb.ip("net1")}/32 -m comment --comment "name: \\"flannel\\"`);
    expect(nodeB).toContain("MASQUERADE");
  });

  it("carries traffic between pods on different nodes over net1", async () => {
    expect(routeFor(mainRoutes(fa.netns), fb.ip("net1"))?.iface).toBe("net1");
    expect(await canConnect(fa.netns, fb.netns, fb.ip("net1"))).toBe(true);
  });
});

describe("the flannel NAD with sourceBasedRouting", () => {
  let s: Pod;
  let fb: Pod;
  beforeAll(() => {
    s = lab().pod("s", lab().node("node-a"));
    s.attachPrimary();
    s.attach(flannelWithSbr());
    fb = lab().pod("fb", lab().node("node-b"));
    fb.attachPrimary();
    fb.attach(network("flannel"));
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
});
