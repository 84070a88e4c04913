/**
 * The network kinds beyond macvlan and bridge, on the real plugins: host-device (a veth stands in
 * for the NIC), the chained tuning, bandwidth and portmap plugins, IPv6 and dual-stack on bridge
 * and macvlan, each through ADD, CHECK and DEL; and ipvlan and vlan, which this kernel cannot create
 * links for: their only failure must be the kernel's refusal, after the plugin accepted the config.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { setTimeout as sleep } from "node:timers/promises";
import { describe, expect, it } from "vitest";
import { cniConfigFor } from "../../lib/build/networks";
import { cniAdd } from "./cni-runtime";
import { useLab } from "./hooks";
import { hostDeviceName } from "./lab";
import { familyRouteLines, link, linkDetails, links, natRules, qdiscs, sysctl } from "./observe";
import { canConnect } from "./probe";
import { knownCheckError, network } from "./stack";

const lab = useLab();

/** IPv6 addresses are tentative until duplicate address detection ends (about a second): a bounded retry. */
async function connectsWithin(from: string, to: string, address: string, attempts = 6): Promise<boolean> {
  for (let i = 0; i < attempts; i++) {
    if (await canConnect(from, to, address)) return true;
    await sleep(500);
  }
  return false;
}

/** The result's addresses of one family, with prefix. */
function resultAddresses(result: Record<string, unknown>, family: 4 | 6): string[] {
  return (result.ips as Array<{ address: string }>).map((ip) => ip.address).filter((address) => address.includes(":") === (family === 6));
}

describe("host-device", () => {
  it("moves the node's NIC into the pod with its static IPv4 and IPv6 addresses, CHECK agrees, DEL gives it back", () => {
    const node = lab().node("node-a");
    const pod = lab().podAttachedTo("hostdev", "node-a", network("hostdev"));
    expect(link(node.netns, hostDeviceName)).toBeUndefined();
    const net1 = link(pod.netns, "net1")!;
    expect(net1).toMatchObject({ kind: "veth", ipv4: ["172.31.7.20/24"] });
    expect(net1.ipv6).toContain("fd31:7::20/64");
    pod.check("net1");
    lab().removePod(pod);
    // host-device's DEL renames the device back (it kept the name as alias) and returns it to the node.
    expect(link(node.netns, hostDeviceName)).toMatchObject({ ifname: hostDeviceName, ipv4: [] });
  });
});

describe("chained tuning, bandwidth and portmap", () => {
  it("tuning sets the sysctls, MAC, MTU and promiscuous mode in the pod; CHECK fails on 1.1.1's IFNAME bug", () => {
    const pod = lab().podAttachedTo("tuned", "node-a", network("tuned"));
    expect(sysctl(pod.netns, "net.ipv4.conf.net1.arp_notify")).toBe("1");
    expect(sysctl(pod.netns, "net.ipv6.conf.net1.accept_ra")).toBe("0");
    expect(sysctl(pod.netns, "net.ipv4.ip_unprivileged_port_start")).toBe("80");
    const net1 = linkDetails(pod.netns, "net1");
    expect(net1).toMatchObject({ address: "02:00:00:29:04:01", mtu: 1400 });
    expect(net1.flags).toContain("PROMISC");
    // The sysctl is set (above), yet 1.1.1's CHECK reads the literal IFNAME path (stack.ts, knownCheckError).
    expect(() => pod.check("net1")).toThrow(knownCheckError(network("tuned")));
    lab().removePod(pod);
  });

  it("bandwidth shapes the node's side of the veth: tbf for ingress, an ifb with tbf for egress; DEL removes the ifb", () => {
    const node = lab().node("node-b");
    const pod = lab().podAttachedTo("shaped", "node-b", network("shaped"));
    const hostVeth = (pod.attachment("net1").result.interfaces as Array<{ name: string; sandbox?: string }>).find((i) => !i.sandbox && i.name.startsWith("veth"))!.name;
    const ifb = links(node.netns).find((l) => l.kind === "ifb");
    expect(ifb, "an ifb device on the node").toBeDefined();
    const shaping = qdiscs(node.netns).filter((q) => q.dev === hostVeth || q.dev === ifb!.ifname);
    // ingressRate 1 Mbit/s on the veth's root; egressRate 2 Mbit/s on the ifb, fed by the veth's ingress qdisc.
    expect(shaping.map((q) => `${q.dev === hostVeth ? "veth" : "ifb"} ${q.kind} ${String(q.options?.rate ?? "")}`).sort())
      .toEqual(["ifb tbf 250000", "veth ingress ", "veth tbf 125000"]);
    pod.check("net1");
    lab().removePod(pod);
    expect(links(node.netns).filter((l) => l.kind === "ifb")).toEqual([]);
  });

  it("portmap adds DNAT rules for the pod's hostPorts and DEL removes them", () => {
    const node = lab().node("node-a");
    const before = natRules(node.netns);
    const pod = lab().pod("ports", node);
    pod.attachPrimary();
    const net1 = pod.attach(network("shaped"), { portMappings: [{ hostPort: 18080, containerPort: 80, protocol: "tcp" }] });
    expect(net1.plugins.find((p) => p.type === "portmap")).toMatchObject({ capabilities: { portMappings: true }, runtimeConfig: { portMappings: [{ hostPort: 18080 }] } });
    const rules = natRules(node.netns);
    expect(rules).toMatch(/^:CNI-HOSTPORT-DNAT /m);
    expect(rules).toMatch(new RegExp(`-p tcp -m tcp --dport 18080 -j DNAT --to-destination ${pod.ip("net1").replace(/\./g, "\\.")}:80`));
    // The IPv4 rules are there (above); 1.1.1's CHECK looks for them in ip6tables as well.
    expect(() => pod.check("net1")).toThrow(knownCheckError(network("shaped"), true));
    lab().removePod(pod);
    const after = natRules(node.netns);
    expect(after).not.toMatch(/--dport 18080/);
    expect(after.split("\n").filter((line) => line.startsWith("-A CNI-DN-"))).toEqual([]);
    // What stays by design: portmap's top-level chains (created once, shared by every pod).
    expect(after.split("\n").filter((line) => !before.includes(line) && !/^:CNI-(HOSTPORT|DN-|SN-)|^-A (PREROUTING|OUTPUT|POSTROUTING|CNI-HOSTPORT-)/.test(line))).toEqual([]);
  });
});

describe("IPv6 and dual-stack", () => {
  it("gives a bridge pod one address per family and a route per family (the IPv6 one via its range's gateway); pods reach each other over both", async () => {
    const pods = ["dual-a", "dual-b"].map((name) => lab().podAttachedTo(name, "node-a", network("bridge-dual")));
    for (const pod of pods) {
      const { result } = pod.attachment("net1");
      expect(resultAddresses(result, 4)).toEqual([expect.stringMatching(/^172\.29\.5\.1\d\/24$/)]);
      expect(resultAddresses(result, 6)).toEqual([expect.stringMatching(/^fd29:5::1[0-9a-f]\/64$/)]);
      const net1 = link(pod.netns, "net1")!;
      expect(net1.ipv6).toEqual(expect.arrayContaining(resultAddresses(result, 6)));
      expect(familyRouteLines(pod.netns, "-4", "net1")).toEqual(["172.16.80.0/24 via 172.29.5.254", "172.29.5.0/24"]);
      expect(familyRouteLines(pod.netns, "-6", "net1")).toEqual(expect.arrayContaining(["fd16:80::/64 via fd29:5::1", "fd29:5::/64"]));
      // The route without gw is there (above); 1.1.1's CHECK looks for it with a nil gateway (#886).
      expect(() => pod.check("net1")).toThrow(knownCheckError(network("bridge-dual")));
    }
    const [a, b] = pods;
    const v6 = (pod: typeof a) => resultAddresses(pod.attachment("net1").result, 6)[0].split("/")[0];
    expect(await canConnect(a.netns, b.netns, b.ip("net1"))).toBe(true);
    expect(await connectsWithin(a.netns, b.netns, v6(b))).toBe(true);
    for (const pod of pods) lab().removePod(pod);
  });

  it("gives IPv6-only macvlan pods on different nodes their addresses and routes; they reach each other", async () => {
    const pods = (["node-a", "node-b"] as const).map((node) => lab().podAttachedTo(`v6-${node}`, node, network("macvlan-v6")));
    const addresses = pods.map((pod) => {
      const { result } = pod.attachment("net1");
      expect(resultAddresses(result, 4)).toEqual([]);
      expect(familyRouteLines(pod.netns, "-6", "net1")).toEqual(expect.arrayContaining(["fd16:90::/64 via fd31:6::fe", "fd31:6::/64"]));
      pod.check("net1");
      return resultAddresses(result, 6)[0].split("/")[0];
    });
    expect(addresses[0]).not.toBe(addresses[1]);
    expect(await connectsWithin(pods[0].netns, pods[1].netns, addresses[1])).toBe(true);
    for (const pod of pods) lab().removePod(pod);
  });
});

describe("ipvlan and vlan on a kernel without those links", () => {
  /** The ADD error, which must exist. */
  function addError(name: "ipvlan-l2" | "vlan-10", config = cniConfigFor(network(name))): string {
    const node = lab().node("node-a");
    const pod = lab().pod(`${name}-try`, node);
    pod.attachPrimary();
    try {
      cniAdd(node, pod, "net1", config, name);
    } catch (error) {
      return (error as Error).message;
    } finally {
      lab().removePod(pod);
    }
    throw new Error(`${name} ADD succeeded: this kernel has the link type after all; prove the data plane instead`);
  }

  // ipvlan.go:150 and vlan.go:108 at v1.1.1 wrap the netlink error of LinkAdd, which runs after
  // loadConf accepted the config and found the master (ipvlan.go:52-89, vlan.go:50-66).
  it.each([["ipvlan-l2", "ipvlan"], ["vlan-10", "vlan"]] as const)("%s: the plugin accepts the config and only the kernel refuses the link", (name, kind) => {
    const message = addError(name);
    console.log(`${name}: ADD failed as expected on this kernel: ${message.replace(/^.*?: /, "")}`);
    expect(message).toMatch(new RegExp(`^${kind} ADD net1 in \\S+: failed to create ${kind}: operation not supported$`));
    // Nothing reserved: the link is created before IPAM runs, and the rollback's DEL ran.
    const reservations = join(lab().node("node-a").ipamDataDir, name);
    expect(existsSync(reservations) ? readdirSync(reservations).filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file)) : []).toEqual([]);
  });

  it("would report a config error differently: the refusal above is not a config problem", () => {
    const ipvlan = { ...cniConfigFor(network("ipvlan-l2")), mode: "l4" };
    expect(addError("ipvlan-l2", ipvlan as ReturnType<typeof cniConfigFor>)).toMatch(/unknown ipvlan mode: "l4"/);
    const vlan = { ...cniConfigFor(network("vlan-10")), master: "no-such-nic" };
    expect(addError("vlan-10", vlan as ReturnType<typeof cniConfigFor>)).toMatch(/: Link not found$/);
  });
});
