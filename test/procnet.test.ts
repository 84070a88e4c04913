import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { parseFibTrieLocalAddresses, parseIpAddrJson, parseProcNetRoute, routeFor } from "../lib/net/procnet";

// Real kernel output captured in namespaces; see test/fixtures/procnet/README.md.
const fixture = (name: string) => readFileSync(join(__dirname, "fixtures", "procnet", name), "utf8");

describe("parseProcNetRoute", () => {
  it("decodes a pod's main table: little-endian hex, masks to prefixes, gateways, flags", () => {
    expect(parseProcNetRoute(fixture("pod-route.txt"))).toEqual([
      { iface: "eth0", destination: "0.0.0.0/0", gateway: "192.168.1.1", metric: 0, flags: ["up", "gateway"] },
      { iface: "net2", destination: "10.244.0.0/16", gateway: "10.244.1.1", metric: 0, flags: ["up", "gateway"] },
      { iface: "net2", destination: "10.244.1.0/24", metric: 0, flags: ["up"] },
      { iface: "net1", destination: "172.30.1.0/24", metric: 0, flags: ["up"] },
      { iface: "eth0", destination: "192.168.1.0/24", gateway: "192.168.1.1", metric: 0, flags: ["up", "gateway"] },
      { iface: "eth0", destination: "192.168.1.1/32", metric: 0, flags: ["up", "host"] },
    ]);
  });

  it("shows only the main table: after sbr the pod's net1 routes are gone from it", () => {
    const routes = parseProcNetRoute(fixture("pod-sbr-route.txt"));
    expect(routes.map((r) => r.iface)).toEqual(["eth0", "eth0", "eth0"]);
  });

  it("reads metrics, host, reject and device-less routes, and the first hop of a multipath route", () => {
    expect(parseProcNetRoute(fixture("edge-route.txt"))).toEqual([
      { iface: "veth0", destination: "0.0.0.0/0", gateway: "10.1.0.254", metric: 50, flags: ["up", "gateway"] },
      { iface: "veth0", destination: "0.0.0.0/0", gateway: "10.1.0.1", metric: 100, flags: ["up", "gateway"] },
      { iface: "veth0", destination: "10.1.0.0/24", metric: 0, flags: ["up"] },
      { iface: "veth0", destination: "10.2.0.0/16", gateway: "10.1.0.1", metric: 5, flags: ["up", "gateway"] },
      { iface: "veth0", destination: "10.2.3.0/24", gateway: "10.1.0.3", metric: 0, flags: ["up", "gateway"] },
      { iface: "veth0", destination: "10.2.3.4/32", metric: 0, flags: ["up", "host"] },
      { iface: "*", destination: "10.7.0.0/16", metric: 0, flags: ["up"] },
      { iface: "*", destination: "10.8.0.0/16", metric: 0, flags: ["up", "reject"] },
      { iface: "*", destination: "10.9.0.0/16", metric: 0, flags: ["up", "reject"] },
      { iface: "veth0", destination: "172.16.0.0/12", gateway: "10.1.0.5", metric: 0, flags: ["up", "gateway"] },
    ]);
  });

  it("returns nothing for a table with only the header", () => {
    expect(parseProcNetRoute("Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n")).toEqual([]);
  });

  it("rejects malformed lines instead of guessing", () => {
    expect(() => parseProcNetRoute("eth0\t00000000\t0101A8C0\n")).toThrow(/line 1: expected at least 8 fields/);
    expect(() => parseProcNetRoute("eth0\t0000XX0A\t00000000\t0001\t0\t0\t0\t00FFFFFF\t0\t0\t0\n")).toThrow(/not an 8-digit hex address/);
    expect(() => parseProcNetRoute("eth0\t0000000A\t00000000\t0001\t0\t0\t0\t00FF00FF\t0\t0\t0\n")).toThrow(/non-contiguous mask/);
  });
});

describe("routeFor", () => {
  const pod = parseProcNetRoute(fixture("pod-route.txt"));
  const edge = parseProcNetRoute(fixture("edge-route.txt"));

  it("picks the longest matching prefix", () => {
    expect(routeFor(pod, "172.30.1.77")?.iface).toBe("net1");
    expect(routeFor(pod, "10.244.1.9")).toMatchObject({ iface: "net2", destination: "10.244.1.0/24" });
    expect(routeFor(pod, "10.244.7.9")).toMatchObject({ iface: "net2", destination: "10.244.0.0/16", gateway: "10.244.1.1" });
    expect(routeFor(pod, "172.30.2.10")).toMatchObject({ iface: "eth0", destination: "0.0.0.0/0" });
    expect(routeFor(edge, "10.2.3.4")?.destination).toBe("10.2.3.4/32");
    expect(routeFor(edge, "10.2.3.5")?.destination).toBe("10.2.3.0/24");
  });

  it("prefers the lowest metric among equal prefixes", () => {
    expect(routeFor(edge, "8.8.8.8")).toMatchObject({ gateway: "10.1.0.254", metric: 50 });
  });

  it("returns reject routes for the caller to see, and undefined when nothing matches", () => {
    expect(routeFor(edge, "10.9.1.1")?.flags).toContain("reject");
    expect(routeFor(pod.filter((r) => r.destination !== "0.0.0.0/0"), "8.8.8.8")).toBeUndefined();
  });
});

describe("parseFibTrieLocalAddresses", () => {
  it("lists the local addresses once although the trie prints Main and Local", () => {
    expect(parseFibTrieLocalAddresses(fixture("pod-fib_trie.txt"))).toEqual(["10.244.1.2", "127.0.0.1", "172.30.1.10", "192.168.1.2"]);
  });

  it("reads the split tables that policy routing (sbr) produces", () => {
    expect(parseFibTrieLocalAddresses(fixture("pod-sbr-fib_trie.txt"))).toEqual(["127.0.0.1", "172.30.1.50", "192.168.1.3"]);
  });
});

describe("parseIpAddrJson", () => {
  it("gives each interface its kind, MTU and addresses", () => {
    expect(parseIpAddrJson(fixture("pod-ip-addr.json"))).toEqual([
      { ifname: "lo", mtu: 65536, ipv4: ["127.0.0.1/8"], ipv6: ["::1/128"] },
      { ifname: "eth0", mtu: 1500, kind: "veth", ipv4: ["192.168.1.2/24"], ipv6: ["fe80::9044:ddff:fe5b:ee6a/64"] },
      { ifname: "net1", mtu: 1500, kind: "macvlan", ipv4: ["172.30.1.10/24"], ipv6: ["fe80::5878:e1ff:fe8f:dac9/64"] },
      { ifname: "net2", mtu: 1450, kind: "veth", ipv4: ["10.244.1.2/24"], ipv6: ["fe80::1417:4cff:fe85:4e04/64"] },
    ]);
  });

  it("rejects output that is not a list of links", () => {
    expect(() => parseIpAddrJson("{}")).toThrow(/not a JSON array/);
  });
});
