/**
 * macvlan and bridge NADs with host-local and static IPAM yield exactly what stack.yaml configures.
 * The expectations are written out by hand from stack.yaml on purpose, independent of the code
 * under test. A route without `gw` goes via the range's gateway. A chained ADD that fails halfway is
 * rolled back.
 */
import { existsSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { cniConfigFor } from "../../lib/build/networks";
import { missingCniPlugin } from "../../lib/verify/events";
import { cniAdd, cniBinDir } from "./cni-runtime";
import { useLab } from "./hooks";
import { link, links, localAddresses, routeLines } from "./observe";
import { canConnect } from "./probe";
import { network } from "./stack";

const lab = useLab();
afterEach(() => lab().removePods());

const cases: Array<{ nad: string; cniVersion: string; kind: string; address: string; mtu: number; routes: string[]; checkError?: RegExp }> = [
  {
    nad: "macvlan-hl", cniVersion: "1.0.0", kind: "macvlan", address: "172.31.1.10/24", mtu: 1400,
    routes: ["172.16.10.0/24 via 172.31.1.254", "172.16.20.0/24 via 172.31.1.1", "172.31.1.0/24"],
    // Plugins before v1.3.0 (bookworm ships 1.1.1) look a gw-less route up with gw = nil and never
    // find it (containernetworking/plugins#886): CHECK fails although the route is there (above).
    checkError: /Expected Route \{Dst:\{IP:172\.16\.20\.0 Mask:ffffff00\} GW:<nil>\} not found/,
  },
  {
    nad: "macvlan-static", cniVersion: "0.4.0", kind: "macvlan", address: "172.31.2.20/24", mtu: 1300,
    routes: ["172.16.30.0/24 via 172.31.2.254", "172.31.2.0/24"],
  },
  {
    nad: "bridge-hl", cniVersion: "1.0.0", kind: "veth", address: "172.29.1.10/24", mtu: 1450,
    routes: ["172.16.40.0/24 via 172.29.1.254", "172.29.1.0/24"],
  },
  {
    nad: "bridge-static", cniVersion: "1.0.0", kind: "veth", address: "172.29.2.20/24", mtu: 1350,
    routes: ["172.16.50.0/24 via 172.29.2.254", "172.29.2.0/24"],
  },
];

describe.each(cases)("the $nad NAD (CNI $cniVersion)", ({ nad, cniVersion, kind, address, mtu, routes, checkError }) => {
  it("gives net1 exactly the configured address, MTU and routes; CHECK agrees; DEL removes it all", () => {
    const node = lab().node("node-a");
    const pod = lab().pod(nad, node);
    pod.attachPrimary();
    const net1 = pod.attach(network(nad));
    expect(net1.cniVersion).toBe(cniVersion);

    expect(link(pod.netns, "net1")).toMatchObject({ kind, mtu, ipv4: [address] });
    expect(localAddresses(pod.netns)).toContain(pod.ip("net1"));
    expect(routeLines(pod.netns, "net1")).toEqual(routes);
    expect(net1.result.ips).toEqual([expect.objectContaining({ address })]);
    if (checkError) expect(() => pod.check("net1")).toThrow(checkError);
    else pod.check("net1");
    // host-local reserves an address with a file named after it; static IPAM keeps no state.
    const config = network(nad);
    const reservation = config.type !== "flannel" && config.ipam.type === "host-local" ? join(node.ipamDataDir, nad, address.split("/")[0]) : undefined;
    if (reservation) expect(existsSync(reservation)).toBe(true);

    lab().removePod(pod);
    const nodeVeths = links(node.netns).filter((l) => l.kind === "veth").map((l) => l.ifname);
    expect(nodeVeths).toEqual(["eth0", "eth1"]);
    if (reservation) expect(existsSync(reservation)).toBe(false);
  });
});

describe("a chained ADD whose second plugin fails", () => {
  it("is rolled back as the runtime does it: DEL of the plugins that ran, last first; no interface, no reservation left", () => {
    const node = lab().node("node-a");
    const pod = lab().pod("rollback", node);
    pod.attachPrimary();
    // macvlan-hl's plugin (host-local IPAM), then a plugin this node does not have.
    const { cniVersion, ...macvlan } = cniConfigFor(network("macvlan-hl"));
    const conflist = { cniVersion, name: "rollback", plugins: [macvlan, { type: "no-such-plugin" }] };

    let error: unknown;
    try {
      cniAdd(node, pod, "net1", conflist, "rollback");
    } catch (caught) {
      error = caught;
    }
    // The ADD error is the one thrown; the missing plugin's DEL failed too and is attached.
    expect(error).toBeInstanceOf(Error);
    expect((error as Error).message).toMatch(new RegExp(`^no-such-plugin ADD net1 in ${pod.netns}: `));
    expect((error as Error).cause).toBeInstanceOf(AggregateError);
    expect(((error as Error).cause as AggregateError).errors.map((e) => (e as Error).message)).toEqual([
      expect.stringMatching(/^no-such-plugin DEL net1 /),
    ]);
    // macvlan's ADD did run (host-local remembers its last reservation), and its DEL undid it.
    expect(links(pod.netns).map((l) => l.ifname)).toEqual(["lo", "eth0"]);
    const ipamDir = readdirSync(join(node.ipamDataDir, "rollback"));
    expect(ipamDir).toContain("last_reserved_ip.0");
    expect(ipamDir.filter((file) => /^\d+\.\d+\.\d+\.\d+$/.test(file))).toEqual([]);
  });
});

// The verifier recognises a missing plugin by libcni's wording (lib/verify/events.ts). A real plugin
// that delegates to a missing one, here macvlan to its IPAM plugin, reports it in that wording.
describe("a NAD whose IPAM plugin the node lacks", () => {
  it("fails with the message the verifier turns into a finding naming the plugin", () => {
    const node = lab().node("node-a");
    const pod = lab().pod("missing-plugin", node);
    pod.attachPrimary();
    const { cniVersion, ...macvlan } = cniConfigFor(network("macvlan-hl"));
    const conf = { ...macvlan, cniVersion, ipam: { type: "no-such-ipam" } };
    let message = "";
    try {
      cniAdd(node, pod, "net1", conf, "missing-plugin");
    } catch (error) {
      message = (error as Error).message;
    }
    expect(message).toContain(`failed to find plugin "no-such-ipam" in path [${cniBinDir}]`);
    expect(missingCniPlugin(message)).toEqual({ plugin: "no-such-ipam", paths: cniBinDir });
  });
});

describe("a static NAD without addresses (pods name their own, as prod's storage network)", () => {
  it("gives each pod the address from its annotation, on any node, and they reach each other", async () => {
    const placements = [["ips-a", "node-a", "172.31.3.21/24"], ["ips-b", "node-b", "172.31.3.22/24"]] as const;
    const pods = placements.map(([name, nodeName, address]) => {
      const pod = lab().pod(name, lab().node(nodeName));
      pod.attachPrimary();
      // Multus hands the annotation's `ips` to plugins declaring the capability, as runtimeConfig.
      const net1 = pod.attach(network("macvlan-ips"), { ips: [address] });
      expect(net1.plugins[0]).toMatchObject({ capabilities: { ips: true }, runtimeConfig: { ips: [address] } });
      expect(link(pod.netns, "net1")).toMatchObject({ kind: "macvlan", ipv4: [address] });
      expect(routeLines(pod.netns, "net1")).toEqual(["172.16.60.0/24 via 172.31.3.254", "172.31.3.0/24"]);
      return pod;
    });
    expect(await canConnect(pods[0].netns, pods[1].netns, pods[1].ip("net1"))).toBe(true);
  });

  it("refuses a pod that names no address", () => {
    const pod = lab().pod("ips-none", lab().node("node-a"));
    pod.attachPrimary();
    expect(() => pod.attach(network("macvlan-ips"))).toThrow(/^macvlan ADD net1 /);
  });
});
