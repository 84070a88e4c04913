/**
 * The manual setup's observations, then the fix. Pods get eth0 from the Calico stand-in and net1
 * from the `data` NAD (macvlan on the nodes' data NIC); a client sits on another subnet of the data
 * network behind a router.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isNetConfList } from "../../lib/build/cni";
import { cniConfigFor } from "../../lib/build/networks";
import { routeFor } from "../../lib/net/procnet";
import { useLab } from "./hooks";
import type { Pod } from "./lab";
import { link, links, localAddresses, mainRoutes, policyRules, routeGet, routeLines, tableRouteLines } from "./observe";
import { canConnect } from "./probe";
import { network } from "./stack";

const lab = useLab();

describe("the manual setup: a macvlan attachment without source-based routing", () => {
  let a: Pod;
  let b: Pod;
  beforeAll(() => {
    a = lab().podAttachedTo("a", "node-a", network("data"));
    b = lab().podAttachedTo("b", "node-b", network("data"));
  });
  afterAll(() => lab().removePods());

  it("gives the pod eth0 and net1, with the default route via eth0", () => {
    expect(links(a.netns).map((l) => l.ifname)).toEqual(["lo", "eth0", "net1"]);
    expect(link(a.netns, "net1")?.kind).toBe("macvlan");
    expect(localAddresses(a.netns)).toEqual(expect.arrayContaining([a.ip("eth0"), a.ip("net1")]));
    expect(mainRoutes(a.netns).filter((r) => r.destination === "0.0.0.0/0").map((r) => r.iface)).toEqual(["eth0"]);
  });

  it("puts only the data network's own route on net1", () => {
    expect(routeLines(a.netns, "net1")).toEqual(["172.30.1.0/24"]);
  });

  it("lets pods on different nodes reach each other over net1", async () => {
    expect(routeFor(mainRoutes(a.netns), b.ip("net1"))?.iface).toBe("net1");
    expect(await canConnect(a.netns, b.netns, b.ip("net1"))).toBe(true);
    expect(await canConnect(b.netns, a.netns, a.ip("net1"))).toBe(true);
  });

  it("keeps a client on another data subnet from reaching net1: the replies leave via eth0", async () => {
    const { client } = lab();
    // No policy rules, so the main table (what /proc/net/route shows) decides where replies go.
    expect(policyRules(a.netns).map((r) => r.src)).toEqual(["all", "all", "all"]);
    expect(routeFor(mainRoutes(a.netns), client.address)?.iface).toBe("eth0");
    expect(routeGet(a.netns, client.address, a.ip("net1")).dev).toBe("eth0");
    expect(await canConnect(client.netns, a.netns, a.ip("net1"))).toBe(false);
    // node-a routes the client's subnet, but the reply reaches it over the Calico stand-in's veth
    // from an address node-a does not route at all, so its reverse-path filter there (strict, as
    // Felix sets it; loose would drop it too) drops it. Only with that filter off does the reply
    // get through, asymmetrically.
    try {
      a.setWorkloadRpFilter(0);
      expect(await canConnect(client.netns, a.netns, a.ip("net1"))).toBe(true);
    } finally {
      a.setWorkloadRpFilter(1);
    }
  });
});

describe("the fix: sourceBasedRouting chains the sbr plugin", () => {
  let s: Pod;
  let b: Pod;
  beforeAll(() => {
    s = lab().podAttachedTo("s", "node-a", network("data-sbr"));
    b = lab().podAttachedTo("b", "node-b", network("data"));
  });
  afterAll(() => lab().removePods());

  it("builds a conflist: macvlan, then sbr", () => {
    const config = cniConfigFor(network("data-sbr"));
    expect(isNetConfList(config) && config.plugins.map((p) => p.type)).toEqual(["macvlan", "sbr"]);
  });

  it("lets the client reach net1: replies from the net1 address use net1's own table", async () => {
    const { client } = lab();
    expect(routeGet(s.netns, client.address, s.ip("net1"))).toMatchObject({ dev: "net1", table: "100" });
    expect(await canConnect(client.netns, s.netns, s.ip("net1"))).toBe(true);
  });

  it("moves net1's routes out of the main table into table 100, chosen by a rule on the net1 address", () => {
    expect(routeLines(s.netns, "net1")).toEqual([]);
    expect(policyRules(s.netns)).toContainEqual(expect.objectContaining({ src: s.ip("net1"), table: "100" }));
    expect(tableRouteLines(s.netns, "100")).toEqual(["172.30.1.0/24 dev net1", "default via 172.30.1.1 dev net1"]);
  });

  it("so traffic the pod starts over net1 must be sent from the net1 address", async () => {
    expect(routeFor(mainRoutes(s.netns), b.ip("net1"))?.iface).toBe("eth0");
    expect(await canConnect(s.netns, b.netns, b.ip("net1"))).toBe(false);
    expect(await canConnect(s.netns, b.netns, b.ip("net1"), s.ip("net1"))).toBe(true);
    expect(await canConnect(b.netns, s.netns, s.ip("net1"))).toBe(true);
  });

  it("fails CHECK: macvlan looks for net1's subnet route in the main table, where sbr removed it", () => {
    expect(() => s.check("net1")).toThrow(/macvlan CHECK net1 .*Failed to find Gateway 172\.30\.1\.1 for interface net1/);
  });
});
